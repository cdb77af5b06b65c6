"""What each step of a project does when it takes effect: the writes, the move, the notices.

Every function here runs in the update's transaction, re-checks the project's status (a form may have
been opened before someone else acted) and raises ``Refused`` with a reason for the person when the
step no longer applies; status changes go through ``workflow.apply`` (checked and audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.kernel.outbox import Button
from domain.org import permissions, recipients
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.projects import calls, notices, scoring, workflow
from domain.projects import kind as kinds
from domain.projects.kind import Kind
from domain.projects.workflow import Move, Status
from storage.models import (
    PanelScore,
    Person,
    ProblemItem,
    ProblemStatus,
    Project,
    ProjectCall,
    ProjectNode,
    ProjectReport,
    StageResult,
    Unit,
)

SELECTION = "selection"  # the stage name of the panel's scores on a forwarded plan


class Refused(Exception):
    """The step does not apply (any more): ``reason`` names why, for the person; nothing was changed."""

    def __init__(self, reason: str, **values: Any) -> None:
        super().__init__(reason)
        self.reason, self.values = reason, values


@dataclass(frozen=True)
class Done:
    """What happened, for the person who did it: a template name and its values."""

    message: str
    values: dict[str, Any]


def kind_of(project: Project) -> Kind:
    return kinds.get(project.kind)


def yuan(raw: Any) -> int:
    try:
        return int(Decimal(str(raw)).to_integral_value())
    except (InvalidOperation, ValueError) as error:
        raise Refused("bad_budget") from error


async def _move(session: AsyncSession, project: Project, move: Move, actor: Actor, unit: Unit, at: datetime,
                update_id: int | None, note: dict[str, Any] | None = None) -> workflow.Transition:  # fmt: skip
    try:
        return await workflow.apply(session, project, move, actor=actor, unit_path=unit.path, at=at,
                                    update_id=update_id, note=note)  # fmt: skip
    except workflow.WrongState as error:
        raise Refused("status", status=project.status) from error


# --- plans ----------------------------------------------------------------------------------


def check_plan(kind: Kind, call: ProjectCall, answers: dict[str, Any]) -> None:
    """What the form cannot check by itself: the block is one the call offers; every node lies within the project."""
    if answers.get("block") not in call.blocks:
        raise Refused("block_not_in_call")
    starts, ends = date.fromisoformat(answers["starts_on"]), date.fromisoformat(answers["ends_on"])
    for node in answers.get("nodes") or []:
        if not starts <= date.fromisoformat(node["due"]) <= ends:
            raise Refused("node_after_end", node=node.get("node"))
    yuan(answers.get("budget"))


async def submit_plan(session: AsyncSession, *, kind: Kind, unit: Unit, actor: Actor, answers: dict[str, Any],
                      today: date, at: datetime, update_id: int | None, project: Project | None = None) -> Project:  # fmt: skip
    """A new plan (``project`` None) or a returned one resubmitted: checked against its call, kept, sent up."""
    if project is None:
        found = await calls.availability(session, unit, kind.id, today)
        if found.refusal is not None:
            raise Refused(found.refusal, deadline=found.deadline, used=found.used)
        call = found.call
    else:
        call = await session.get_one(ProjectCall, project.call_id)
        if project.status != Status.returned.value:
            raise Refused("status", status=project.status)
        if today > await calls.deadline_for(session, call, unit.id):
            raise Refused("deadline_passed", deadline=await calls.deadline_for(session, call, unit.id))
    assert call is not None
    check_plan(kind, call, answers)
    values = dict(title=answers["title"], block=answers["block"], responsible=answers["responsible"],
                  budget_yuan=yuan(answers["budget"]), starts_on=date.fromisoformat(answers["starts_on"]),
                  ends_on=date.fromisoformat(answers["ends_on"]), plan=answers, submitted_at=at, updated_at=at)  # fmt: skip
    if project is None:
        project = Project(call_id=call.id, kind=kind.id, unit_id=unit.id, status=Status.draft.value,
                          drafted_by=actor.person_id, **values)  # fmt: skip
        session.add(project)
        await session.flush()
    else:
        for name, value in values.items():
            setattr(project, name, value)
        for old in await session.scalars(select(ProjectNode).where(ProjectNode.project_id == project.id)):
            await session.delete(old)
        await session.flush()
    for seq, node in enumerate(answers["nodes"], start=1):
        session.add(ProjectNode(project_id=project.id, seq=seq, title=node["node"], owner=node["owner"],
                                due_on=date.fromisoformat(node["due"]), done_when=node["done_when"], percent=0))  # fmt: skip
    await _move(session, project, Move.submit, actor, unit, at, update_id,
                {"title": project.title, "budget_yuan": project.budget_yuan, "nodes": len(answers["nodes"])})  # fmt: skip
    reviewers = await recipients.reviewers(session, unit)
    values_out = notices.project_values(project, unit, budget_yuan=project.budget_yuan, block=notices.text(kind.block(project.block).label))
    await notices.send(session, notices._to(reviewers, f"project:{project.id}:submitted:{at.timestamp():.0f}",
                                            "project.submitted", f"project:{project.id}", "submitted",
                                            values_out, at, ((Button("project.btn.endorse", f"pj:{project.id}:e"),),)), at)  # fmt: skip
    return project


async def returned_plan(session: AsyncSession, project_id: int | None) -> dict[str, Any] | None:
    project = await session.get(Project, project_id) if project_id else None
    return dict(project.plan) if project is not None else None


# --- endorsement, the panel, the decision ---------------------------------------------------


async def endorse(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                  at: datetime, update_id: int | None) -> Done:  # fmt: skip
    verdict = answers["verdict"]
    reasons = answers.get("reasons") if verdict == "return" else answers.get("comment")
    move = Move.endorse if verdict == "endorse" else Move.return_
    await _move(session, project, move, actor, unit, at, update_id, {"reasons": reasons})
    project.reasons = reasons
    if move is Move.endorse:
        project.endorsed_by = actor.person_id
    values = notices.project_values(project, unit, verdict=verdict, reasons=reasons, by=actor.name)
    key = f"project:{project.id}:{move.value}:{at.timestamp():.0f}"
    buttons = ((Button("project.btn.resubmit", f"pj:{project.id}:p"),),) if move is Move.return_ else notices.card_button(project.id)
    found = notices._to(await notices.unit_people(session, project, unit), key, f"project.{move.value}",
                        f"project:{project.id}", "endorsed", values, at, buttons)  # fmt: skip
    if move is Move.endorse:
        found += notices._to(await notices.admins_over(session, unit), key, "project.endorse", f"project:{project.id}",
                             "endorsed", {**values, "to_admin": True}, at, notices.card_button(project.id))  # fmt: skip
    await notices.send(session, found, at)
    return Done("endorsed", values)


async def open_review(session: AsyncSession, *, call: ProjectCall, actor: Actor, at: datetime,
                      update_id: int | None) -> list[Project]:  # fmt: skip
    """Put every endorsed plan of the call under the panel's review and tell the panel."""
    scope = await session.get_one(Unit, call.unit_id)
    permissions.require(actor, Action.open_call, scope.path)
    opened = []
    for project in await calls.endorsed_in(session, call.id):
        unit = await session.get_one(Unit, project.unit_id)
        await _move(session, project, Move.open_review, actor, unit, at, update_id)
        opened.append(project)
    call.review_opened_at = at
    await audit.record(session, at=at, actor_id=actor.person_id, action="project_call.review_opened",
                       subject_type="project_call", subject_id=call.id, after={"projects": [p.id for p in opened]},
                       update_id=update_id)  # fmt: skip
    panel = await notices.panel_over(session, scope)
    values = {"call_id": call.id, "title": call.title, "count": len(opened)}
    await notices.send(session, notices._to(panel, f"call:{call.id}:review:{at.timestamp():.0f}", "project.review",
                                            f"call:{call.id}", "review_opened", values, at,
                                            ((Button("project.btn.todo", "pj:todo"),),)), at)  # fmt: skip
    return opened


