"""Problem-list reminders through the real Application and the fake Bot API (Telegram's limits on).

The clock travels; nothing sleeps except what the rate limits themselves require.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain import reminders
from storage.models import OutboxStatus, Role, Submission, SubmissionStatus
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import World, local
from tests.fakebotapi import FakeBotAPI, Limits


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


async def test_problem_item__from_creation_to_two_days_overdue_across_national_day__reminds_owner_then_escalates(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    reviewer = await world.person("李审核", Role.committee, "T01")
    admin = await world.person("张部长", Role.admin, "D001")
    group = await world.group("城关镇党委工作群", "T01")
    world.clock.set(local(date(2026, 9, 24), 10))
    item = await world.problem("T0101", "党员活动室未悬挂党旗", due_on=date(2026, 10, 9))
    await world.activity("T0101", "committee_meeting", date(2026, 9, 10), by="王书记")  # no 20th-of-month nudge

    received: dict[date, list[str]] = {}
    for day in _days(date(2026, 9, 24), date(2026, 10, 12)):
        before = {name: len(chat.messages) for name, chat in (("s", secretary), ("r", reviewer), ("a", admin),
                                                               ("g", group))}  # fmt: skip
        await world.at(local(day, 9))
        for name, chat in (("s", secretary), ("r", reviewer), ("a", admin), ("g", group)):
            for message in chat.messages[before[name]:]:
                received.setdefault(day, []).append(f"{name}: {message.text.splitlines()[0]}")

    assert received == {
        date(2026, 9, 24): ["g: 📊 城关镇党委 · 本周工作提示（2026年9月24日）"],
        date(2026, 9, 28): ["g: 📊 城关镇党委 · 本周工作提示（2026年9月28日）"],
        date(2026, 9, 29): ["s: 🟡 问题整改进入黄灯期（还剩 10 天）"],
        # 10-01…10-07 国庆节: nothing. 10-08 is the first working day after the holiday.
        date(2026, 10, 8): ["s: 🟡 问题整改还剩 1 天", "g: 📊 城关镇党委 · 本周工作提示（2026年10月8日）"],
        date(2026, 10, 9): ["s: 🟠 问题整改今天到期"],
        # Saturday 10-10 is a make-up working day (调休): the first overdue day, the day it turns red.
        date(2026, 10, 10): ["s: 🔴 问题整改已逾期（逾期 1 个工作日）", "g: 🔴 城关镇党委 · 今日新增逾期（2026年10月10日）"],
        date(2026, 10, 12): ["s: 🔴 问题整改已逾期（逾期 2 个工作日）", "r: 🔴 问题整改逾期2个工作日，提请党委督办",
                             "g: 📊 城关镇党委 · 本周工作提示（2026年10月12日）"],
    }  # fmt: skip
    red_day = [m for m in group.messages if "今日新增逾期" in m.text][0]
    assert "党员活动室未悬挂党旗" in red_day.text and "王书记" in red_day.text and "🔴 1" in red_day.text
    yellow = [m for m in secretary.messages if "黄灯" in m.text][0]
    assert yellow.buttons == [[("查看问题", f"prob:{item}")], [("⏰ 下个工作日再提醒", yellow.buttons[1][0][1])]]
    overdue = secretary.messages[-1]
    assert overdue.buttons == [[("查看问题", f"prob:{item}")]], "an overdue reminder cannot be snoozed"
    assert world.api.count_429 == 0


async def test_problem_reminder__written_in_quiet_hours__waits_for_eight_while_an_admin_broadcast_goes_at_once(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    await world.person("张部长", Role.admin, "D001")
    await world.problem("T0101", "三会一课记录不全", due_on=date(2026, 10, 9))
    await world.activity("T0101", "group_meeting", date(2026, 9, 3), by="王书记")
    # The bot was down all day on 9-29; it comes back at 22:30.
    await world.at(local(date(2026, 9, 29), 22, 30))
    assert secretary.messages == []
    [pending] = await world.rows(kind="problem.d10")
    assert pending.status is OutboxStatus.pending

    async with world.sessions() as session, session.begin():
        await reminders.broadcast(session, unit_id=await world.unit_id("T01"), text="明早八点开会", actor_id=None,
                                  now=world.clock.now())  # fmt: skip
    await world.drain()
    assert [m.text.splitlines()[-1] for m in secretary.messages] == ["明早八点开会"]

    await world.at(local(date(2026, 9, 30), 7, 59))
    assert len(secretary.messages) == 1
    await world.at(local(date(2026, 9, 30), 8, 0))
    assert "黄灯期" in secretary.messages[-1].text
    [sent] = await world.rows(kind="problem.d10")
    assert sent.status is OutboxStatus.sent and sent.message_id == secretary.messages[-1].message_id


async def test_weekly_digest__items_of_every_colour_and_a_submission_waiting__one_message_with_counts_and_names(world):
    await world.person("王书记", Role.secretary, "T0101")
    await world.person("赵书记", Role.secretary, "T0102")
    group = await world.group("城关镇党委工作群", "T01")
    other = await world.group("县直机关工委群", "Z01")
    world.clock.set(local(date(2026, 3, 2), 8))
    await world.problem("T0101", "支部手册填写不规范", due_on=date(2026, 2, 20))  # red
    await world.problem("T0102", "活动室面积不足", due_on=date(2026, 3, 10))  # yellow
    await world.problem("T0103", "党员花名册未更新", due_on=date(2026, 4, 30))  # green
    await world.problem("Z0101", "别的党委的问题", due_on=date(2026, 2, 1))  # not this committee's
    async with world.sessions() as session, session.begin():
        session.add(Submission(form_id="standardisation", version="2026.1", unit_id=await world.unit_id("T0102"),
                               status=SubmissionStatus.submitted, answers={}, submitted_by=world.person_id("赵书记"),
                               submitted_at=local(date(2026, 2, 25), 15)))  # fmt: skip

    await world.at(local(date(2026, 3, 2), 9))  # Monday
    await world.at(local(date(2026, 3, 3), 9))  # the same week: no second digest

    [digest] = group.messages
    assert "问题清单：🟢 1　🟡 1　🔴 1" in digest.text
    assert "城关镇东街社区党支部：支部手册填写不规范，2026年2月20日到期，逾期" in digest.text
    assert "（责任人：王书记）" in digest.text
    assert "待党委审核：1 份" in digest.text and "城关镇红旗村党支部，已等待" in digest.text
    assert "别的党委的问题" not in digest.text
    assert len(other.messages) == 1 and "别的党委的问题" in other.messages[0].text
