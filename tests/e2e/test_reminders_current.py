"""Reminders say what is true when they arrive: a snoozed one counts the days again, and a week's
warning that falls on a holiday comes before it rather than not at all."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain import reminders
from storage.models import OutboxMessage, OutboxStatus, ProblemItem, ProblemStatus, Role
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import SHANGHAI, World, local
from tests.fakebotapi import FakeBotAPI, Limits

SNOOZE = "⏰ 下个工作日再提醒"


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


def about(user, text: str) -> list[str]:
    return [m.text.splitlines()[0] for m in user.messages if text in m.text]


async def test_snoozed_reminder__comes_again_days_later__says_how_many_days_are_left_now(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    await world.activity("T0101", "committee_meeting", date(2026, 9, 10), by="王书记")  # no other nudges
    world.clock.set(local(date(2026, 9, 28), 10))
    await world.problem("T0101", "党员活动室未悬挂党旗", due_on=date(2026, 10, 9))

    await world.at(local(date(2026, 9, 29), 9))  # 10 days left: the item turns yellow
    [yellow] = [m for m in secretary.messages if "党员活动室未悬挂党旗" in m.text]
    assert "还剩 10 天" in yellow.text
    await secretary.press(SNOOZE, message=yellow)
    await world.api.settled()
    assert secretary.callback_answers[-1].text == "好的，9月30日 09:00 再提醒您。"

    await world.at(local(date(2026, 9, 30), 9))
    again = secretary.messages[-1]
    assert "党员活动室未悬挂党旗" in again.text and "还剩 9 天" in again.text and "还剩 10 天" not in again.text
    await secretary.press(SNOOZE, message=again)  # over National Day, to the first working day after it
    await world.api.settled()
    assert secretary.callback_answers[-1].text == "好的，10月8日 09:00 再提醒您。"

    await world.at(local(date(2026, 10, 8), 9))  # the snoozed reminder and the 3-day stage are both due

    assert about(secretary, "党员活动室未悬挂党旗") == [
        "🟡 问题整改进入黄灯期（还剩 10 天）", "🟡 问题整改进入黄灯期（还剩 9 天）", "🟡 问题整改还剩 1 天"]  # fmt: skip
    async with world.sessions() as session:
        rows = (await session.scalars(select(OutboxMessage).where(OutboxMessage.person_id == world.person_id(
            "王书记")).order_by(OutboxMessage.id))).all()  # fmt: skip
    [told, dropped] = [r for r in rows if r.not_before == local(date(2026, 10, 8), 9)]
    assert told.status is OutboxStatus.sent and told.values["days_left"] == 1, "the row records what was sent"
    assert dropped.status is OutboxStatus.cancelled and "reminded of it today" in dropped.last_error


async def test_snoozed_reminder__its_item_closed_meanwhile__is_not_sent(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    await world.activity("T0101", "committee_meeting", date(2026, 9, 10), by="王书记")
    world.clock.set(local(date(2026, 9, 28), 10))
    item = await world.problem("T0101", "三会一课记录不全", due_on=date(2026, 10, 9))
    await world.at(local(date(2026, 9, 29), 9))
    await secretary.press(SNOOZE, message=secretary.messages[-1])
    await world.api.settled()
    seen = len(secretary.messages)
    async with world.sessions() as session, session.begin():
        (await session.get(ProblemItem, item)).status = ProblemStatus.closed
    # Written before the item closed and not yet swept away: the dispatcher checks it when it is due.
    world.clock.set(local(date(2026, 9, 30), 9))
    await world.drain()

    assert len(secretary.messages) == seen
    [snoozed] = await world.rows(status=OutboxStatus.cancelled)
    assert "resolved" in snoozed.last_error


async def test_campaign_deadline_right_after_national_day__the_week_warning_comes_before_the_holiday(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    await world.activity("T0101", "committee_meeting", date(2026, 9, 10), by="王书记")
    world.clock.set(local(date(2026, 9, 20), 12))
    async with world.sessions() as session, session.begin():
        await reminders.add_campaign(session, name="示范点推荐名单", form_id="demonstration",
                                     unit_id=await world.unit_id("T01"), deadline=date(2026, 10, 9), opens_on=None,
                                     tz=SHANGHAI, actor_id=None, now=world.clock.now())  # fmt: skip

    received = {}
    for day in (date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9)):
        before = len(secretary.messages)
        await world.at(local(day, 9))
        received[day] = [m.text.splitlines()[0] for m in secretary.messages[before:] if "示范点推荐名单" in m.text]

    assert received == {
        date(2026, 9, 28): [],
        date(2026, 9, 29): [],
        # 10-02…10-07, when the deadline is 7 to 2 days away, are all 国庆节 holidays: the last working day
        # before them gives the week's warning.
        date(2026, 9, 30): ["📋 示范点推荐名单：还剩 9 天截止"],
        date(2026, 10, 8): ["📋 示范点推荐名单：还剩 1 天截止"],
        date(2026, 10, 9): ["📋 示范点推荐名单：今天截止"],
    }
