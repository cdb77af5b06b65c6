"""Reminders of the rectification's other deadlines: verifying what was submitted, and revisits (回头看).

- An item submitted for verification (待验收) that has waited ``VERIFY_AFTER`` working days reminds
  its verifiers (the committee reviewers over the branch, and whoever raised it while they may still
  verify there; never an owner), once per submission.
- A closed item whose revisit falls due (``revisit_on``) reminds the inspector it was scheduled for,
  or, when they no longer inspect there, the inspectors over the branch; the button starts a 回头看.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Button, Notice
from domain.org.permissions import Action
from domain.reminders.directory import Recipient
from domain.reminders.sweep_context import SweepContext
from storage.models import ProblemItem, ProblemStatus, Role

VERIFY_AFTER = 3  # working days


def _verifiers(item: ProblemItem, ctx: SweepContext) -> list[Recipient]:
    d = ctx.directory
    found = {r.person_id: r for r in d.reviewers_over(item.unit_id)}
    if item.created_by and item.created_by not in found and d.allows(item.created_by, Action.verify_rectification,
                                                                       item.unit_id):  # fmt: skip
        raiser = d.person(item.created_by)
        if raiser is not None:
            found[raiser.person_id] = raiser
    owners = {item.acknowledged_by, item.submitted_by} | {r.person_id for r in d.secretaries(item.unit_id)}
    unit_path = d.unit(item.unit_id).path
    secretaries_over = {r.person_id for u in d.units.values() if unit_path.startswith(u.path)
                        for r in d.holders(Role.secretary, u.id)}  # fmt: skip
    return [r for pid, r in found.items() if pid not in owners | secretaries_over]


async def verify_notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    rows = await session.scalars(select(ProblemItem).where(ProblemItem.status == ProblemStatus.submitted,
                                                           ProblemItem.submitted_at.is_not(None)))  # fmt: skip
    found: list[Notice] = []
    for item in rows:
        waited = workdays.working_days_between(workdays.local_date(item.submitted_at, ctx.tz), ctx.today)
        if waited < VERIFY_AFTER:
            continue
        unit = ctx.directory.unit(item.unit_id)
        values = {"item_id": item.id, "unit_name": unit.name, "clause": item.clause, "waited_days": waited,
                  "due_on": item.due_on}  # fmt: skip
        for person in _verifiers(item, ctx):
            found.append(Notice(key=f"verify:{item.id}:v{item.version}:p{person.person_id}", kind="problem.verify",
                                chat_id=person.chat_id, person_id=person.person_id, subject=f"verify:{item.id}",
                                template="reminder_verify.html.j2", values=values, not_before=ctx.slot,
                                buttons=((Button("reminder.btn.open_item", f"prob:{item.id}"),),)))  # fmt: skip
    return found


async def revisit_notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    rows = await session.scalars(select(ProblemItem).where(ProblemItem.status == ProblemStatus.closed,
                                                           ProblemItem.revisit_on <= ctx.today,
                                                           ProblemItem.revisited_at.is_(None)))  # fmt: skip
    found: list[Notice] = []
    d = ctx.directory
    for item in rows:
        scheduled = d.person(item.revisit_by) if item.revisit_by else None
        if scheduled is not None and d.allows(scheduled.person_id, Action.inspect_unit, item.unit_id):
            people = [scheduled]
        else:
            people = d.inspectors_over(item.unit_id)
        unit = d.unit(item.unit_id)
        values = {"item_id": item.id, "unit_name": unit.name, "clause": item.clause, "closed_at": item.closed_at,
                  "revisit_on": item.revisit_on}  # fmt: skip
        for person in people:
            found.append(Notice(key=f"revisit:{item.id}:v{item.version}:p{person.person_id}", kind="problem.revisit",
                                chat_id=person.chat_id, person_id=person.person_id, subject=f"revisit:{item.id}",
                                template="reminder_revisit.html.j2", values=values, not_before=ctx.slot,
                                buttons=((Button("reminder.btn.revisit", f"ins:k:{item.unit_id}:revisit"),),)))  # fmt: skip
    return found
