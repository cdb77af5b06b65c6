"""A notice is told as things stand when it is sent, not as they stood when it was written.

Between the sweep that wrote a reminder and the moment it goes out, a day or more may pass (a
snoozed reminder comes again on the next working day; quiet hours and outages delay others), a role
may be withdrawn or a branch handed to a new secretary (换届), an item closed. The dispatcher asks
``at_send`` right before it renders a row:

- a reminder whose subject was resolved meanwhile (the item closed, the campaign over or the branch
  submitted, the submission decided, the month's activity recorded) is withdrawn, not sent;
- so is one whose recipient no longer holds the role it was written for (table below);
- so is a reminder about something its recipient was already reminded of today (a snoozed reminder
  coming due on the morning the next stage is due too: one message, not two);
- the rest are sent with their values worked out afresh: days left, days overdue, the stage.

What each kind needs of its recipient (the same people the rules chose):

| kind | recipient must hold, live |
|---|---|
| problem.d*, problem.overdue, campaign.*, orglife.*, submission.decided | secretary on the unit |
| problem.escalated.committee, review.waiting, submission.submitted | committee or admin on the unit or above |
| problem.escalated.admin | admin |

Other notices (broadcasts, group digests, notices about the person themself) are sent as written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import plain
from domain.org import recipients
from domain.problems import lifecycle
from domain.reminders import campaigns, problems
from domain.reminders.sweep_context import deadline_stage
from storage.models import (
    ActivityRecord,
    Campaign,
    OutboxMessage,
    OutboxStatus,
    ProblemItem,
    Role,
    RoleAssignment,
    Submission,
    SubmissionStatus,
    Unit,
)


class Need(enum.Enum):
    secretary = "secretary"  # a secretary role on the notice's unit itself
    over = "over"  # a committee or admin role on the unit or one of its ancestors
    admin = "admin"  # an admin role anywhere


NEEDS: tuple[tuple[str, Need], ...] = (  # kind prefixes, the most specific first
    ("problem.escalated.admin", Need.admin),
    ("problem.escalated.", Need.over),
    ("problem.d", Need.secretary),  # the owner's deadline reminders (d10, d3, d0) and
    ("problem.overdue", Need.secretary),  # overdue ones; the lifecycle's own notices are not re-read
    ("campaign.", Need.secretary),
    ("orglife.", Need.secretary),
    ("submission.decided", Need.secretary),
    ("submission.submitted", Need.over),
    ("review.", Need.over),
)


# A person's reminders about one subject: at most one of these a day (escalations go to others).
PROBLEM_REMINDERS = ("problem.d", "problem.overdue", "problem.escalated.")  # about the owner's deadline
REMINDERS = ("problem.d", "problem.overdue", "campaign.", "orglife.", "review.waiting")


@dataclass(frozen=True)
class AtSend:
    """``withdrawn``: why the row is not to be sent (None: send it); ``values``: what to render instead
    of the row's (plain JSON; None: the row's own); ``snoozable``: changed (an item that became overdue
    can no longer be put off), or None."""

    withdrawn: str | None = None
    values: dict[str, Any] | None = None
    snoozable: bool | None = None


def need_of(kind: str) -> Need | None:
    return next((need for prefix, need in NEEDS if kind.startswith(prefix)), None)


async def at_send(session: AsyncSession, row: OutboxMessage, *, now: datetime, tz: tzinfo) -> AtSend:
    """Whether ``row`` may still be sent to its recipient, and what it says, as things stand at ``now``."""
    if not await still_theirs(session, row):
        return AtSend(withdrawn="the recipient no longer holds the role it was written for")
    today = workdays.local_date(now, tz)
    if row.kind.startswith(REMINDERS) and await _told_today(session, row, now, tz):
        return AtSend(withdrawn="superseded: the recipient was reminded of it today")
    if row.kind == "orglife.month":
        return await _orglife_month(session, row)
    if _subject_id(row) is None:
        return AtSend()  # about nothing we can look up again: sent as written
    if row.kind.startswith(PROBLEM_REMINDERS):
        return await _problem(session, row, today)
    if row.kind.startswith("campaign."):
        return await _campaign(session, row, now, today)
    if row.kind == "review.waiting":
        return await _review(session, row, tz, today)
    return AtSend()


def _subject_id(row: OutboxMessage) -> int | None:
    raw = (row.subject or "").partition(":")[2]
    return int(raw) if raw.isdecimal() and len(raw) <= 18 else None


async def _told_today(session: AsyncSession, row: OutboxMessage, now: datetime, tz: tzinfo) -> bool:
    """Whether another reminder about the same subject (and branch) reached the recipient today."""
    if row.person_id is None or row.subject is None:
        return False
    since = workdays.start_of_day(workdays.local_date(now, tz), tz)
    sent = (await session.execute(select(OutboxMessage.kind, OutboxMessage.values).where(
        OutboxMessage.subject == row.subject, OutboxMessage.person_id == row.person_id,
        OutboxMessage.status == OutboxStatus.sent, OutboxMessage.sent_at >= since, OutboxMessage.id != row.id))).all()  # fmt: skip
    branch = (row.values or {}).get("unit_id")
    return any(kind.startswith(REMINDERS) and (values or {}).get("unit_id") == branch for kind, values in sent)


async def _problem(session: AsyncSession, row: OutboxMessage, today) -> AtSend:
    item = await session.get(ProblemItem, _subject_id(row))
    if item is None or item.status not in lifecycle.OWNER_TURN:
        return AtSend(withdrawn="resolved, or submitted for verification, before it was sent")
    unit = await session.get_one(Unit, item.unit_id)
    owners = [r.name for r in await recipients.secretaries(session, unit)]
    values = problems.values_for(item, unit_name=unit.name, owners=owners, today=today)
    if row.kind.startswith("problem.escalated."):
        return AtSend(values=plain({**values, "level": row.values.get("level")}))
    stage = problems.owner_stage(item.due_on, today) or row.values.get("stage")
    return AtSend(values=plain({**values, "stage": stage}), snoozable=False if stage == "overdue" else None)


async def _campaign(session: AsyncSession, row: OutboxMessage, now: datetime, today) -> AtSend:
    campaign = await session.get(Campaign, _subject_id(row))
    if campaign is None or campaign.closes_at <= now:
        return AtSend(withdrawn="the campaign closed before it was sent")
    if row.values.get("unit_id") in await campaigns.submitted_unit_ids(session, campaign):
        return AtSend(withdrawn="the branch submitted before it was sent")
    stage = deadline_stage(campaign.deadline, today, near=campaigns.NEAR_DAYS, far=campaigns.FAR_DAYS)
    return AtSend(values=plain({**row.values, "days_left": (campaign.deadline - today).days,
                                "stage": stage or row.values.get("stage")}))  # fmt: skip


async def _review(session: AsyncSession, row: OutboxMessage, tz: tzinfo, today) -> AtSend:
    submission = await session.get(Submission, _subject_id(row))
    if submission is None or submission.status is not SubmissionStatus.submitted or submission.submitted_at is None:
        return AtSend(withdrawn="decided before it was sent")
    waited = workdays.working_days_between(workdays.local_date(submission.submitted_at, tz), today)
    return AtSend(values=plain({**row.values, "waited_days": waited}))


async def _orglife_month(session: AsyncSession, row: OutboxMessage) -> AtSend:
    unit = await unit_of(session, row)
    year, month = row.values.get("year"), row.values.get("month")
    if unit is None or not isinstance(year, int) or not isinstance(month, int):
        return AtSend()
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    held = await session.scalar(select(ActivityRecord.id).where(and_(
        ActivityRecord.unit_id == unit.id, ActivityRecord.held_on >= first, ActivityRecord.held_on < after)).limit(1))  # fmt: skip
    return AtSend(withdrawn="an activity was recorded that month") if held is not None else AtSend()


async def still_theirs(session: AsyncSession, row: OutboxMessage) -> bool:
    """Whether the row's recipient still holds the role the notice was written to them for."""
    need = need_of(row.kind)
    if row.person_id is None or need is None:
        return True
    if need is Need.admin:
        return bool(await _live(session, row.person_id, Role.admin))
    unit = await unit_of(session, row)
    if unit is None:
        return True  # nothing to check against; the subject's own rules withdraw it when it is resolved
    if need is Need.secretary:
        return any(unit_id == unit.id for unit_id, _ in await _live(session, row.person_id, Role.secretary))
    return any(unit.path.startswith(path)
               for _, path in await _live(session, row.person_id, Role.committee, Role.admin))  # fmt: skip