async def record_score(session: AsyncSession, *, project: Project, stage: str, actor: Actor, points: dict[str, int],
                       comment: str | None, at: datetime, update_id: int | None) -> Decimal:  # fmt: skip
    """Keep a member's score sheet (a second sheet from the same member replaces the first, audited)."""
    kind = kind_of(project)
    rubric = kind.panel if stage == SELECTION else kind.acceptance
    round_ = 1 if stage == SELECTION else project.acceptance_round
    row = await session.scalar(select(PanelScore).where(PanelScore.project_id == project.id, PanelScore.stage == stage,
                                                        PanelScore.round == round_, PanelScore.person_id == actor.person_id))  # fmt: skip
    before = dict(row.scores) if row else None
    if row is None:
        row = PanelScore(project_id=project.id, stage=stage, round=round_, person_id=actor.person_id, scores=points,
                         comment=comment, scored_at=at)  # fmt: skip
        session.add(row)
    else:
        row.scores, row.comment, row.scored_at = points, comment, at
    await session.flush()
    total = scoring.total(rubric, points)
    await audit.record(session, at=at, actor_id=actor.person_id, action="project.scored", subject_type="project",
                       subject_id=project.id, before={"scores": before} if before else None,
                       after={"stage": stage, "round": round_, "scores": points, "total": str(total)}, update_id=update_id)  # fmt: skip
    return total


