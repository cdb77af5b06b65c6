"""问题台账: the committee lists its subtree's items by status, source and branch, overdue first, paged
with buttons, and one branch's whole ledger with each item's history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from domain.org import people
from domain.problems import lifecycle
from storage.models import Inspection, InspectionKind, Person, Role, Severity, Unit
from tests.e2e.test_selfassessment import join


async def item(session, clock, code: str, clause: str, due_on: date, source: str = "submission"):
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    return await lifecycle.raise_item(session, unit=unit, source_type=source, source_id=0, item=clause[:8],
                                      category=None, clause=clause, reason=None, severity=Severity.general,
                                      due_on=due_on, actor_id=None, at=clock.now())  # fmt: skip


async def test_ledger__by_status_source_and_branch__overdue_first__paged__with_a_branch_history(
    bot, api, database_url, clock
):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    async with bot.sessions() as session, session.begin():
        await item(session, clock, "T0101", "党员花名册未更新", date(2026, 2, 20))
        await item(session, clock, "T0102", "活动室未挂党旗", date(2026, 3, 20), source="inspection")
        done = await item(session, clock, "T0102", "党费台账缺失", date(2026, 3, 25))
        for n in range(9):
            await item(session, clock, "T0103", f"新民村问题{n + 1}", date(2026, 4, 1 + n))
        await item(session, clock, "Z0101", "别的党委的问题", date(2026, 2, 1))
        t0102 = await session.scalar(select(Unit).where(Unit.code == "T0102"))
        zhao = Person(name="赵巡察", created_at=clock.now())
        session.add(zhao)
        await session.flush()
        session.add(Inspection(unit_id=t0102.id, inspector_id=zhao.id, kind=InspectionKind.regular,
                               started_at=clock.now(), submitted_at=clock.now(), findings=[], inflated=2))  # fmt: skip
        secretary = await people.actor_for(session, wang.id)
        reviewer = await people.actor_for(session, li.id)
        today = clock.now().date()
        await lifecycle.acknowledge(session, item=done, unit=t0102, actor=secretary, plan="补建", planned_on=today,
                                    today=today, at=clock.now())  # fmt: skip
        await lifecycle.submit(session, item=done, unit=t0102, actor=secretary, description="已补建", evidence=[],
                               at=clock.now())  # fmt: skip
        await lifecycle.close(session, item=done, unit=t0102, actor=reviewer, at=clock.now())

    await li.send("/ledger")
    [summary] = await li.replies()
    assert "问题台账（3 个支部）" in summary.text and "待整改：11" in summary.text and "已销号：1" in summary.text
    assert "其中逾期：1" in summary.text and "别的党委" not in summary.text
    assert "组织考评 10　现场检查 1　回头看 0" in summary.text
    assert summary.button_texts[:2] == ["🔴 逾期 1", "全部未销号"]

    await li.press("全部未销号", message=summary)
    [page] = await li.replies()
    assert "问题台账 · 未销号（11 项）" in page.text and "第 1/2 页" in page.text
    lines = [line for line in page.text.splitlines() if "#" in line]
    assert "党员花名册未更新" in lines[0] and "已逾期 10 天" in lines[0]  # overdue first
    assert len(page.button_texts) == 9 and page.button_texts[-1] == "下一页 ➡️"
    await li.press("下一页 ➡️", message=page)
    [second] = await li.replies()
    assert "第 2/2 页" in second.text and "新民村问题9" in second.text and second.button_texts[-1] == "⬅️ 上一页"

    await li.press("现场检查", message=summary)
    [by_source] = await li.replies()
    assert "问题台账 · 现场检查（1 项未销号）" in by_source.text and "活动室未挂党旗" in by_source.text

    await li.press("🏢 按支部查看", message=summary)
    [branches] = await li.replies()
    assert "城关镇新民村党支部：9 / 0 / 0 / 0 / 0" in branches.text
    assert "城关镇红旗村党支部：1 / 0 / 1 / 0 / 2" in branches.text  # two inflated self-assessments
    assert branches.button_texts[0] == "城关镇东街社区党支部（1/1）"  # the most overdue first
    await li.press("城关镇红旗村党支部（1/0）", message=branches)
    [ledger] = await li.replies()
    assert "问题台账 · 城关镇红旗村党支部" in ledger.text and "自评虚高 2" in ledger.text
    closed_part = ledger.text.split("党费台账缺失")[1]
    assert "王芳 · 确认整改" in closed_part and "王芳 · 提交验收" in closed_part and "李审核 · 验收销号" in closed_part
    assert ledger.text.index("活动室未挂党旗") < ledger.text.index("党费台账缺失")  # open before closed

    await wang.send("/ledger")
    [refused] = await wang.replies()
    assert "没有权限" in refused.text
    async with bot.sessions() as session:
        other = await session.scalar(select(Unit.id).where(Unit.code == "Z0101"))
    await li.press(callback_data=f"lg:u:{other}:0", message=summary)
    await api.settled()
    assert li.callback_answers[-1].text == "您没有权限执行此操作。"
