"""Random people doing random steps to random items, through the real transition functions on a real
database: every step taken is in the table and within role and scope, every refusal writes nothing,
and the audit log holds exactly the steps taken."""

from __future__ import annotations

import asyncio
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.org import people
from domain.problems import lifecycle
from domain.problems.lifecycle import TABLE, Refused, Verb
from storage import database, migrate
from storage.models import AuditEntry, Person, ProblemItem, Role, RoleAssignment, Severity, Unit
from tests.e2e.harness import seed_units
from tests.test_problem_lifecycle import ROLES_FOR

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
TODAY = date(2026, 3, 2)
UNITS = ["D001", "T01", "T01", "T0101", "T0102", "Z01", "Z0101"]  # held higher up more often: more steps allowed
BRANCHES = ["T0101", "T0102", "Z0101"]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("lifecycle") / "template.sqlite3"

    async def build() -> None:
        engine = database.create_engine(f"sqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()
        await seed_units(f"sqlite:///{path}", _Clock())

    asyncio.run(build())
    return path


class _Clock:
    def now(self) -> datetime:
        return AT


async def _step(session, verb: Verb, item: ProblemItem, unit: Unit, actor) -> None:
    common = {"item": item, "unit": unit, "actor": actor, "at": AT}
    match verb:
        case Verb.acknowledge:
            await lifecycle.acknowledge(session, **common, plan="整改", planned_on=TODAY, today=TODAY)
        case Verb.submit:
            await lifecycle.submit(session, **common, description="已整改", evidence=[])
        case Verb.request_extension:
            later = item.due_on + timedelta(days=30)  # always an extension: the date check has tests of its own
            await lifecycle.request_extension(session, **common, until=later, reason="需要时间")
        case Verb.grant_extension:
            await lifecycle.grant_extension(session, **common)
        case Verb.refuse_extension:
            await lifecycle.refuse_extension(session, **common, reason="按期完成")
        case Verb.close:
            await lifecycle.close(session, **common)
        case Verb.return_:
            await lifecycle.return_(session, **common, reason="不到位")
        case Verb.reopen:
            await lifecycle.reopen(session, **common, due_on=date(2026, 4, 30), reason="反弹")


async def _run(url: str, held: list[list[tuple[Role, str]]], branches: list[str],
               steps: list[tuple[int, int, int]]) -> int:  # fmt: skip
    engine = database.create_engine(url)
    async with database.sessionmaker(engine)() as session, session.begin():
        units = {u.code: u for u in (await session.scalars(select(Unit))).all()}
        for n, grants in enumerate(held):
            person = Person(name=f"人{n}", telegram_user_id=1000 + n, created_at=AT)
            session.add(person)
            await session.flush()
            for role, code in set(grants):
                session.add(RoleAssignment(person_id=person.id, role=role, unit_id=units[code].id, created_at=AT))
        await session.flush()
        actors = [await people.actor_for(session, 1000 + n) for n in range(len(held))]
        rows = [await lifecycle.raise_item(session, unit=units[code], source_type="inspection", source_id=0,
                                           item=f"i{n}", category=None, clause="问题", reason=None,
                                           severity=Severity.general, due_on=date(2026, 3, 20), actor_id=None,
                                           at=AT) for n, code in enumerate(branches)]  # fmt: skip
        owners: dict[int, set[int]] = {row.id: set() for row in rows}
        taken = 0
        for who, choice, which in steps:
            actor, grants = actors[who % len(actors)], held[who % len(held)]
            item = rows[which % len(rows)]
            # Half the time a step the table has from the item's state (so sequences go deep), half
            # the time any step at all (so refusals are tried everywhere).
            possible = [v for (state, v) in TABLE if state is item.status]
            verb = possible[choice % len(possible)] if choice < len(Verb) else list(Verb)[choice - len(Verb)]
            unit = units[branches[which % len(rows)]]
            before, version = item.status, item.version
            owns = any(r is Role.secretary and unit.path.startswith(units[c].path) for r, c in grants) \
                or actor.person_id in owners[item.id]  # fmt: skip
            in_role = any(r in ROLES_FOR[verb] and unit.path.startswith(units[c].path) for r, c in grants)
            try:
                async with session.begin_nested():
                    await _step(session, verb, item, unit, actor)
            except Refused:
                stored = await session.scalar(select(ProblemItem.status).where(ProblemItem.id == item.id))
                assert (stored, item.version) == (before, version), "a refused step changed the item"
                assert not in_role or (verb in lifecycle.VERDICTS and owns) or (before, verb) not in TABLE
                continue
            taken += 1
            assert (before, verb) in TABLE and item.status is TABLE[before, verb]
            assert in_role and not (verb in lifecycle.VERDICTS and owns), f"{grants} took {verb} at {unit.code}"
            if verb in (Verb.acknowledge, Verb.submit):
                owners[item.id].add(actor.person_id)
            elif verb is Verb.reopen:
                owners[item.id].clear()
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "problem",
                                                                AuditEntry.action != "problem.created"))).all()  # fmt: skip
        assert len(audit) == taken
        for entry in audit:
            verb = Verb(entry.action.removeprefix("problem."))
            assert TABLE[lifecycle.P(entry.before["status"]), verb].value == entry.after["status"]
    await engine.dispose()
    return taken


grants = st.lists(st.tuples(st.sampled_from(list(Role)), st.sampled_from(UNITS)), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(held=st.lists(grants, min_size=1, max_size=5), branches=st.lists(st.sampled_from(BRANCHES), min_size=1,
                                                                        max_size=3),
       steps=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2 * len(Verb) - 1), st.integers(0, 2)), max_size=80))  # fmt: skip
def test_random_steps_on_a_real_database__stay_in_the_table_and_in_role_and_scope(template, tmp_path_factory, held,
                                                                                   branches, steps):  # fmt: skip
    path = tmp_path_factory.mktemp("example") / "zhibu.sqlite3"
    shutil.copyfile(template, path)
    taken = asyncio.run(_run(f"sqlite:///{path}", held, branches, steps))
    event("steps taken: none" if not taken else "steps taken: 1-3" if taken < 4 else "steps taken: 4 or more")