async def tally(session: AsyncSession, project: Project, stage: str, round_: int = 1, *,
                waiting: list[str] | None = None) -> scoring.Tally:  # fmt: skip
    kind = kind_of(project)
    rubric = kind.panel if stage == SELECTION else kind.acceptance
    rows = (await session.execute(select(PanelScore, Person.name).join(Person, Person.id == PanelScore.person_id)
                                  .where(PanelScore.project_id == project.id, PanelScore.stage == stage,
                                         PanelScore.round == round_))).all()  # fmt: skip
    sheets = [scoring.Sheet(row.person_id, name, row.scores, row.comment) for row, name in rows]
    return scoring.tally(rubric, project.id, sheets, waiting=waiting or [])


async def decide(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                 ranking: dict[str, Any], at: datetime, update_id: int | None) -> Done:  # fmt: skip
    move = Move.select if answers["verdict"] == "select" else Move.reject
    await _move(session, project, move, actor, unit, at, update_id, {"reasons": answers["reasons"], "standing": ranking})
    project.decided_by, project.reasons = actor.person_id, answers["reasons"]
    session.add(StageResult(project_id=project.id, stage=SELECTION, round=1, passed=move is Move.select, result=ranking,
                            decided_by=actor.person_id, decided_at=at))  # fmt: skip
    call = await session.get_one(ProjectCall, project.call_id)
    scope = await session.get_one(Unit, call.unit_id)
    values = notices.project_values(project, unit, selected=move is Move.select, reasons=project.reasons, **ranking)
    key = f"project:{project.id}:decided"
    buttons = ((Button("project.btn.launch", f"pj:{project.id}:l"),),) if move is Move.select else notices.card_button(project.id)
    found = notices._to(await notices.unit_people(session, project, unit), key, "project.decided",
                        f"project:{project.id}", "decided", values, at, buttons)  # fmt: skip
    found += notices._to_groups(await notices.groups_in(session, scope.path), key, "project.decided",
                                f"project:{project.id}", "decided", {**values, "group": True}, at)  # fmt: skip
    await notices.send(session, found, at)
    return Done("decided", values)


async def launch(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, today: date, at: datetime,
                 update_id: int | None) -> Done:  # fmt: skip
    await _move(session, project, Move.launch, actor, unit, at, update_id, {"launched_on": today.isoformat()})
    project.launched_on = today
    project.stage = kind_of(project).acceptance_stages[0].name
    return Done("launched", notices.project_values(project, unit))


# --- running ----------------------------------------------------------------------------------


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_end(year: int, quarter: int) -> date:
    return date(year + (quarter == 4), quarter * 3 % 12 + 1, 1) - timedelta(days=1)


