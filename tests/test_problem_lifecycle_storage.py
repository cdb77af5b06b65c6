"""The lifecycle on a real database: rows migrated, each transition one conditional write and one audit row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from domain.org.people import Actor, Grant
from domain.problems import lifecycle
from domain.problems.lifecycle import Refused
from storage import database, migrate
from storage.models import (
    AuditEntry,
    Person,
    ProblemItem,
    ProblemStatus,
    Role,
    Severity,
    Unit,
    UnitType,
)

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)


async def test_rows_from_before_the_lifecycle__are_migrated_and_keep_their_status(tmp_path: Path) -> None:
    engine = database.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    await migrate.upgrade(engine, "0008")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO units (id, code, name, type, path) VALUES (1, 'B', '支部', 'branch', '/1/')"))
        for n, status in ((1, "open"), (2, "closed")):
            await conn.execute(text(
                "INSERT INTO problem_items (id, unit_id, source_type, source_id, item, clause, status, due_on, "
                "created_at, closed_at) VALUES (:n, 1, 'submission', 1, 'dues_paid', '党费', :status, '2026-04-01', "
                "'2026-03-02 01:30:00', :closed)"), {"n": n, "status": status,
                                                     "closed": "2026-03-20 01:30:00" if status == "closed" else None})  # fmt: skip
    await migrate.upgrade(engine)
    async with database.sessionmaker(engine)() as session:
        rows = (await session.scalars(select(ProblemItem).order_by(ProblemItem.id))).all()
    await engine.dispose()
    assert [(r.status, r.severity, r.version, r.regressions) for r in rows] == [
        (ProblemStatus.open, Severity.general, 0, 0), (ProblemStatus.closed, Severity.general, 0, 0)]  # fmt: skip
    assert rows[1].verified_at == datetime(2026, 3, 20, 1, 30, tzinfo=UTC) and rows[0].verified_at is None


@pytest.fixture
async def world(session):
    branch = Unit(code="T0101", name="东街社区党支部", type=UnitType.branch, path="/")
    session.add(branch)
    people = [Person(name=name, telegram_user_id=n, created_at=AT) for n, name in enumerate(("王书记", "李审核"), 1)]
    session.add_all(people)
    await session.flush()
    branch.path = f"/{branch.id}/"
    await session.flush()
    item = await lifecycle.raise_item(session, unit=branch, source_type="inspection", source_id=1, item="dues_paid",
                                      category="队伍建设", clause="党员应按时足额交纳党费", reason=None,
                                      severity=Severity.serious, due_on=date(2026, 3, 16), actor_id=None, at=AT)  # fmt: skip
    wang = Actor(1, people[0].id, "王书记", grants=(Grant(Role.secretary, branch.id, "T0101", "支部", branch.path),))
    li = Actor(2, people[1].id, "李审核", grants=(Grant(Role.committee, branch.id, "T0101", "支部", branch.path),))
    return session, branch, item, wang, li


async def test_acknowledge_submit_return_resubmit_close__each_step_audited_with_before_and_after(world) -> None:
    session, branch, item, wang, li = world
    common = {"item": item, "unit": branch, "at": AT}
    await lifecycle.acknowledge(session, **common, actor=wang, plan="本周补交", planned_on=date(2026, 3, 9), today=TODAY)
    evidence = [{"type": "photo", "file_id": "AgAD1", "size": 1200, "caption": "收据"}]
    await lifecycle.submit(session, **common, actor=wang, description="已补交", evidence=evidence)
    await lifecycle.return_(session, **common, actor=li, reason="缺收据")
    await lifecycle.submit(session, **common, actor=wang, description="补上收据", evidence=evidence * 2)
    await lifecycle.close(session, **common, actor=li, revisit_on=date(2026, 4, 2), revisit_by=li.person_id)

    assert item.status is ProblemStatus.closed and item.version == 5 and item.evidence == evidence * 2
    stored = await session.scalar(select(ProblemItem.status).where(ProblemItem.id == item.id))
    assert stored is ProblemStatus.closed
    rows = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "problem")
                                  .order_by(AuditEntry.id))).all()  # fmt: skip
    assert [(r.action, (r.before or {}).get("status"), r.after["status"]) for r in rows] == [
        ("problem.created", None, "open"), ("problem.acknowledge", "open", "acknowledged"),
        ("problem.submit", "acknowledged", "submitted"), ("problem.return", "submitted", "returned"),
        ("problem.submit", "returned", "submitted"), ("problem.close", "submitted", "closed")]  # fmt: skip
    assert rows[3].after["reason"] == "缺收据" and rows[3].actor_id == li.person_id
    assert rows[4].before["evidence"] == 1 and rows[4].after["evidence"] == 2


async def test_a_button_shown_before_a_change__is_stale_and_changes_nothing(world) -> None:
    session, branch, item, wang, _li = world
    shown = item.version
    await lifecycle.acknowledge(session, item=item, unit=branch, actor=wang, plan="整改", planned_on=TODAY,
                                today=TODAY, at=AT)  # fmt: skip
    with pytest.raises(Refused) as refused:
        await lifecycle.request_extension(session, item=item, unit=branch, actor=wang, until=date(2026, 4, 1),
                                          reason="材料未到", at=AT, version=shown)  # fmt: skip
    assert refused.value.code == "stale" and item.status is ProblemStatus.acknowledged


async def test_two_people_acting_at_once__the_second_write_finds_the_version_moved(world) -> None:
    session, branch, item, wang, _li = world
    await session.execute(text("UPDATE problem_items SET version = version + 1 WHERE id = :id"), {"id": item.id})
    with pytest.raises(Refused) as refused:
        await lifecycle.acknowledge(session, item=item, unit=branch, actor=wang, plan="整改", planned_on=TODAY,
                                    today=TODAY, at=AT)  # fmt: skip
    assert refused.value.code == "stale"


async def test_an_extension_to_a_date_not_after_the_due_date__is_refused(world) -> None:
    session, branch, item, wang, li = world
    await lifecycle.acknowledge(session, item=item, unit=branch, actor=wang, plan="整改", planned_on=TODAY,
                                today=TODAY, at=AT)  # fmt: skip
    with pytest.raises(Refused) as refused:
        await lifecycle.request_extension(session, item=item, unit=branch, actor=wang, until=date(2026, 3, 16),
                                          reason="忙", at=AT)  # fmt: skip
    assert refused.value.code == "date_not_after_due" and item.status is ProblemStatus.acknowledged
    await lifecycle.request_extension(session, item=item, unit=branch, actor=wang, until=date(2026, 3, 31),
                                      reason="材料未到", at=AT)  # fmt: skip
    await lifecycle.grant_extension(session, item=item, unit=branch, actor=li, at=AT)
    assert item.status is ProblemStatus.acknowledged and item.due_on == date(2026, 3, 31)


async def test_the_owner_closing_their_own_item__is_refused_and_nothing_is_written(world) -> None:
    session, branch, item, wang, _li = world
    await lifecycle.acknowledge(session, item=item, unit=branch, actor=wang, plan="整改", planned_on=TODAY,
                                today=TODAY, at=AT)  # fmt: skip
    await lifecycle.submit(session, item=item, unit=branch, actor=wang, description="好了", evidence=[], at=AT)
    closer = Actor(1, wang.person_id, grants=(*wang.grants, Grant(Role.inspector, branch.id, "T0101", "支部",
                                                                   branch.path)))  # fmt: skip
    with pytest.raises(Refused) as refused:
        await lifecycle.close(session, item=item, unit=branch, actor=closer, at=AT)
    assert refused.value.code == "own_item" and item.status is ProblemStatus.submitted
    actions = (await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "problem"))).all()
    assert "problem.close" not in actions
