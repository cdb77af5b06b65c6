"""What the reminders' buttons open, and the roll call following a submission made in the chat."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain import reminders
from domain.org import units
from storage.models import ProblemItem, Role
from tests.e2e.test_evaluation import submit_selfcheck
from tests.e2e.test_selfassessment import join


async def test_rollcall__a_branch_submits_in_the_chat__the_group_board_counts_it(bot, api, database_url, clock):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    group = api.group("城关镇党委工作群")
    group.set_admin(li)
    await group.add_bot(by=li)
    await group.send(li, "/bind")
    await group.replies()
    async with bot.sessions() as session, session.begin():
        town = await units.by_code(session, "T01")
        await reminders.add_campaign(session, name="2026年度支部自评", form_id="standardisation", unit_id=town.id,
                                     deadline=date(2026, 3, 31), opens_on=None, tz=ZoneInfo("Asia/Shanghai"),
                                     actor_id=None, now=clock.now())  # fmt: skip
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")

    await submit_selfcheck(wang)

    board = await api.wait_for(lambda a: next((m for m in group.messages if "已提交 1/3" in m.text), None),
                               timeout=10, what="the roll-call board")  # fmt: skip
    assert "城关镇红旗村党支部" in board.text


async def test_problem_button__opens_the_item_for_its_branch_and_refuses_others(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    other = await join(api, database_url, clock, Role.secretary, "Z0101", "县直书记")
    async with bot.sessions() as session, session.begin():
        unit = await units.by_code(session, "T0102")
        item = ProblemItem(unit_id=unit.id, source_type="submission", source_id=0, item="dues_paid",
                           clause="党员应按时足额交纳党费", status="open", due_on=date(2026, 3, 10),
                           created_at=clock.now())  # fmt: skip
        session.add(item)
    async with bot.sessions() as session:
        item_id = await session.scalar(select(ProblemItem.id))

    await wang.press(callback_data=f"prob:{item_id}", message=wang.last)
    [shown] = await wang.replies()
    await other.press(callback_data=f"prob:{item_id}", message=other.last)
    await api.settled()

    assert "党员应按时足额交纳党费" in shown.text and "还剩 8 天" in shown.text
    assert other.callback_answers[-1].text == "您没有权限执行此操作。"


async def test_demo_button__opens_the_demonstration_form(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")

    await wang.press(callback_data="demo:start", message=wang.last)
    [first] = await wang.replies()

    assert "基层党建示范阵地创建自评" in first.text


def test_campaign_button__names_the_campaigns_form():
    from domain.reminders.campaigns import fill_in

    assert (fill_in("demonstration"), fill_in("standardisation"), fill_in(None)) == (
        "demo:start", "self:start", "self:start")  # fmt: skip
