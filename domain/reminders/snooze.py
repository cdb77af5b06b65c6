"""Snoozing a reminder (稍后提醒): it comes again at 09:00 on the next working day.

Checked on the server, whatever the button said: the presser must be the reminder's recipient,
the reminder must be snoozable (an overdue escalation is not) and still current.
"""

from __future__ import annotations

import enum
from datetime import datetime, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit, outbox, workdays
from domain.kernel.outbox import Button, Notice
from domain.problems import lifecycle
from domain.reminders import current
from storage.models import (
    Campaign,
    OutboxMessage,
    OutboxStatus,
    ProblemItem,
    Snooze,
    Submission,
    SubmissionStatus,
)

SEPARATOR = "|snz@"


class SnoozeProblem(enum.StrEnum):
    stale = "stale"
    not_allowed = "not_allowed"


class SnoozeRefused(Exception):
    def __init__(self, problem: SnoozeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


async def still_current(session: AsyncSession, subject: str | None, now: datetime) -> bool:
    kind, _, raw = (subject or "").partition(":")
    if not raw.isdigit():
        return True
    if kind == "problem":
        item = await session.get(ProblemItem, int(raw))
        return item is not None and item.status in lifecycle.OWNER_TURN
    if kind == "submission":
        submission = await session.get(Submission, int(raw))
        return submission is not None and submission.status is SubmissionStatus.submitted
    if kind == "campaign":
        campaign = await session.get(Campaign, int(raw))
        return campaign is not None and campaign.closes_at > now
    return True


async def snooze(session: AsyncSession, *, outbox_id: int, person_id: int | None, now: datetime, tz: tzinfo,
                 update_id: int | None) -> datetime:  # fmt: skip
    """Put off the reminder ``outbox_id`` for its recipient; returns when it comes again."""
    row = await session.get(OutboxMessage, outbox_id)
    if row is None or row.status is not OutboxStatus.sent:
        raise SnoozeRefused(SnoozeProblem.stale)
    if person_id is None or row.person_id != person_id or not row.snoozable:
        raise SnoozeRefused(SnoozeProblem.not_allowed)
    if not await current.still_theirs(session, row):  # their role was withdrawn since it was sent
        raise SnoozeRefused(SnoozeProblem.not_allowed)
    if not await still_current(session, row.subject, now):
        raise SnoozeRefused(SnoozeProblem.stale)
    until = workdays.next_reminder_slot(now, tz)
    session.add(Snooze(outbox_id=row.id, subject=row.subject, kind=row.kind, person_id=person_id, until=until,
                       created_at=now))  # fmt: skip
    base = row.key.split(SEPARATOR)[0]
    buttons = [[Button(b["label"], b["data"]) for b in r] for r in (row.buttons or [])]
    again = Notice(key=f"{base}{SEPARATOR}{workdays.local_date(until, tz):%Y%m%d}", kind=row.kind,
                   chat_id=row.chat_id, template=row.template, values=row.values, not_before=until,
                   person_id=person_id, subject=row.subject, buttons=buttons, snoozable=True)  # fmt: skip
    await outbox.enqueue(session, [again], now=now)
    await audit.record(session, at=now, actor_id=person_id, action="reminder.snoozed", subject_type="outbox",
                       subject_id=row.id, before=None, after={"until": until.isoformat(), "key": again.key},
                       update_id=update_id)  # fmt: skip
    return until
