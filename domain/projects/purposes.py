"""The project work's forms, registered as purposes of the one engine.

- ``project_call`` (``call``): an admin opens a yearly call on their unit;
- ``project_plan`` (``plan``): a secretary or a committee member drafts a plan on their unit;
  ``project_replan``: a returned plan, opened on its review to change and submit again;
- ``project_endorse``: the committee above endorses and forwards it, or returns it with reasons;
- ``project_score``: a panel member's score sheet on a plan under review;
- ``project_decide``: the admin's decision (立项 or not) with reasons, the ranking shown;
- ``project_report``: a quarterly report (each quality node's percent, results, photos, problems);
- ``project_midyear``: a panel member's mid-year check; ``project_impl``: the implementation report;
- ``project_accept``: a panel member's acceptance scores on the current stage;
- ``project_fix``: the unit's rectification answer; ``project_reward`` / ``project_account``: the admin's
  reward or accountability.

A form's id starts with its kind (``party_building.plan``), so one registration serves every kind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling.purposes import PURPOSES, Finishing, NotCurrent, Purpose, Told
from domain.forms import FormDefinition
from domain.org.people import Actor
from domain.org.permissions import Action, NotAllowed
from domain.projects import calls, lifecycle, sheets, views
from domain.projects import kind as kinds
from domain.projects.lifecycle import Refused
from storage.models import Project, Unit, UnitType

SUBJECT = "project"
KIND = "party_building"  # the kind the start codes open (a later kind registers codes of its own)


def _kind(form_id: str) -> kinds.Kind:
    return kinds.get(form_id.split(".")[0])


async def _project(session: AsyncSession, subject_id: int | None) -> Project:
    project = await session.get(Project, subject_id) if subject_id else None
    if project is None:
        raise NotCurrent(reason="project_gone")
    return project


def _done(done: lifecycle.Done) -> Told:
    return Told("project_done", {**done.values, "what": done.message}, notified=True)


async def _run(f: Finishing, step: Callable[[], Awaitable[lifecycle.Done]]) -> Told:
    try:
        return _done(await step())
    except Refused as refused:
        raise NotCurrent(reason=f"project_{refused.reason}") from refused


def _sheet(build: Callable[[kinds.Kind, Any], FormDefinition],
           view: Callable[[AsyncSession, Project], Awaitable[Any]]):
    """A form about one project: the kind's sheet ``build`` over what ``view`` shows of the project."""

    async def definition(session: AsyncSession, form_id: str, subject: int | None, _version: str | None) -> FormDefinition:
        project = await _project(session, subject)
        return build(_kind(form_id), await view(session, project))

    return definition


def _move(step: Callable[..., Awaitable[lifecycle.Done]], *, dated: bool = False):
    """Finishing a form about one project: the lifecycle's ``step`` with the form's answers
    (``dated``: the step also wants today's date)."""

    async def finish(f: Finishing) -> Told:
        project = await _project(f.session, f.form.subject_id)
        extra = {"today": f.today} if dated else {}
        return await _run(f, lambda: step(f.session, project=project, unit=f.unit, actor=f.actor, answers=f.answers,
                                          at=f.at, update_id=f.update_id, **extra))  # fmt: skip

    return finish


# --- the call -----------------------------------------------------------------------------------


async def _call_form(_session: AsyncSession, form_id: str, _subject: int | None, _version: str | None) -> FormDefinition:
    return sheets.call_form(_kind(form_id))


async def _open_call(f: Finishing) -> Told:
    a = f.answers
    topics = [line for line in (a.get("topics") or "").splitlines() if line.strip()]
    try:
        opened = await calls.open_call(f.session, actor=f.actor, kind_id=f.definition.id.split(".")[0], unit=f.unit,
                                       year=int(a["year"]), blocks=list(a["blocks"]), max_per_unit=int(a["max_per_unit"]),
                                       deadline=date.fromisoformat(a["deadline"]), topics=topics, today=f.today, at=f.at,
                                       update_id=f.update_id)  # fmt: skip
    except calls.CallError as error:
        raise NotCurrent(reason=f"call_{error.code}") from error
    return Told("project_done", {"what": "call_opened", "call": views.call_values(opened.call), "unit_name": f.unit.name,
                                 "announced": opened.announced}, notified=True)  # fmt: skip


# --- plans --------------------------------------------------------------------------------------


async def _plan_form(_session: AsyncSession, form_id: str, _subject: int | None, _version: str | None) -> FormDefinition:
    return _kind(form_id).form("plan")


async def _may_plan(session: AsyncSession, _actor: Actor, unit: Unit, _subject: int | None, today: date) -> Told | None:
    found = await calls.availability(session, unit, KIND, today)
    if found.refusal is None:
        return None
    return Told("project_refused", {"reason": found.refusal, "unit": unit.name, "deadline_on": found.deadline,
                                    "used": found.used, "max": found.call.max_per_unit if found.call else None})  # fmt: skip


async def _submit_plan(f: Finishing) -> Told:
    kind = _kind(f.definition.id)
    project = await _project(f.session, f.form.subject_id) if f.form.subject_id else None

    async def step() -> lifecycle.Done:
        done = await lifecycle.submit_plan(f.session, kind=kind, unit=f.unit, actor=f.actor, answers=f.answers,
                                           today=f.today, at=f.at, update_id=f.update_id, project=project)  # fmt: skip
        return lifecycle.Done("submitted", {"title": done.title, "unit_name": f.unit.name, "project_id": done.id})

    return await _run(f, step)


