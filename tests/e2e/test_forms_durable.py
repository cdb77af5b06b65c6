"""Form progress is in the database: a killed process or another process loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.kernel.clock import TravellingClock
from storage.models import Role
from tests.e2e.harness import BotProcess, make_invite, running_bot, seed_units


@pytest.fixture
def clock() -> TravellingClock:
    return TravellingClock(datetime.now(UTC))  # the child process reads the system clock


async def test_selfcheck__process_killed_between_answers__continues_at_the_same_question(
    api, database_url, clock, tmp_path
):
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    wang = api.user("王芳")
    bot = BotProcess(api, database_url, tmp_path / "bot.log")
    bot.start()
    try:
        await wang.send(f"/start {token}")
        await wang.replies(timeout=30)
        await wang.send("/selfcheck")
        await wang.replies()
        await wang.send("25")
        await wang.replies()
        await wang.press("是")
        [third] = await wang.replies()
        assert "第 3/" in third.text and "支部委员会按期换届" in third.text

        bot.kill()
        bot.start()
        await wang.press("否", message=third)  # the button the phone still shows
        [fourth] = await wang.replies(timeout=30)
        # Was "第 4/": the question 25 members added is now a supplement, and the total does not grow.
        assert "第 3/27 题（补充）" in fourth.text and "按规定划分党小组" in fourth.text
        await wang.press("⬅️ 上一题")
        [back] = await wang.replies()
        assert "支部委员会按期换届" in back.text and "当前回答：否" in back.text
        await wang.press("⬅️ 上一题")
        [back] = await wang.replies()
        assert "当前回答：是" in back.text
        await wang.press("⬅️ 上一题")
        [back] = await wang.replies()
        assert "当前回答：25" in back.text
    finally:
        bot.terminate()


async def test_selfcheck__consecutive_answers_taken_by_two_processes__continue_one_form(api, database_url, clock):
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    wang = api.user("王芳")
    async with running_bot(api, database_url, clock):  # the first process
        await wang.send(f"/start {token}")
        await wang.replies()
        await wang.send("/selfcheck")
        await wang.replies()
        await wang.send("25")
        await wang.replies()
    async with running_bot(api, database_url, clock):  # another process, same database
        await wang.press("是")
        [third] = await wang.replies()
        await wang.press("⬅️ 上一题")
        [back] = await wang.replies()
    async with running_bot(api, database_url, clock):  # and the first again
        await wang.press("⬅️ 上一题")
        [first] = await wang.replies()

    assert "第 3/" in third.text
    assert "当前回答：是" in back.text
    assert "当前回答：25" in first.text
