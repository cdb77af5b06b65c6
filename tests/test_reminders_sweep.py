"""The sweep writes each notice once, however often and wherever it runs; one bad rule stops nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from domain import reminders
from domain.kernel.clock import TravellingClock
from domain.reminders import orglife
from domain.reminders.sweep_context import deadline_stage
from storage import database
from storage.models import (
    OutboxMessage,
    Person,
    ProblemItem,
    ProblemStatus,
    Role,
    RoleAssignment,
    Unit,
)
from tests.e2e.harness import seed_units

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE = datetime.combine(date(2026, 9, 29), time(9, 0), tzinfo=SHANGHAI).astimezone(UTC)


def test_deadline_stage__deadline_on_a_holiday__the_last_working_day_before_it_is_the_day():
    assert deadline_stage(date(2026, 10, 4), date(2026, 9, 30), near=3, far=10) == "d0"
    assert deadline_stage(date(2026, 10, 9), date(2026, 10, 8), near=3, far=10) == "d3"
    assert deadline_stage(date(2026, 10, 9), date(2026, 9, 29), near=3, far=10) == "d10"
    assert deadline_stage(date(2026, 10, 9), date(2026, 9, 28), near=3, far=10) is None
    assert deadline_stage(date(2026, 10, 9), date(2026, 10, 10), near=3, far=10) is None


def test_orglife_at_risk__start_of_the_quarters_last_month__names_missed_monthly_and_quarterly_quotas():
    held = {"committee_meeting": {date(2026, 7, 1), date(2026, 8, 1)}, "group_meeting": {date(2026, 8, 1)},
            "party_lecture": {date(2026, 7, 1)}}  # fmt: skip
    risks = orglife.at_risk(held, date(2026, 9, 1))
    assert risks == [{"kind": "group_meeting", "missed_months": [7]},
                     {"kind": "branch_general_meeting", "missed_months": []}]  # fmt: skip


async def _world(database_url: str) -> None:
    await seed_units(database_url, TravellingClock(NINE))
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session, session.begin():
        unit_id = await session.scalar(select(Unit.id).where(Unit.code == "T0101"))
        person = Person(name="王书记", telegram_user_id=42, created_at=NINE)
        session.add(person)
        await session.flush()
        session.add(RoleAssignment(person_id=person.id, role=Role.secretary, unit_id=unit_id, created_at=NINE))
        for n in range(5):
            session.add(ProblemItem(unit_id=unit_id, source_type="inspection", source_id=1, item=f"{n}", clause=f"问题{n}",
                                    status=ProblemStatus.open, due_on=date(2026, 10, 9), created_at=NINE))  # fmt: skip
    await engine.dispose()


async def _sweep(database_url: str, **kwargs) -> reminders.SweepReport:
    engine = database.create_engine(database_url)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            return await reminders.sweep(session, now=NINE, tz=SHANGHAI, **kwargs)
    finally:
        await engine.dispose()


async def _count(database_url: str) -> int:
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(OutboxMessage))
    await engine.dispose()
    return count


async def test_sweep__run_many_times_at_once__writes_each_notice_once(database_url):
    await _world(database_url)
    reports = await asyncio.gather(*(_sweep(database_url) for _ in range(4)))
    again = await _sweep(database_url)

    assert sum(r.added for r in reports) == 5 + 1  # five yellow items, and the month's organisational-life nudge
    assert again.added == 0 and again.found == 6
    assert await _count(database_url) == 6


async def test_sweep__one_rule_raises__is_logged_and_the_others_still_write(database_url, caplog):
    await _world(database_url)

    async def broken(session, ctx):
        raise RuntimeError("a bug in one rule")

    report = await _sweep(database_url, rules={"broken": broken, **reminders.RULES})

    assert report.failed == ("broken",) and report.added == 6
    assert "reminder rule 'broken' failed" in caplog.text
