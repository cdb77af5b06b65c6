"""Random people pressing random steps on a real project, through the use cases and the forms' finishing,
on a real database: the project never leaves the transition table, and nobody moves it outside their
role and scope (or on their own unit, for the panel)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from domain.filling import sessions as filling_sessions
from domain.filling.purposes import PURPOSES, Finishing
from domain.filling.usecases import Moment, Shown
from domain.forms import FormContext
from domain.org import people as org_people
from domain.org.permissions import Action
from domain.projects import calls, lifecycle, usecases, workflow
from domain.projects import kind as kinds
from domain.projects.workflow import Status
from storage import database
from storage.models import AuditEntry, Person, Project, RoleAssignment, Unit
from storage.models import Role as R
from tests.e2e.harness import seed_units
from tests.projects.test_workflow import oracle

TODAY = date(2026, 6, 15)  # the call still open, a quarter's report open, the mid-year check's window
AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
PEOPLE = {"admin": [(R.admin, "D001")], "town": [(R.committee, "T01")], "county": [(R.committee, "Z01")],
          "wang": [(R.secretary, "T0102")], "liu": [(R.secretary, "T0101")], "judge": [(R.panel, "D001")],
          "zhou": [(R.panel, "D001"), (R.secretary, "T0102")], "inspector": [(R.inspector, "T01")]}  # fmt: skip
VERBS = [*usecases.VERBS, "R"]  # R: open the call's review
CANNED = {
    "project_endorse": lambda pick: {"verdict": pick(["endorse", "endorse", "return"]), "reasons": "细化", "comment": "同意"},
    "project_score": lambda pick: {**{c.name: pick([3, 9]) for c in kinds.get("party_building").panel.criteria},
                                   "comment": "可行"},
    "project_decide": lambda pick: {"verdict": pick(["select", "select", "reject"]), "reasons": "理由"},
    "project_report": lambda pick: {**{f"node_{n}": pick([50, 100]) for n in range(1, 5)}, "results": "进展",
                                    "next_steps": "继续"},
    "project_midyear": lambda pick: {"progress": "on_track", "findings": "良好"},
    "project_impl": lambda pick: {"summary": "完成", "experience": "经验", "benefit": "效益"},
    "project_accept": lambda pick: {**{c.name: pick([9, 9, 3]) for c in kinds.get("party_building").acceptance.criteria},
                                    "comment": "验收"},
    "project_fix": lambda pick: {"done": "已整改"},
    "project_reward": lambda pick: {"grade": pick(["major", "standard", "none"]), "reason": "理由"},
    "project_account": lambda pick: {"reason": "未完成"},
}  # fmt: skip


def plan() -> dict:
    text = "按要求"
    nodes = [{"node": f"子项{n}", "owner": "甲", "due": f"2026-{n + 6:02}-20", "done_when": "完成"} for n in range(1, 5)]
    return {"title": "积分制", "block": "member_quality", "problem": text, "responsible": "王芳", "importance": text,
            "content": text, "approach": text, "measures": text, "starts_on": "2026-05-01", "ends_on": "2026-12-31",
            "steps": text, "budget": "50000", "goals": text, "goal_system": text, "guarantee_system": text,
            "assessment_system": text, "support_system": text, "benefit_system": text, "nodes": nodes}  # fmt: skip


@pytest.fixture
async def county(database_url):
    """The example county, one person per name in their roles, and an open call."""
    from domain.kernel.clock import TravellingClock

    await seed_units(database_url, TravellingClock(AT))
    engine = database.create_engine(database_url)
    makers = database.sessionmaker(engine)
    async with makers() as session, session.begin():
        codes = {u.code: u for u in await session.scalars(select(Unit))}
        for index, (name, roles) in enumerate(PEOPLE.items(), start=1):
            person = Person(name=name, telegram_user_id=index, created_at=AT)
            session.add(person)
            await session.flush()
            for role, code in roles:
                session.add(RoleAssignment(person_id=person.id, role=role, unit_id=codes[code].id, created_at=AT))
        await calls.open_call(session, actor=None, kind_id="party_building", unit=codes["D001"], year=2026, blocks=None,
                              max_per_unit=2, deadline=date(2026, 6, 30), topics=[], today=date(2026, 3, 1), at=AT)  # fmt: skip
    yield makers
    await engine.dispose()


async def _finish(session, actor, form, pick) -> None:
    purpose = PURPOSES.get(form.purpose)
    definition = await purpose.definition(session, form.form_id, form.subject_id, None)
    answers = plan() if form.purpose == "project_replan" else CANNED[form.purpose](pick)
    finishing = Finishing(session, form, definition, answers, FormContext(today=TODAY), form.unit, actor, AT, TODAY, None)
    await filling_sessions._finish(purpose, finishing)  # the forms' own finishing: roles re-checked, refusals undone


# The steps the right people would take, in a life's order: a run interleaves them with random
# steps by random people, so that runs reach the later statuses as well as the refusals.
PATH = [("town", "e"), ("wang", "p"), ("town", "e"), ("admin", "R"), ("judge", "s"), ("zhou", "s"), ("admin", "d"),
        ("wang", "l"), ("wang", "r"), ("judge", "m"), *[("judge", "a"), ("admin", "a"), ("admin", "c")] * 3,
        ("wang", "i"), *[("judge", "a"), ("admin", "a"), ("admin", "c"), ("wang", "f")] * 3, ("admin", "w"),
        ("admin", "x")]  # fmt: skip
RANDOM_STEP = st.tuples(st.sampled_from(list(PEOPLE)), st.sampled_from(VERBS))


@st.composite
def lives(draw) -> list[tuple[str, str]]:
    steps, position = [], 0
    for follows in draw(st.lists(st.sampled_from([True] * 7 + [False]), min_size=30, max_size=90)):
        if follows and position < len(PATH):
            steps.append(PATH[position])
            position += 1
        else:
            steps.append(draw(RANDOM_STEP))
    return steps


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=lives(), choices=st.randoms(use_true_random=False))
async def test_random_people_pressing_random_steps_never_leave_the_table_or_their_role_and_scope(county, steps, choices):
    async with county() as session:
        await session.begin()
        try:
            actors = {name: await org_people.actor_for(session, index) for index, name in enumerate(PEOPLE, start=1)}
            unit = await session.scalar(select(Unit).where(Unit.code == "T0102"))
            project = await lifecycle.submit_plan(session, kind=kinds.get("party_building"), unit=unit, actor=actors["wang"],
                                                  answers=plan(), today=TODAY, at=AT, update_id=None)  # fmt: skip
            seen = await _moves(session, project.id)
            for number, (name, verb) in enumerate(steps):
                actor = actors[name]
                before = Status(project.status)
                when = Moment(chat_id=10_000 + number, today=TODAY, locale="zh", at=AT, update_id=None)
                if verb == "R":
                    await usecases.open_review(session, actor, project.call_id, when)
                else:
                    result = await usecases.act(session, actor, project.id, verb, when)
                    for said in result.said:
                        if isinstance(said, Shown):
                            await _finish(session, actor, said.form, choices.choice)
                await session.flush()
                await session.refresh(project)
                moves = await _moves(session, project.id)
                if name in ("inspector", "liu", "county"):
                    assert moves == seen, f"{name} has no say over this project"
                for action, after in moves[len(seen):]:
                    move = workflow.Move(action.removeprefix("project."))
                    target, needed = workflow.TRANSITIONS[before, move]  # KeyError: a move outside the table
                    assert after == target.value
                    if actor.person_id is not None:
                        assert oracle(actor, needed, unit.path), f"{name} made {move} from {before}"
                    before = target
                seen = moves
                assert Status(project.status) is before and project.status in {s.value for s in workflow.reachable()}
        finally:
            await session.rollback()


async def _moves(session, project_id: int) -> list[tuple[str, str]]:
    rows = await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "project",
                                                          AuditEntry.subject_id == str(project_id),
                                                          AuditEntry.action.in_([f"project.{m.value}" for m in workflow.Move]))
                                 .order_by(AuditEntry.id))  # fmt: skip
    return [(r.action, (r.after or {}).get("status")) for r in rows]


def test_the_oracle_knows_every_action_the_steps_use() -> None:
    assert {spec.action for spec in usecases.VERBS.values()} <= set(Action)


async def test_a_move_from_a_stale_read__after_another_process_moved_the_project__is_refused_and_changes_nothing(county):
    """Two people decide at once: the second one's loaded project still says "submitted" but the row moved on."""
    from sqlalchemy import update

    async with county() as session, session.begin():
        actors = {name: await org_people.actor_for(session, index) for index, name in enumerate(PEOPLE, start=1)}
        unit = await session.scalar(select(Unit).where(Unit.code == "T0102"))
        project = await lifecycle.submit_plan(session, kind=kinds.get("party_building"), unit=unit, actor=actors["wang"],
                                              answers=plan(), today=TODAY, at=AT, update_id=None)  # fmt: skip
        await session.execute(update(Project).where(Project.id == project.id).values(status="returned")
                              .execution_options(synchronize_session=False))  # another process returned it meanwhile
        assert project.status == "submitted"
        with pytest.raises(workflow.WrongState):
            await workflow.apply(session, project, workflow.Move.endorse, actor=actors["town"], unit_path=unit.path,
                                 at=AT, update_id=None)  # fmt: skip
        assert await session.scalar(select(Project.status).where(Project.id == project.id)) == "returned"
        assert [a for a, _ in await _moves(session, project.id)] == ["project.submit"]
