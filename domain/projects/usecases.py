"""Project use cases, one per update: open a step on a project, launch, conclude, open a call's review.

A step on a project is a verb (a button ``pj:<id>:<verb>``). ``VERBS`` says, for each, the action of
the permissions table it needs, the statuses it applies in and the form it opens (none: it takes
effect at once). Whatever the button said, the project's current status, the actor's roles and scope
and the step's own rules (the deadline, a member's own unit, a report already filed, the
implementation report before the final acceptance) are checked here; a refusal is told in a sentence
and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import usecases as filling
from domain.filling.purposes import Told
from domain.filling.usecases import Moment, Result
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.projects import calls, lifecycle, views
from domain.projects import kind as kinds
from domain.projects.workflow import Status
from storage.models import PanelScore, Project, ProjectCall, Unit

S = Status


@dataclass(frozen=True)
class Verb:
    action: Action
    statuses: frozenset[Status]
    purpose: str | None  # the form it opens; None: it takes effect at once
    form: str = ""  # the form id after the kind: "plan" → "party_building.plan"


VERBS: dict[str, Verb] = {
    "e": Verb(Action.endorse_project, frozenset({S.submitted}), "project_endorse", "endorse"),
    "p": Verb(Action.draft_project, frozenset({S.returned}), "project_replan", "plan"),
    "s": Verb(Action.score_project, frozenset({S.under_review}), "project_score", "score"),
    "d": Verb(Action.decide_project, frozenset({S.under_review}), "project_decide", "decide"),
    "l": Verb(Action.report_progress, frozenset({S.selected}), None),
    "r": Verb(Action.report_progress, frozenset({S.running}), "project_report", "report"),
    "m": Verb(Action.accept_project, frozenset({S.running}), "project_midyear", "midyear"),
    "i": Verb(Action.report_progress, frozenset({S.running, S.rectifying}), "project_impl", "implementation"),
    "a": Verb(Action.accept_project, frozenset({S.running, S.rectifying}), "project_accept", "accept"),
    "c": Verb(Action.decide_project, frozenset({S.running, S.rectifying}), None),
    "f": Verb(Action.report_progress, frozenset({S.rectifying}), "project_fix", "rectification"),
    "w": Verb(Action.decide_project, frozenset({S.accepted}), "project_reward", "reward"),
    "x": Verb(Action.decide_project, frozenset({S.running, S.rectifying}), "project_account", "account"),
}


def refused(reason: str, **values: object) -> Result:
    return Result([Told("project_refused", {"reason": reason, **values})])


async def _obstacle(session: AsyncSession, actor: Actor, project: Project, unit: Unit, verb: str,
                    today: date) -> Told | None:  # fmt: skip
    """Why ``verb`` may not be done on the project now, as a sentence; None when it may."""
    spec = VERBS[verb]
    kind = kinds.get(project.kind)
    status = Status(project.status)
    if permissions.conflicted(actor, spec.action, unit.path):
        return Told("project_refused", {"reason": "own_unit", "title": project.title, "unit": unit.name})
    if not permissions.allows(actor, spec.action, unit.path):
        return Told("project_refused", {"reason": "not_allowed", "title": project.title})
    if status not in spec.statuses:
        reason = "decided" if verb == "d" and status in (S.selected, S.not_selected) else "status"
        reason = "not_running" if verb in ("r", "m") else reason
        return Told("project_refused", {"reason": reason, "title": project.title, "status": status.value})
    if verb == "p":
        call = await session.get_one(ProjectCall, project.call_id)
        deadline = await calls.deadline_for(session, call, unit.id)
        if today > deadline:
            return Told("project_refused", {"reason": "deadline_passed", "deadline_on": deadline, "unit": unit.name})
    if verb == "r" and await lifecycle.report_period(session, project, today) is None:
        upcoming, opens = lifecycle.next_report(today)
        return Told("project_refused", {"reason": "reported_already", "title": project.title, "period": upcoming,
                                        "opens_on": opens})  # fmt: skip
    if verb == "m":
        opens, closes = kind.stages["midyear"].opens, kind.stages["midyear"].closes
        if opens and closes and not opens <= (today.month, today.day) <= closes:
            return Told("project_refused", {"reason": "not_midyear", "opens": f"{opens[0]}-{opens[1]}",
                                            "closes": f"{closes[0]}-{closes[1]}"})  # fmt: skip
    if verb == "a":
        stage = kind.acceptance_stage(project.stage) or kind.acceptance_stages[0]
        if stage.requires and not await lifecycle.has_report(session, project.id, stage.requires):
            return Told("project_refused", {"reason": "needs_implementation", "title": project.title})
    if verb in ("a", "c") and status is S.rectifying and await lifecycle.open_items(session, project.id):
        return Told("project_refused", {"reason": "rectification_open", "title": project.title})
    if verb == "f" and not await lifecycle.open_items(session, project.id):
        return Told("project_refused", {"reason": "nothing_to_rectify", "title": project.title})
    return None


async def available(session: AsyncSession, actor: Actor, project: Project, unit: Unit, today: date) -> list[str]:
    """The verbs the actor may do on the project now (a card's buttons)."""
    found = []
    for verb, spec in VERBS.items():
        if Status(project.status) in spec.statuses and permissions.allows(actor, spec.action, unit.path):
            if await _obstacle(session, actor, project, unit, verb, today) is None:
                found.append(verb)
    return found


async def act(session: AsyncSession, actor: Actor, project_id: int, verb: str, when: Moment) -> Result:
    """A step on a project: open its form, or do it; refused in a sentence when it may not be done now."""
    project = await session.get(Project, project_id)
    if project is None or verb not in VERBS:
        return filling.refusal("stale", pressed=True)
    unit = await session.get_one(Unit, project.unit_id)
    obstacle = await _obstacle(session, actor, project, unit, verb, when.today)
    if obstacle is not None:
        return Result([obstacle])
    spec = VERBS[verb]
    if spec.purpose is not None:
        form = spec.form
        if verb == "a":
            form = f"accept.{project.stage or kinds.get(project.kind).acceptance_stages[0].name}"
        return await filling.begin(session, actor, spec.purpose, f"{project.kind}.{form}", unit, when, subject_id=project.id)
    try:
        if verb == "l":
            done = await lifecycle.launch(session, project=project, unit=unit, actor=actor, today=when.today, at=when.at,
                                          update_id=when.update_id)  # fmt: skip
        else:
            done = await lifecycle.conclude(session, project=project, unit=unit, actor=actor, today=when.today,
                                            at=when.at, update_id=when.update_id)  # fmt: skip
    except lifecycle.Refused as error:
        return Result([Told("project_refused", {"reason": error.reason, "title": project.title, **error.values})])
    return Result([Told("project_done", {**done.values, "what": done.message}, notified=True)])


async def show_card(session: AsyncSession, actor: Actor, project_id: int, when: Moment) -> views.Card | None:
    """A project's card with the steps the viewer may take; None when it is gone; NotAllowed outside their scope."""
    found = await views.card(session, actor, project_id, when.today)
    if found is not None:
        found_actions = await available(session, actor, found.project, found.unit, when.today)
        found.actions = found_actions
    return found


async def todo(session: AsyncSession, actor: Actor, today: date) -> list[tuple[Project, Unit, str]]:
    """What waits for this person: plans to endorse, score or decide, acceptance to score, reports due."""
    waiting = []
    for project, unit in await views.in_scope(session, actor):
        for verb in ("e", "s", "d", "a", "r", "f", "w", "l"):
            spec = VERBS[verb]
            if Status(project.status) not in spec.statuses or not permissions.allows(actor, spec.action, unit.path):
                continue
            if verb in ("s", "a") and await _scored(session, project, actor, verb):
                continue
            if await _obstacle(session, actor, project, unit, verb, today) is None:
                waiting.append((project, unit, verb))
                break
    return waiting


async def _scored(session: AsyncSession, project: Project, actor: Actor, verb: str) -> bool:
    stage = lifecycle.SELECTION if verb == "s" else project.stage
    round_ = 1 if verb == "s" else project.acceptance_round
    return await session.scalar(select(PanelScore.id).where(PanelScore.project_id == project.id,
                                                            PanelScore.stage == stage, PanelScore.round == round_,
                                                            PanelScore.person_id == actor.person_id)) is not None  # fmt: skip


@dataclass(frozen=True)
class CallView:
    call: ProjectCall
    unit: Unit
    counts: dict[str, int]
    ranking: list
    projects: dict[int, tuple[Project, Unit]]
    may_open_review: bool


async def call_view(session: AsyncSession, actor: Actor, call_id: int) -> CallView | None:
    call = await session.get(ProjectCall, call_id)
    if call is None:
        return None
    unit = await session.get_one(Unit, call.unit_id)
    permissions.require(actor, Action.open_call, unit.path)
    rows = (await session.execute(select(Project, Unit).join(Unit, Unit.id == Project.unit_id)
                                  .where(Project.call_id == call.id).order_by(Project.id))).all()  # fmt: skip
    counts: dict[str, int] = {}
    for project, _unit in rows:
        counts[project.status] = counts.get(project.status, 0) + 1
    return CallView(call, unit, counts, await views.ranking(session, call.id), {p.id: (p, u) for p, u in rows},
                    counts.get(S.endorsed.value, 0) > 0)  # fmt: skip


async def calls_for(session: AsyncSession, actor: Actor) -> list[tuple[ProjectCall, Unit]]:
    paths = permissions.scope_paths(actor, Action.open_call)
    rows = (await session.execute(select(ProjectCall, Unit).join(Unit, Unit.id == ProjectCall.unit_id)
                                  .order_by(ProjectCall.id.desc()))).all()  # fmt: skip
    return [(c, u) for c, u in rows if any(u.path.startswith(p) for p in paths)]


async def open_review(session: AsyncSession, actor: Actor, call_id: int, when: Moment) -> Result:
    call = await session.get(ProjectCall, call_id)
    if call is None:
        return filling.refusal("stale", pressed=True)
    unit = await session.get_one(Unit, call.unit_id)
    if not permissions.allows(actor, Action.open_call, unit.path):
        return refused("not_allowed", title=call.title)
    opened = await lifecycle.open_review(session, call=call, actor=actor, at=when.at, update_id=when.update_id)
    if not opened:
        return refused("nothing_endorsed", title=call.title)
    return Result([Told("project_done", {"what": "review_started", "title": call.title, "count": len(opened)},
                        notified=True)])
