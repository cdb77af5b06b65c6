"""An edited message is never an answer: editing "20" to "15" must not answer the question now asked."""

from __future__ import annotations

import logging

from sqlalchemy import select

from storage.models import ActivityRecord, FormSession, Role
from tests.e2e.driver import JPEG, fill
from tests.e2e.test_selfassessment import join

HINT = "修改过的消息不会当作回答"


async def test_activity__the_expected_count_edited_while_attended_is_asked__changes_nothing_and_says_how(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")
    await wang.replies()
    await wang.press("支委会")
    await wang.replies()
    await wang.send("昨天")
    await wang.replies()
    await wang.send("学习党章")
    [asked] = await wang.replies()
    assert "应到人数" in asked.text
    expected = await wang.send("20")
    [asked] = await wang.replies()
    assert "实到人数" in asked.text

    await wang.edit(expected, "15")
    hint, prompt = await wang.replies()
    assert HINT in hint.text and "⬅️ 上一题" in hint.text and "汇总里点题号修改" in hint.text
    assert "实到人数" in prompt.text  # still the question it was
    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession))
    assert form.state["answers"]["expected"] == 20 and "attended" not in form.state["answers"]

    await wang.send("18")
    [photos] = await wang.replies()
    assert "签到表照片" in photos.text
    await wang.send_photo(JPEG)
    await wang.replies()
    await wang.press("完成 ✔️")
    review = await fill(wang)
    assert "应到人数：20 人" in review.text and "实到人数：18 人" in review.text
    await wang.press("✅ 提交")
    await wang.replies()
    async with bot.sessions() as session:
        record = await session.scalar(select(ActivityRecord))
    assert (record.expected, record.attended) == (20, 18)


async def test_edits__with_no_form_open__in_a_group__or_to_a_blocked_chat__answer_nothing_and_raise_nothing(
    bot, api, database_url, clock, caplog
):
    caplog.set_level(logging.INFO)
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    group = api.group("城关镇党委工作群")
    await group.add_bot(by=wang)
    await group.replies()
    said = await group.send(wang, "大家好")
    await group.edit(wang, said, "大家下午好")
    help_sent = await wang.send("/help")
    await wang.replies()
    await wang.edit(help_sent, "/help 再看看")  # an edited command is not run again
    assert await wang.replies() == [] and await group.replies() == []

    await wang.send("/activity")
    await wang.replies()
    await wang.press("支委会")
    await wang.replies()
    answer = await wang.send("昨天")
    await wang.replies()
    wang.block_bot()
    await wang.edit(answer, "前天")
    await api.settled()
    stranger = api.user("路人")
    hello = await stranger.send("你好")
    await stranger.replies()
    await stranger.edit(hello, "您好")
    assert await stranger.replies() == []

    assert "failed" not in caplog.text and not [r for r in caplog.records if r.levelno >= logging.ERROR]
    wang.unblock_bot()
    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession))
    assert form.state["answers"]["held_on"] == "2026-03-01"