async def _replan_form(session: AsyncSession, form_id: str, subject: int | None, version: str | None) -> FormDefinition:
    return _kind(form_id).form("plan")


# --- forms about one project ----------------------------------------------------------------------


async def _score(f: Finishing) -> Told:
    project = await _project(f.session, f.form.subject_id)

    async def step() -> lifecycle.Done:
        if project.status != "under_review":
            raise Refused("status", status=project.status)
        points = {c.name: int(f.answers[c.name]) for c in _kind(f.definition.id).panel.criteria}
        total = await lifecycle.record_score(f.session, project=project, stage=lifecycle.SELECTION, actor=f.actor,
                                             points=points, comment=f.answers.get("comment"), at=f.at,
                                             update_id=f.update_id)  # fmt: skip
        return lifecycle.Done("scored", {"title": project.title, "unit_name": f.unit.name, "total": str(total),
                                                 "project_id": project.id})  # fmt: skip

    return await _run(f, step)


async def _decide(f: Finishing) -> Told:
    project = await _project(f.session, f.form.subject_id)

    async def step() -> lifecycle.Done:
        ranking = await views.standing(f.session, project)
        return await lifecycle.decide(f.session, project=project, unit=f.unit, actor=f.actor, answers=f.answers,
                                      ranking=ranking, at=f.at, update_id=f.update_id)  # fmt: skip

    return await _run(f, step)


async def _report_form(session: AsyncSession, form_id: str, subject: int | None, _version: str | None) -> FormDefinition:
    project = await _project(session, subject)
    nodes = await lifecycle.nodes_of(session, project.id)
    return sheets.report_form(_kind(form_id), [(n.seq, n.title, n.due_on, n.percent) for n in nodes])


def _stage_form(stage: str):
    async def definition(_session: AsyncSession, form_id: str, _subject: int | None, _version: str | None) -> FormDefinition:
        return _kind(form_id).form(stage)

    return definition


async def _accept_form(session: AsyncSession, form_id: str, subject: int | None, _version: str | None) -> FormDefinition:
    project = await _project(session, subject)
    return sheets.acceptance_form(_kind(form_id), form_id.split(".")[-1], await views.summary(session, project))


async def _accept(f: Finishing) -> Told:
    project = await _project(f.session, f.form.subject_id)
    stage = f.definition.id.split(".")[-1]

    async def step() -> lifecycle.Done:
        if project.status not in ("running", "rectifying") or project.stage != stage:
            raise Refused("status", status=project.status)
        points = {c.name: int(f.answers[c.name]) for c in _kind(f.definition.id).acceptance.criteria}
        total = await lifecycle.record_score(f.session, project=project, stage=stage, actor=f.actor, points=points,
                                             comment=f.answers.get("comment"), at=f.at, update_id=f.update_id)  # fmt: skip
        return lifecycle.Done("scored", {"title": project.title, "unit_name": f.unit.name, "total": str(total),
                                                 "project_id": project.id, "stage": stage})  # fmt: skip

    return await _run(f, step)


def _drafters() -> tuple[UnitType, ...]:
    return tuple(UnitType(t) for t in kinds.get(KIND).drafters)


A = Action
COMMITTEES = (UnitType.department, UnitType.town_committee, UnitType.direct_committee)
CALL = PURPOSES.register(Purpose(name="project_call", action=A.open_call, definition=_call_form, finish=_open_call,
                                 starts={"call": f"{KIND}.call"}, unit_types=COMMITTEES))  # fmt: skip
PLAN = PURPOSES.register(Purpose(name="project_plan", action=A.draft_project, definition=_plan_form,
                                 finish=_submit_plan, starts={"plan": f"{KIND}.plan"}, unit_types=_drafters(),
                                 may_begin=_may_plan))  # fmt: skip
REPLAN = PURPOSES.register(Purpose(name="project_replan", action=A.draft_project, definition=_replan_form,
                                   finish=_submit_plan, subject_type=SUBJECT, initial=lifecycle.returned_plan))  # fmt: skip
ON_PROJECT = {
    "project_endorse": (A.endorse_project, _sheet(sheets.endorsement_form, views.summary),
                        _move(lifecycle.endorse)),
    "project_score": (A.score_project, _sheet(sheets.score_form, views.summary), _score),
    "project_decide": (A.decide_project, _sheet(sheets.decision_form, views.standing_note), _decide),
    "project_report": (A.report_progress, _report_form, _move(lifecycle.file_report, dated=True)),
    "project_midyear": (A.accept_project, _stage_form("midyear"), _move(lifecycle.file_midyear, dated=True)),
    "project_impl": (A.report_progress, _stage_form("implementation"),
                     _move(lifecycle.file_implementation, dated=True)),
    "project_accept": (A.accept_project, _accept_form, _accept),
    "project_fix": (A.report_progress, _stage_form("rectification"), _move(lifecycle.rectified)),
    "project_reward": (A.decide_project, _sheet(sheets.reward_form, views.outcome_note), _move(lifecycle.reward)),
    "project_account": (A.decide_project, _sheet(sheets.accountability_form, views.outcome_note),
                        _move(lifecycle.hold_accountable)),
}
for _name, (_action, _definition, _finish) in ON_PROJECT.items():
    PURPOSES.register(Purpose(name=_name, action=_action, definition=_definition, finish=_finish, subject_type=SUBJECT))

__all__ = ["CALL", "NotAllowed", "PLAN", "REPLAN"]