def period_name(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


async def reported_periods(session: AsyncSession, project_id: int) -> set[str]:
    return set(await session.scalars(select(ProjectReport.period).where(ProjectReport.project_id == project_id,
                                                                        ProjectReport.kind == "quarterly")))  # fmt: skip


def quarters(start: date, today: date) -> list[tuple[int, int]]:
    """The quarters from ``start``'s to ``today``'s, in order."""
    year, quarter = quarter_of(start)
    last = quarter_of(today)
    found = []
    while (year, quarter) <= last:
        found.append((year, quarter))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def report_opens(year: int, quarter: int) -> date:
    """A quarter's report may be filed from the first day of its last month (the quarterly meeting)."""
    return date(year, quarter * 3, 1)


async def report_period(session: AsyncSession, project: Project, today: date) -> tuple[int, int] | None:
    """The oldest quarter since the launch not yet reported and open for its report; None when there is none."""
    done = await reported_periods(session, project.id)
    for year, quarter in quarters(project.launched_on or today, today):
        if period_name(year, quarter) not in done and today >= report_opens(year, quarter):
            return year, quarter
    return None


def next_report(today: date) -> tuple[str, date]:
    """The next quarter whose report is not open yet, and the day it opens."""
    year, quarter = quarter_of(today)
    if today >= report_opens(year, quarter):
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return period_name(year, quarter), report_opens(year, quarter)


async def nodes_of(session: AsyncSession, project_id: int) -> list[ProjectNode]:
    return list(await session.scalars(select(ProjectNode).where(ProjectNode.project_id == project_id).order_by(ProjectNode.seq)))


def overdue(node: ProjectNode, today: date) -> bool:
    """A quality node past its date and not done: flagged on the project and to its committee."""
    return node.percent < 100 and node.due_on < today


async def file_report(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                      today: date, at: datetime, update_id: int | None) -> Done:  # fmt: skip
    if project.status != Status.running.value:
        raise Refused("not_running", status=project.status)
    period = await report_period(session, project, today)
    if period is None:
        upcoming, opens = next_report(today)
        raise Refused("reported_already", period=upcoming, opens_on=opens)
    name = period_name(*period)
    changed = []
    for node in await nodes_of(session, project.id):
        percent = answers.get(f"node_{node.seq}")
        if percent is None or int(percent) == node.percent:
            continue
        changed.append({"seq": node.seq, "before": node.percent, "after": int(percent)})
        node.percent = int(percent)
        node.done_on = today if node.percent >= 100 and node.done_on is None else node.done_on
    session.add(ProjectReport(project_id=project.id, kind="quarterly", period=name, person_id=actor.person_id,
                              answers=answers, reported_at=at))  # fmt: skip
    project.updated_at = at
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="project.reported", subject_type="project",
                       subject_id=project.id, after={"period": name, "nodes": changed}, update_id=update_id)  # fmt: skip
    late = [{"seq": n.seq, "title": n.title, "due_on": n.due_on, "percent": n.percent}
            for n in await nodes_of(session, project.id) if overdue(n, today)]  # fmt: skip
    return Done("reported", notices.project_values(project, unit, period=name, overdue=late))


async def file_midyear(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                       today: date, at: datetime, update_id: int | None) -> Done:  # fmt: skip
    if project.status != Status.running.value:
        raise Refused("not_running", status=project.status)
    period = f"{today.year}:p{actor.person_id}"
    row = await session.scalar(select(ProjectReport).where(ProjectReport.project_id == project.id,
                                                           ProjectReport.kind == "midyear", ProjectReport.period == period))  # fmt: skip
    if row is None:
        session.add(ProjectReport(project_id=project.id, kind="midyear", period=period, person_id=actor.person_id,
                                  answers=answers, reported_at=at))  # fmt: skip
    else:
        row.answers, row.reported_at = answers, at
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="project.midyear_checked", subject_type="project",
                       subject_id=project.id, after={"period": period, **answers}, update_id=update_id)  # fmt: skip
    people = await notices.unit_people(session, project, unit)
    form = kind_of(project).form("midyear")
    labels = {o.value: notices.text(o.label) for f in form.fields if f.choices for o in form.options(f)}
    values = notices.project_values(project, unit, progress=labels.get(answers.get("progress"), {"zh": "", "en": ""}),
                                    findings=answers.get("findings"), advice=answers.get("advice"), by=actor.name)  # fmt: skip
    await notices.send(session, notices._to(people, f"project:{project.id}:midyear:{period}", "project.midyear",
                                            f"project:{project.id}", "midyear", values, at,
                                            notices.card_button(project.id)), at)  # fmt: skip
    return Done("midyear", values)


async def file_implementation(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor,
                              answers: dict[str, Any], today: date, at: datetime, update_id: int | None) -> Done:  # fmt: skip
    if project.status not in (Status.running.value, Status.rectifying.value):
        raise Refused("not_running", status=project.status)
    period = str(project.ends_on.year)
    row = await session.scalar(select(ProjectReport).where(ProjectReport.project_id == project.id,
                                                           ProjectReport.kind == "implementation",
                                                           ProjectReport.period == period))  # fmt: skip
    if row is None:
        session.add(ProjectReport(project_id=project.id, kind="implementation", period=period,
                                  person_id=actor.person_id, answers=answers, reported_at=at))  # fmt: skip
    else:
        row.answers, row.reported_at = answers, at
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="project.implementation_reported",
                       subject_type="project", subject_id=project.id, after={"period": period}, update_id=update_id)  # fmt: skip
    return Done("implementation", notices.project_values(project, unit))