async def unit_of(session: AsyncSession, row: OutboxMessage) -> Unit | None:
    """The unit a notice is about, from its subject (``problem:12``, ``submission:3``, ``orglife:u5``)
    or, for a campaign's reminder to one branch, its values."""
    kind, _, raw = (row.subject or "").partition(":")
    unit_id = None
    if kind == "problem" and raw.isdecimal() and len(raw) <= 18:
        unit_id = await session.scalar(select(ProblemItem.unit_id).where(ProblemItem.id == int(raw)))
    elif kind == "submission" and raw.isdecimal() and len(raw) <= 18:
        unit_id = await session.scalar(select(Submission.unit_id).where(Submission.id == int(raw)))
    elif kind == "orglife" and raw.startswith("u") and raw[1:].isdecimal():
        unit_id = int(raw[1:])
    elif isinstance((row.values or {}).get("unit_id"), int):
        unit_id = row.values["unit_id"]
    return await session.get(Unit, unit_id) if unit_id is not None else None


async def _live(session: AsyncSession, person_id: int, *roles: Role) -> list[tuple[int, str]]:
    """(unit id, unit path) of the person's live roles among ``roles``."""
    rows = await session.execute(
        select(Unit.id, Unit.path).join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
        .where(RoleAssignment.person_id == person_id, RoleAssignment.role.in_(roles), RoleAssignment.live())
    )  # fmt: skip
    return [(unit_id, path) for unit_id, path in rows.all()]
