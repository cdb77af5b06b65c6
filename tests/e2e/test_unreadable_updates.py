"""An update python-telegram-bot cannot read is logged and skipped; the bot carries on."""

from __future__ import annotations

import pytest

from tests.e2e.harness import bot_in_mode, seed_units


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_unreadable_update__then_help__is_skipped_and_help_is_answered(mode, api, database_url, clock, caplog):
    await seed_units(database_url, clock)
    async with bot_in_mode(mode, api, database_url, clock) as bot:
        wang = api.user("王芳")
        # A message without its date: python-telegram-bot raises KeyError reading it.
        bad = await api.inject({"message": {"message_id": 999, "from": {"id": wang.id, "is_bot": False,
                                                                         "first_name": "王芳"},
                                             "chat": {"id": wang.id, "type": "private"}, "text": "无日期"}})  # fmt: skip
        await wang.send("/help")
        [answer] = await wang.replies()

        assert "可用命令" in answer.text
        assert not api.pending_updates, "the unreadable update is confirmed or acknowledged"
        if mode == "polling":
            assert api.state.last_offset > bad["update_id"]
        await wang.send("/help")
        assert len(await wang.replies()) == 1, "still alive"
        assert bot.runtime.application.running
    logged = [r for r in caplog.records if r.name.startswith("bot.") and "无日期" in r.getMessage()]
    assert logged and f"update {bad['update_id']} cannot be read" in logged[0].getMessage()
