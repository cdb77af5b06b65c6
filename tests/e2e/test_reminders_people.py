"""Reminders meet people: snoozing, forged snoozes, someone who blocked the bot, the live roll call."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain import reminders
from storage.models import (
    AuditEntry,
    OutboxStatus,
    Person,
    Role,
    Snooze,
    Submission,
    SubmissionStatus,
)
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import SHANGHAI, World, local
from tests.fakebotapi import FakeBotAPI, Limits


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


async def _campaign(world: World, unit_code: str, deadline: date, opens_on: date | None = None) -> int:
    async with world.sessions() as session, session.begin():
        campaign = await reminders.add_campaign(session, name="2026年度支部标准化自评", form_id="standardisation",
                                                unit_id=await world.unit_id(unit_code), deadline=deadline,
                                                opens_on=opens_on, tz=SHANGHAI, actor_id=None,
                                                now=world.clock.now())  # fmt: skip
        return campaign.id


async def _submit(world: World, unit_code: str, by: str) -> None:
    """What the submission code does: record the submission, refresh the roll call, same transaction."""
    unit_id = await world.unit_id(unit_code)
    async with world.sessions() as session, session.begin():
        session.add(Submission(form_id="standardisation", version="2026.1", unit_id=unit_id,
                               status=SubmissionStatus.submitted, answers={}, submitted_by=world.person_id(by),
                               submitted_at=world.clock.now()))  # fmt: skip
        await session.flush()
        await reminders.refresh_rollcall(session, unit_id=unit_id, now=world.clock.now())
    await world.drain()


async def test_snooze__pressed_by_the_secretary__the_reminder_comes_again_next_working_day_at_nine(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    world.clock.set(local(date(2026, 3, 1), 12))
    await _campaign(world, "T01", deadline=date(2026, 3, 9))
    await world.at(local(date(2026, 3, 2), 9))  # Monday, 7 days before
    [nudge] = [m for m in secretary.messages if "2026年度支部标准化自评" in m.text]
    assert "还剩 7 天截止" in nudge.text and nudge.button_texts == ["去填报", "⏰ 下个工作日再提醒"]

    await secretary.press("⏰ 下个工作日再提醒", message=nudge)
    await world.api.settled()
    assert secretary.callback_answers[-1].text == "好的，3月3日 09:00 再提醒您。"
    assert nudge.button_texts == ["去填报"], "the pressed reminder loses its snooze button"
    async with world.sessions() as session:
        [snooze] = (await session.scalars(select(Snooze))).all()
        assert snooze.until == local(date(2026, 3, 3), 9)
        assert await session.scalar(select(AuditEntry.action).where(AuditEntry.action == "reminder.snoozed"))

    seen = len(secretary.messages)  # the nudge, and the quarter's organisational-life notice
    await world.at(local(date(2026, 3, 2), 18))
    assert len(secretary.messages) == seen
    await world.at(local(date(2026, 3, 3), 9))
    again = secretary.messages[-1]
    assert again is not nudge and "还剩 6 天截止" in again.text and "⏰ 下个工作日再提醒" in again.button_texts
    assert world.api.count_429 == 0


async def test_snooze__forged_by_someone_else_or_on_an_overdue_reminder__is_refused(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    other = await world.person("赵书记", Role.secretary, "T0102")
    world.clock.set(local(date(2026, 3, 1), 12))
    await _campaign(world, "T01", deadline=date(2026, 3, 9))
    await world.problem("T0101", "整改项", due_on=date(2026, 2, 27))
    await world.at(local(date(2026, 3, 2), 9))
    [nudge] = await world.rows(kind="campaign.d7", person_id=world.person_id("王书记"))
    [overdue] = await world.rows(kind="problem.overdue")

    await other.press(callback_data=f"snz:{nudge.id}", message=other.last)
    await secretary.press(callback_data=f"snz:{overdue.id}", message=secretary.last)
    await secretary.press(callback_data="snz:999999", message=secretary.last)
    await world.api.settled()

    assert [a.text for a in other.callback_answers] == ["您没有权限执行此操作。"]
    assert [a.text for a in secretary.callback_answers] == ["您没有权限执行此操作。", "这个按钮已失效，请重新打开菜单。"]
    async with world.sessions() as session:
        assert (await session.scalars(select(Snooze))).all() == []


async def test_blocked_user__reminder_refused__marked_unreachable_and_the_committee_group_is_told(world):
    secretary = await world.person("王书记", Role.secretary, "T0101")
    group = await world.group("城关镇党委工作群", "T01")
    world.clock.set(local(date(2026, 9, 28), 8))
    await world.problem("T0101", "党员活动室未悬挂党旗", due_on=date(2026, 10, 9))
    await world.activity("T0101", "committee_meeting", date(2026, 9, 10), by="王书记")
    await world.at(local(date(2026, 9, 28), 9))  # the week's digest goes out
    secretary.block_bot()
    await world.api.settled()

    await world.at(local(date(2026, 9, 29), 9))  # the item turns yellow

    [refused] = await world.rows(kind="problem.d10")
    assert refused.status is OutboxStatus.unreachable and "blocked" in refused.last_error
    assert "王书记</b>已屏蔽支部助手" in group.messages[-1].html and "城关镇东街社区党支部" in group.messages[-1].text
    async with world.sessions() as session:
        person = await session.get(Person, world.person_id("王书记"))
        assert person.unreachable_since == local(date(2026, 9, 29), 9)

    secretary.unblock_bot()
    await secretary.send("/help")
    await world.api.settled()
    async with world.sessions() as session:
        person = await session.get(Person, world.person_id("王书记"))
        assert person.unreachable_since is None


async def test_rollcall_board__three_branches_submit__one_group_message_edited_in_place(world):
    for name, code in (("王书记", "T0101"), ("赵书记", "T0102"), ("孙书记", "T0103")):
        await world.person(name, Role.secretary, code)
    group = await world.group("城关镇党委工作群", "T01")
    world.clock.set(local(date(2026, 3, 1), 12))
    await _campaign(world, "T01", deadline=date(2026, 3, 20), opens_on=date(2026, 3, 2))
    await world.at(local(date(2026, 3, 2), 8, 5))  # opens: the board is posted (the digest waits for 09:00)
    [board] = group.messages
    assert "已提交 0/3" in board.text

    for minutes, (code, name) in enumerate((("T0102", "赵书记"), ("T0101", "王书记"), ("T0103", "孙书记"))):
        world.clock.set(local(date(2026, 3, 2), 8, 10 + minutes))
        await _submit(world, code, name)

    assert group.messages == [board], "edited in place, never posted again"
    assert [text.splitlines()[0] for text in board.edits] == [
        "📋 2026年度支部标准化自评 · 已提交 0/3",
        "📋 2026年度支部标准化自评 · 已提交 1/3",
        "📋 2026年度支部标准化自评 · 已提交 2/3",
    ]
    assert "已提交 3/3" in board.text and "未提交：无，全部完成" in board.text
    await world.at(local(date(2026, 3, 2), 8, 30))  # a sweep finds nothing new to show
    assert len(board.edits) == 3
    async with world.sessions() as session:
        status = await reminders.campaign_status(session, campaign_id=1)
    assert status.missing == [] and len(status.submitted) == 3
