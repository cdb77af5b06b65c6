"""A slow Bot API call holds up only its own chat: everyone else is answered meanwhile."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from domain.kernel.clock import TravellingClock
from storage import database
from storage.models import HeldUpdate, Role
from tests.e2e.driver import arrives
from tests.e2e.harness import WebhookBotProcess, bot_in_mode, make_invite, seed_units


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_help__while_get_chat_member_takes_5_s__is_answered_within_a_second(mode, api, database_url, clock):
    await seed_units(database_url, clock)
    async with bot_in_mode(mode, api, database_url, clock):
        li, wang = api.user("李审核"), api.user("王芳")
        await li.send(f"/start {await make_invite(database_url, clock, Role.committee, 'T01')}")
        await li.replies()
        group = api.group("城关镇党委工作群")
        group.set_admin(li)
        await group.add_bot(by=li)
        await group.replies()
        api.delay("getChatMember", 5)

        bind = await group.send(li, "/bind")
        await api.wait_for(lambda a: [c for c in a.state.in_flight if c.method == "getChatMember"],
                           what="/bind asking Telegram about the sender")  # fmt: skip
        loop = asyncio.get_running_loop()
        sent_at = loop.time()
        help_ = await wang.send("/help")
        await api.wait_for(lambda a: wang.messages, timeout=3, what="the answer to /help")
        answered_in = loop.time() - sent_at

        assert answered_in < 1.5, f"/help waited {answered_in:.1f} s for another chat's slow call"
        assert any(c.method == "getChatMember" for c in api.state.in_flight), "/bind is still under way"
        if mode == "polling":  # confirmed only up to the first update not yet handled
            assert {bind["update_id"], help_["update_id"]} <= {u["update_id"] for u in api.pending_updates}
        assert "已绑定到 城关镇党委" in (await arrives(api, group, "已绑定")).text
        await api.settled()  # and then everything is confirmed


async def test_webhook__killed_while_a_slow_update_is_held__the_next_process_handles_it(api, database_url, tmp_path):
    clock = TravellingClock(datetime.now(UTC))  # the child process reads the system clock
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, Role.committee, "T01")
    bot = WebhookBotProcess(api, database_url, tmp_path / "bot.log")
    bot.start()
    try:
        await api.wait_for(lambda a: a.webhook_url, timeout=30, what="setWebhook")
        li = api.user("李审核")
        await li.send(f"/start {token}")
        await arrives(api, li, "党委审核人")
        group = api.group("城关镇党委工作群")
        group.set_admin(li)
        await group.add_bot(by=li)
        await arrives(api, group, "/bind")

        api.hold("getChatMember")  # Telegram has not answered yet when the process dies
        await group.send(li, "/bind")
        await api.wait_for(lambda a: a.held("getChatMember") and not a.pending_updates, timeout=10,
                           what="/bind acknowledged to Telegram while it waits for getChatMember")  # fmt: skip
        bot.kill()
        api.release("getChatMember")

        bot.start()
        assert "已绑定到 城关镇党委" in (await arrives(api, group, "已绑定", timeout=30)).text
    finally:
        bot.terminate()
    async with database.sessionmaker(engine := database.create_engine(database_url))() as session:
        assert await session.scalar(select(func.count()).select_from(HeldUpdate)) == 0
    await engine.dispose()
