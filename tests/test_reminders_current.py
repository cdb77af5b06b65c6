"""The dispatcher's last look at a reminder before it goes out (domain.reminders.at_send)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from domain import reminders
from domain.reminders.sweep_context import deadline_stage
from storage.models import (
    ActivityRecord,
    OutboxMessage,
    Person,
    Role,
    RoleAssignment,
    Unit,
    UnitType,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE = datetime.combine(date(2026, 3, 23), time(9, 0), tzinfo=SHANGHAI).astimezone(UTC)


def test_deadline_stage__the_week_warning_s_days_all_holidays__comes_on_the_last_working_day_before():
    assert deadline_stage(date(2026, 10, 9), date(2026, 9, 30), near=1, far=7) == "d7"  # 9 days left
    assert deadline_stage(date(2026, 10, 9), date(2026, 9, 29), near=1, far=7) is None
    assert deadline_stage(date(2026, 10, 9), date(2026, 10, 8), near=1, far=7) == "d1"
    assert deadline_stage(date(2026, 10, 8), date(2026, 9, 30), near=1, far=7) == "d7"
    assert deadline_stage(date(2026, 10, 12), date(2026, 9, 30), near=1, far=7) is None  # 10-08 is in its days


def _row(**fields) -> OutboxMessage:
    base = {"key": "k", "chat_id": 42, "kind": "problem.d3", "template": "reminder_problem.html.j2", "values": {},
            "not_before": NINE, "created_at": NINE}  # fmt: skip
    return OutboxMessage(**{**base, **fields})


async def test_at_send__a_notice_about_nothing_it_can_look_up__is_sent_as_written(session):
    row = _row(values={"stage": "d3", "days_left": 3})
    session.add(row)
    await session.flush()

    assert await reminders.at_send(session, row, now=NINE, tz=SHANGHAI) == reminders.AtSend()


async def test_at_send__the_month_s_activity_recorded_since__the_monthly_nudge_is_withdrawn(session):
    unit = Unit(code="B1", name="一支部", type=UnitType.branch, path="/")
    person = Person(name="王书记", telegram_user_id=42, created_at=NINE)
    session.add_all([unit, person])
    await session.flush()
    unit.path = f"/{unit.id}/"
    session.add(RoleAssignment(person_id=person.id, role=Role.secretary, unit_id=unit.id, created_at=NINE))
    row = _row(kind="orglife.month", person_id=person.id, subject=f"orglife:u{unit.id}",
               template="reminder_orglife_month.html.j2", values={"unit_name": "一支部", "month": 3, "year": 2026})
    session.add(row)
    await session.flush()
    before = await reminders.at_send(session, row, now=NINE, tz=SHANGHAI)
    session.add(ActivityRecord(unit_id=unit.id, kind="theme_day", held_on=date(2026, 3, 22), topic="学习",
                               attended=9, expected=10, answers={}, recorded_by=person.id, recorded_at=NINE))
    await session.flush()

    after = await reminders.at_send(session, row, now=NINE, tz=SHANGHAI)

    assert before.withdrawn is None and after.withdrawn == "an activity was recorded that month"
