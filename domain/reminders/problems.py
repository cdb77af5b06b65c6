"""Problem-list items (问题清单) and their rectification deadlines (整改时限).

While the deadline is the owner's (``lifecycle.OWNER_TURN``: not submitted for verification, not
closed) the owner (the branch's secretaries) is reminded on working days at 09:00: when the item turns
yellow (10 days left), 3 days before, on the day, and each working day it is overdue. An item
overdue for longer escalates: from ``ESCALATE_COMMITTEE`` working days to the committee's
reviewers, from ``ESCALATE_ADMIN`` to the admins. Overdue reminders cannot be snoozed.

Colours: green (more than 10 days left), yellow (10 days or fewer), red (overdue).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Button, Notice
from domain.problems import lifecycle
from domain.reminders.sweep_context import SweepContext, deadline_stage
from storage.models import ProblemItem

YELLOW_DAYS = 10
NEAR_DAYS = 3
ESCALATE_COMMITTEE = 2  # working days overdue
ESCALATE_ADMIN = 5


def colour(due: date, today: date) -> str:
    if today > due:
        return "red"
    return "yellow" if (due - today).days <= YELLOW_DAYS else "green"


def overdue_days(due: date, today: date) -> int:
    """Working days overdue: the working days after the due date up to today."""
    return workdays.working_days_between(due, today)


def item_values(item: ProblemItem, ctx: SweepContext) -> dict:
    return values_for(item, unit_name=ctx.directory.unit(item.unit_id).name, today=ctx.today,
                      owners=ctx.directory.names(ctx.directory.secretaries(item.unit_id)))  # fmt: skip


def values_for(item: ProblemItem, *, unit_name: str, owners: list[str], today: date) -> dict:
    """What a reminder about ``item`` says on ``today`` (written by the sweep, re-read when sent)."""
    return {
        "item_id": item.id,
        "unit_name": unit_name,
        "clause": item.clause,
        "category": item.category,
        "due_on": item.due_on,
        "days_left": (item.due_on - today).days,
        "overdue_days": overdue_days(item.due_on, today),
        "colour": colour(item.due_on, today),
        "owners": owners,
    }


def owner_stage(due: date, today: date) -> str | None:
    """The owner's reminder current on ``today``: a deadline stage, "overdue", or None."""
    if today > due:
        return "overdue"
    return deadline_stage(due, today, near=NEAR_DAYS, far=YELLOW_DAYS)


async def open_items(session: AsyncSession, *, due_by: date | None = None) -> list[ProblemItem]:
    query = select(ProblemItem).where(ProblemItem.status.in_(lifecycle.OWNER_TURN)).order_by(ProblemItem.due_on,
                                                                                            ProblemItem.id)  # fmt: skip
    if due_by is not None:
        query = query.where(ProblemItem.due_on <= due_by)
    return list((await session.scalars(query)).all())


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    found: list[Notice] = []
    for item in await open_items(session, due_by=ctx.today + timedelta(days=YELLOW_DAYS)):
        values = item_values(item, ctx)
        buttons = ((Button("reminder.btn.open_item", f"prob:{item.id}"),),)
        subject, again = f"problem:{item.id}", deadline_round(item)
        if ctx.today <= item.due_on:
            stage = deadline_stage(item.due_on, ctx.today, near=NEAR_DAYS, far=YELLOW_DAYS)
            if stage is None:
                continue
            for owner in ctx.directory.secretaries(item.unit_id):
                found.append(Notice(key=f"{subject}:{stage}{again}:p{owner.person_id}", kind=f"problem.{stage}",
                                    chat_id=owner.chat_id, person_id=owner.person_id, subject=subject,
                                    template="reminder_problem.html.j2", values={**values, "stage": stage},
                                    not_before=ctx.slot, buttons=buttons, snoozable=True))  # fmt: skip
            continue
        found += _overdue(item, values, buttons, ctx)
    return found


def deadline_round(item: ProblemItem) -> str:
    """"" for an item's first deadline; once the due date moved (an extension granted, a regression
    reopened) the reminders of the new deadline are keyed by it, so they come again."""
    moved = item.regressions or (item.extension_until is not None and item.extension_until == item.due_on)
    return f"@{item.due_on:%Y%m%d}" if moved else ""


def _overdue(item: ProblemItem, values: dict, buttons, ctx: SweepContext) -> list[Notice]:
    subject, late = f"problem:{item.id}", values["overdue_days"]
    found = [
        Notice(key=f"{subject}:over:{ctx.today.isoformat()}:p{owner.person_id}", kind="problem.overdue",
               chat_id=owner.chat_id, person_id=owner.person_id, subject=subject,
               template="reminder_problem.html.j2", values={**values, "stage": "overdue"},
               not_before=ctx.slot, buttons=buttons)  # fmt: skip
        for owner in ctx.directory.secretaries(item.unit_id)
    ]
    levels = []
    if late >= ESCALATE_COMMITTEE:
        levels.append(("committee", ctx.directory.reviewers_over(item.unit_id)))
    if late >= ESCALATE_ADMIN:
        levels.append(("admin", ctx.directory.admins()))
    for level, people in levels:
        for person in people:
            found.append(Notice(key=f"{subject}:esc.{level}{deadline_round(item)}:p{person.person_id}",
                                kind=f"problem.escalated.{level}",
                                chat_id=person.chat_id, person_id=person.person_id, subject=subject,
                                template="reminder_escalation.html.j2", values={**values, "level": level},
                                not_before=ctx.slot, buttons=buttons))  # fmt: skip
    return found