async def has_report(session: AsyncSession, project_id: int, kind: str) -> bool:
    return await session.scalar(select(ProjectReport.id).where(ProjectReport.project_id == project_id,
                                                               ProjectReport.kind == kind).limit(1)) is not None  # fmt: skip


# --- acceptance, rectification, rewards, accountability ---------------------------------------


async def conclude(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, today: date, at: datetime,
                   update_id: int | None) -> Done:  # fmt: skip
    """The acceptance conclusion of the current stage, computed from the panel's scores."""
    kind = kind_of(project)
    permissions.require(actor, Action.decide_project, unit.path)
    if project.status not in (Status.running.value, Status.rectifying.value):
        raise Refused("status", status=project.status)
    stage = kind.acceptance_stage(project.stage) or kind.acceptance_stages[0]
    if await session.scalar(select(StageResult.id).where(StageResult.project_id == project.id,
                                                         StageResult.stage == stage.name,
                                                         StageResult.round == project.acceptance_round)):  # fmt: skip
        raise Refused("concluded_already")  # a failed final round waits for the rectification and its re-check
    result = await tally(session, project, stage.name, project.acceptance_round)
    if result.count < kind.acceptance.min_scores:
        raise Refused("too_few_scores", count=result.count, needed=kind.acceptance.min_scores)
    passed = scoring.passed(result, kind.pass_mark)
    weak = result.weak(kind.acceptance)
    figures = {"stage": stage.name, "round": project.acceptance_round, "mean": str(result.mean), "count": result.count,
               "pass_mark": str(kind.pass_mark), "by_criterion": {k: str(v) for k, v in result.by_criterion.items()},
               "weak": weak}  # fmt: skip
    session.add(StageResult(project_id=project.id, stage=stage.name, round=project.acceptance_round, passed=passed,
                            result=figures, decided_by=actor.person_id, decided_at=at))  # fmt: skip
    await audit.record(session, at=at, actor_id=actor.person_id, action="project.concluded", subject_type="project",
                       subject_id=project.id, after={**figures, "passed": passed}, update_id=update_id)  # fmt: skip
    items: list[ProblemItem] = []
    final = kind.next_acceptance_stage(stage.name) is None
    if final and passed:
        await _move(session, project, Move.accept, actor, unit, at, update_id, figures)
    elif final and not passed:
        if project.status == Status.running.value:
            await _move(session, project, Move.rectify, actor, unit, at, update_id, figures)
        items = await _rectification_items(session, project, kind, result, actor, today, at)
    elif passed:
        project.stage = kind.next_acceptance_stage(stage.name).name
    else:
        project.acceptance_round += 1  # the stage is scored again
    project.updated_at = at
    await session.flush()
    labels = {c.name: notices.text(c.label) for c in kind.acceptance.criteria}
    values = notices.project_values(project, unit, stage=notices.text(stage.label), passed=passed, mean=str(result.mean),
                                    pass_mark=str(kind.pass_mark), count=result.count,
                                    weak=[labels[w] for w in weak], items=[{"clause": i.clause, "due_on": i.due_on} for i in items])  # fmt: skip
    people = await notices.unit_people(session, project, unit)
    await notices.send(session, notices._to(people, f"project:{project.id}:concluded:{stage.name}:r{figures['round']}",
                                            "project.concluded", f"project:{project.id}", "concluded",
                                            values, at, notices.card_button(project.id)), at)  # fmt: skip
    return Done("concluded", values)


async def _rectification_items(session: AsyncSession, project: Project, kind: Kind, result: scoring.Tally,
                               actor: Actor, today: date, at: datetime) -> list[ProblemItem]:  # fmt: skip
    """Problem-list items for a failed acceptance: one per weak criterion (the weakest when none is below 60%)."""
    weak = result.weak(kind.acceptance) or [min(kind.acceptance.criteria, key=lambda c: result.by_criterion.get(c.name, 0)).name]
    due = today + timedelta(days=kind.stages["rectification"].due_days or 30)
    comments = "；".join(s.comment for s in result.sheets if s.comment)
    items = []
    for name in weak:
        criterion = next(c for c in kind.acceptance.criteria if c.name == name)
        item = ProblemItem(unit_id=project.unit_id, source_type="project", source_id=project.id, item=name,
                           category=kind.name.zh[:64], clause=f"{project.title}：{criterion.label.zh}未达到验收要求",
                           reason=f"均分 {result.by_criterion.get(name)}/{kind.acceptance.scale}。{comments}"[:2000],
                           status=ProblemStatus.open, due_on=due, created_at=at, created_by=actor.person_id)  # fmt: skip
        session.add(item)
        items.append(item)
    await session.flush()
    for item in items:
        await audit.record(session, at=at, actor_id=actor.person_id, action="problem.opened", subject_type="problem",
                           subject_id=item.id, after={"project": project.id, "clause": item.clause,
                                                      "due_on": due.isoformat()})  # fmt: skip
    return items


