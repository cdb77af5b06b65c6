"""Project reminders, as rules of the one sweep (``domain.reminders.sweep.RULES``).

- ``reports``: a running project's quarterly report (季度汇报), due ``due_days`` after the quarter ends,
  reminds the unit's people on the days of the kind's ``remind_days`` before (and on the day), and once
  when overdue; the implementation report (实施报告) the same way before its month-day.
- ``nodes``: a quality node (质量节点) past its date and not done is flagged once, to the unit's people
  and to the committee reviewers over the unit (its committee).

Each notice is keyed by project, period or node, stage and person, so a second sweep adds nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel.outbox import Button, Notice
from domain.projects import kind as kinds
from domain.projects import lifecycle, notices
from domain.projects.workflow import ACTIVE, Status
from domain.reminders.directory import Recipient
from domain.reminders.sweep_context import SweepContext, deadline_stage
from storage.models import Person, Project, ProjectNode, ProjectReport

TEMPLATE = notices.TEMPLATE


async def _owners(session: AsyncSession, projects: list[Project], ctx: SweepContext) -> dict[int, list[Recipient]]:
    """Per project: its drafter and its unit's secretaries (who report)."""
    drafters = {p.id: p.telegram_user_id and Recipient(p.id, p.telegram_user_id, p.name)
                for p in await session.scalars(select(Person).where(Person.id.in_({x.drafted_by for x in projects})))}  # fmt: skip
    found: dict[int, list[Recipient]] = {}
    for project in projects:
        people = {r.person_id: r for r in ctx.directory.secretaries(project.unit_id)}
        drafter = drafters.get(project.drafted_by)
        if drafter:
            people.setdefault(drafter.person_id, drafter)
        found[project.id] = list(people.values())
    return found


def _stage(due: date, today: date, remind_days: tuple[int, ...]) -> str | None:
    if today > due:
        return "over"
    days = sorted(set(remind_days) - {0}) or [1]
    return deadline_stage(due, today, near=days[0], far=days[-1])


async def reports(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    running = list(await session.scalars(select(Project).where(Project.status == Status.running.value)))
    if not running:
        return []
    owners = await _owners(session, running, ctx)
    filed: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for project_id, kind, period in await session.execute(
            select(ProjectReport.project_id, ProjectReport.kind, ProjectReport.period)
            .where(ProjectReport.project_id.in_([p.id for p in running]))):  # fmt: skip
        filed[project_id][kind].add(period)
    found: list[Notice] = []
    for project in running:
        kind = kinds.get(project.kind)
        unit = ctx.directory.unit(project.unit_id)
        base = {"project_id": project.id, "title": project.title, "unit_name": unit.name}
        report = kind.stages["report"]
        for year, quarter in lifecycle.quarters(project.launched_on or ctx.today, ctx.today):
            period = lifecycle.period_name(year, quarter)
            if period in filed[project.id]["quarterly"]:
                continue
            due = lifecycle.quarter_end(year, quarter) + timedelta(days=report.due_days or 0)
            stage = _stage(due, ctx.today, report.remind_days)
            if stage is None:
                continue
            what = "report_overdue" if stage == "over" else "report_due"
            values = {**base, "what": what, "period": period, "due_on": due}
            for person in owners[project.id]:
                found.append(Notice(key=f"project:{project.id}:report:{period}:{stage}:p{person.person_id}",
                                    kind=f"project.report.{stage}", chat_id=person.chat_id, person_id=person.person_id,
                                    subject=f"project:{project.id}", template=TEMPLATE, values=values,
                                    not_before=ctx.slot, buttons=((Button("project.btn.report", f"pj:{project.id}:r"),),),
                                    snoozable=stage != "over"))  # fmt: skip
        implementation = kind.stages["implementation"]
        if implementation.due and not filed[project.id]["implementation"]:
            due = date(project.ends_on.year, *implementation.due)
            stage = _stage(due, ctx.today, implementation.remind_days)
            if stage is not None and stage != "over":
                values = {**base, "what": "implementation_due", "due_on": due}
                for person in owners[project.id]:
                    found.append(Notice(key=f"project:{project.id}:implementation:{stage}:p{person.person_id}",
                                        kind=f"project.implementation.{stage}", chat_id=person.chat_id,
                                        person_id=person.person_id, subject=f"project:{project.id}", template=TEMPLATE,
                                        values=values, not_before=ctx.slot,
                                        buttons=((Button("project.verb.i", f"pj:{project.id}:i"),),), snoozable=True))  # fmt: skip
    return found


async def nodes(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    """Quality nodes past their date and not done, on projects being carried out: flagged once each."""
    if not ctx.reminder_time:
        return []
    rows = (await session.execute(select(ProjectNode, Project).join(Project, Project.id == ProjectNode.project_id)
                                  .where(Project.status.in_([s.value for s in ACTIVE]), ProjectNode.percent < 100,
                                         ProjectNode.due_on < ctx.today)
                                  .order_by(ProjectNode.project_id, ProjectNode.seq))).all()  # fmt: skip
    if not rows:
        return []
    owners = await _owners(session, list({p.id: p for _, p in rows}.values()), ctx)
    found: list[Notice] = []
    for node, project in rows:
        unit = ctx.directory.unit(project.unit_id)
        values = {"what": "node_overdue", "project_id": project.id, "title": project.title, "unit_name": unit.name,
                  "seq": node.seq, "node": node.title, "due_on": node.due_on, "percent": node.percent}  # fmt: skip
        people = {p.person_id: p for p in owners[project.id]}
        for person in ctx.directory.reviewers_over(project.unit_id):
            people.setdefault(person.person_id, person)
        for person in people.values():
            found.append(Notice(key=f"node:{node.id}:overdue:p{person.person_id}", kind="project.node_overdue",
                                chat_id=person.chat_id, person_id=person.person_id, subject=f"project:{project.id}",
                                template=TEMPLATE, values=values, not_before=ctx.slot,
                                buttons=notices.card_button(project.id)))  # fmt: skip
    return found
