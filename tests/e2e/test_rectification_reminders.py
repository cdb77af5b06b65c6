"""The problem list's reminders follow the lifecycle: a submitted item stops reminding its owner and
reminds its verifiers after 3 working days; closing it schedules a 回头看 that reopens it as 反弹."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.org import people
from domain.problems import lifecycle
from storage.models import ProblemItem, ProblemStatus, Role, Severity, Unit
from tests.e2e.driver import fill, press, send
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import World, local
from tests.fakebotapi import FakeBotAPI, Limits


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


async def inspected_item(world: World, *, raised_by: str, due_on: date) -> int:
    async with world.sessions() as session, session.begin():
        unit = await session.scalar(select(Unit).where(Unit.code == "T0101"))
        item = await lifecycle.raise_item(session, unit=unit, source_type="inspection", source_id=0, item="dues_paid",
                                          category="队伍建设", clause="党员应按时足额交纳党费", reason="三人欠缴",
                                          severity=Severity.general, due_on=due_on,
                                          actor_id=world.person_id(raised_by), at=world.clock.now())  # fmt: skip
        return item.id


async def as_secretary_submit(world: World, item_id: int, name: str) -> None:
    user, _ = world.people[name]
    async with world.sessions() as session, session.begin():
        actor = await people.actor_for(session, user.id)
        item = await session.get_one(ProblemItem, item_id)
        unit = await session.get_one(Unit, item.unit_id)
        today = world.clock.now().date()
        await lifecycle.acknowledge(session, item=item, unit=unit, actor=actor, plan="补缴", planned_on=today,
                                    today=today, at=world.clock.now())  # fmt: skip
        await lifecycle.submit(session, item=item, unit=unit, actor=actor, description="已补缴", evidence=[],
                               at=world.clock.now())  # fmt: skip


def firsts(chat, since: int) -> list[str]:
    """First lines of what came since, leaving out the organisational-life nudges this test is not about."""
    return [m.text.splitlines()[0] for m in chat.messages[since:] if "组织生活" not in m.text]


async def test_submitted_then_closed_then_revisited__reminders_move_from_owner_to_verifiers_to_inspector_and_a_regression_reopens(world):
    wang = await world.person("王书记", Role.secretary, "T0101")
    li = await world.person("李审核", Role.committee, "T01")
    zhao = await world.person("赵巡察", Role.inspector, "T01")
    await world.activity("T0101", "committee_meeting", date(2026, 2, 10), by="王书记")  # no 20th-of-month nudge
    world.clock.set(local(date(2026, 3, 2), 8))
    item_id = await inspected_item(world, raised_by="赵巡察", due_on=date(2026, 3, 6))
    await world.at(local(date(2026, 3, 2), 9))
    assert firsts(wang, 0) == ["🟡 问题整改进入黄灯期（还剩 4 天）"]

    world.clock.set(local(date(2026, 3, 2), 10))
    await as_secretary_submit(world, item_id, "王书记")
    seen = {"w": len(wang.messages), "l": len(li.messages), "z": len(zhao.messages)}
    for day in (3, 4):
        await world.at(local(date(2026, 3, day), 9))
    assert firsts(wang, seen["w"]) + firsts(li, seen["l"]) + firsts(zhao, seen["z"]) == []
    await world.at(local(date(2026, 3, 5), 9))  # the third working day waiting
    assert firsts(li, seen["l"]) == ["📤 整改已提交 3 个工作日，等待验收"]
    assert firsts(zhao, seen["z"]) == ["📤 整改已提交 3 个工作日，等待验收"]
    for day in (6, 9, 10):  # due 3-06 passes: the owner is not reminded, the item waits for its verdict
        await world.at(local(date(2026, 3, day), 9))
    assert firsts(wang, seen["w"]) == [] and len(firsts(li, seen["l"])) == 1

    await li.press("查看问题", message=li.messages[-1])
    [card] = await li.replies()
    await li.press("✅ 验收销号", message=card)
    [told] = await li.replies()
    assert "将于 2026年4月9日 前后回头看" in told.text  # 30 days after 3-10

    await world.at(local(date(2026, 4, 8), 9))
    before, li_before = len(zhao.messages), len(li.messages)
    await world.at(local(date(2026, 4, 9), 9))
    await world.at(local(date(2026, 4, 10), 9))
    [due] = [m for m in zhao.messages[before:] if "组织生活" not in m.text]
    assert "回头看到期" in due.text and "党员应按时足额交纳党费" in due.text and "2026年3月10日" in due.text
    assert firsts(li, li_before) == [] and not any("回头看" in m for m in firsts(wang, seen["w"]))

    await zhao.press("🔎 开始回头看", message=due)
    begun, _first = await zhao.replies()
    assert "开始回头看" in begun.text and "回头看 1 项已销号的问题" in begun.text
    review = await fill(zhao, {"检查位置": press("跳过"), "另外检查": press("跳过"), "检查方式": press("看"),
                               "严重程度": press("较重"), "问题说明": send("又有两人欠缴"), "现场照片": press("跳过"),
                               "党员应按时足额交纳党费": press("❌ 未达标"), "总体意见": press("跳过")})  # fmt: skip
    assert "党员应按时足额交纳党费：❌ 未达标" in review.text
    await zhao.press("✅ 提交")
    done = (await zhao.replies())[-1]
    assert "⚠️ 反弹" in done.text and "整改期限 2026年4月24日" in done.text  # 10 working days from 4-10

    async with world.sessions() as session:
        item = await session.get_one(ProblemItem, item_id)
        count = await session.scalar(select(ProblemItem.id).where(ProblemItem.id != item_id))
    assert (item.status, item.regressions, item.due_on, item.severity) == (
        ProblemStatus.reopened, 1, date(2026, 4, 24), Severity.serious)  # fmt: skip
    assert count is None, "the regression reopens the original item rather than adding another"
    await world.drain()
    result = next(m for m in wang.messages if "回头看结果" in m.text)
    assert "⚠️ 反弹" in result.text
    await wang.press(callback_data=f"prob:{item_id}", message=result)
    [card] = await wang.replies()
    assert "反弹待整改" in card.text and "反弹 1 次" in card.text and "回头看发现反弹：又有两人欠缴" in card.text
    assert card.button_texts == ["✍️ 确认整改"]

    await world.at(local(date(2026, 4, 13), 9))  # the new deadline has its own reminders
    await world.at(local(date(2026, 4, 14), 9))
    assert any("黄灯期（还剩 10 天）" in m.text for m in wang.messages[-2:])
