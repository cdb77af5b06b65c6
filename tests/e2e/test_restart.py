"""Kill -9 the bot at its worst moment, restart it: nothing committed is lost, nothing applies twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from domain.kernel.clock import TravellingClock
from storage import database
from storage.models import Invite, Person, RoleAssignment
from storage.models import Role as R
from tests.e2e.harness import BotProcess, make_invite, seed_units


@pytest.fixture
def clock() -> TravellingClock:
    """The child process reads the system clock, so invites are made at the real now."""
    return TravellingClock(datetime.now(UTC))


async def _counts(database_url: str) -> tuple[int, int, int]:
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session:
        people = await session.scalar(select(func.count()).select_from(Person))
        roles = await session.scalar(select(func.count()).select_from(RoleAssignment))
        used = await session.scalar(select(func.count()).select_from(Invite).where(Invite.used_at.is_not(None)))
    await engine.dispose()
    return people, roles, used


async def test_bot__killed_while_replying_and_restarted__loses_nothing_and_applies_nothing_twice(
    api, database_url, clock, tmp_path
):
    await seed_units(database_url, clock)
    tokens = [await make_invite(database_url, clock, R.secretary, code) for code in ("T0101", "T0102", "T0103")]
    first, second, third = api.user("甲"), api.user("乙"), api.user("丙")
    bot = BotProcess(api, database_url, tmp_path / "bot.log")
    bot.start()
    try:
        await first.send(f"/start {tokens[0]}")
        [greeting] = await first.replies(timeout=30)
        assert "城关镇东街社区党支部" in greeting.text

        # Freeze the bot while it replies: second's invite is committed, its greeting is in flight,
        # and third's update is fetched or waiting but certainly not confirmed.
        api.hold("sendMessage")
        await second.send(f"/start {tokens[1]}")
        await third.send(f"/start {tokens[2]}")
        await api.wait_for(lambda a: a.held("sendMessage") >= 1, timeout=10, what="a held reply")
        bot.kill()
        api.release("sendMessage")
        assert api.pending_updates, "the killed bot must not have confirmed the updates it had not finished"

        bot.start()
        await api.settled(timeout=30)
    finally:
        bot.terminate()

    assert await _counts(database_url) == (3, 3, 3), bot.log()
    assert any("城关镇红旗村党支部" in m.text for m in second.messages)  # greeted after the restart
    assert any("城关镇新民村党支部" in m.text for m in third.messages)
    assert not any("已经被使用过" in m.text for m in second.messages + third.messages)


async def test_bot__stopped_cleanly__confirms_what_it_handled(api, database_url, clock, tmp_path):
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, R.secretary, "T0101")
    user = api.user("甲")
    bot = BotProcess(api, database_url, tmp_path / "bot.log")
    bot.start()
    try:
        await user.send(f"/start {token}")
        await user.replies(timeout=30)
    finally:
        bot.terminate()
    assert not api.pending_updates
    assert await _counts(database_url) == (1, 1, 1)