async def open_items(session: AsyncSession, project_id: int) -> list[ProblemItem]:
    return list(await session.scalars(select(ProblemItem).where(ProblemItem.source_type == "project",
                                                                ProblemItem.source_id == project_id,
                                                                ProblemItem.status == ProblemStatus.open)
                                      .order_by(ProblemItem.id)))  # fmt: skip


async def rectified(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                    at: datetime, update_id: int | None) -> Done:  # fmt: skip
    """The unit's answer closes the project's open items; the panel re-checks (a new round of the final stage)."""
    if project.status != Status.rectifying.value:
        raise Refused("status", status=project.status)
    items = await open_items(session, project.id)
    if not items:
        raise Refused("nothing_to_rectify")
    for item in items:
        item.status, item.closed_at = ProblemStatus.closed, at
        await audit.record(session, at=at, actor_id=actor.person_id, action="problem.closed", subject_type="problem",
                           subject_id=item.id, before={"status": "open"}, after={"status": "closed", "by": "rectification"},
                           update_id=update_id)  # fmt: skip
    session.add(ProjectReport(project_id=project.id, kind="rectification", period=f"r{project.acceptance_round}",
                              person_id=actor.person_id, answers=answers, reported_at=at))  # fmt: skip
    project.acceptance_round += 1
    project.updated_at = at
    await session.flush()
    values = notices.project_values(project, unit, closed=len(items), done=answers.get("done"))
    panel = await notices.panel_over(session, unit)
    admins = await notices.admins_over(session, unit)
    await notices.send(session, notices._to({p.person_id: p for p in panel + admins}.values(),
                                            f"project:{project.id}:rectified:r{project.acceptance_round}",
                                            "project.rectified", f"project:{project.id}", "rectified",
                                            values, at, notices.card_button(project.id)), at)  # fmt: skip
    return Done("rectified", values)


async def reward(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor, answers: dict[str, Any],
                 at: datetime, update_id: int | None) -> Done:  # fmt: skip
    kind = kind_of(project)
    grade = answers["grade"]
    await _move(session, project, Move.complete, actor, unit, at, update_id, {"grade": grade})
    if grade != "none":
        await _move(session, project, Move.reward, actor, unit, at, update_id, {"grade": grade, "reason": answers["reason"]})
    project.reward_grade, project.reward_reason = grade, answers["reason"]
    label = next(r.label for r in kind.rewards if r.name == grade)
    await _announce(session, project, unit, "rewarded", {"grade": notices.text(label), "rewarded": grade != "none",
                                                         "reason": answers["reason"]}, at)  # fmt: skip
    return Done("announced", notices.project_values(project, unit, outcome="rewarded"))


async def hold_accountable(session: AsyncSession, *, project: Project, unit: Unit, actor: Actor,
                           answers: dict[str, Any], at: datetime, update_id: int | None) -> Done:  # fmt: skip
    await _move(session, project, Move.hold_accountable, actor, unit, at, update_id, {"reason": answers["reason"]})
    project.accountability_reason = answers["reason"]
    await _announce(session, project, unit, "accountability", {"reason": answers["reason"]}, at)
    return Done("announced", notices.project_values(project, unit, outcome="accountability"))


async def _announce(session: AsyncSession, project: Project, unit: Unit, what: str, more: dict[str, Any], at: datetime) -> None:
    """通报: every committee group in the call's scope, and the unit's people."""
    call = await session.get_one(ProjectCall, project.call_id)
    scope = await session.get_one(Unit, call.unit_id)
    values = notices.project_values(project, unit, outcome=what, **more)
    key = f"project:{project.id}:{what}"
    found = notices._to(await notices.unit_people(session, project, unit), key, f"project.{what}",
                        f"project:{project.id}", "announced", values, at)  # fmt: skip
    found += notices._to_groups(await notices.groups_in(session, scope.path), key, f"project.{what}",
                                f"project:{project.id}", "announced", values, at)  # fmt: skip
    await notices.send(session, found, at)
