"""The sweep: every rule looks at the database and ``now``; what is due goes into the outbox once.

It runs every minute, in any number of processes: the outbox's unique keys make a repeat write
nothing. One rule's failure is logged and rolled back to its savepoint; the others still run.
New kinds of deadline (project milestones, progress reports, inspection follow-ups) are new rules
in ``RULES``, nothing more.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import String, cast, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import holidays, outbox, updates
from domain.kernel.outbox import Notice
from domain.problems import lifecycle
from domain.projects import reminders as project_reminders
from domain.reminders import (
    calendar,
    campaigns,
    digest,
    orglife,
    problems,
    rectification,
    reviews,
    rollcall,
)
from domain.reminders.directory import Directory
from domain.reminders.sweep_context import Rule, SweepContext
from storage.models import (
    OutboxMessage,
    OutboxStatus,
    ProblemItem,
    ProblemStatus,
    Snooze,
    Submission,
    SubmissionStatus,
)

log = logging.getLogger(__name__)

RULES: dict[str, Rule] = {
    "problems": problems.notices,
    "verifications": rectification.verify_notices,
    "revisits": rectification.revisit_notices,
    "campaigns": campaigns.notices,
    "reviews": reviews.notices,
    "orglife": orglife.notices,
    "digest": digest.notices,
    "rollcall": rollcall.notices,
    "holidays": calendar.notices,
    "project_reports": project_reminders.reports,  # quarterly and implementation reports (domain.projects)
    "project_nodes": project_reminders.nodes,  # quality nodes past their date
}


@dataclass(frozen=True)
class SweepReport:
    found: int  # notices the rules returned (most were written by an earlier sweep)
    added: int  # rows new in the outbox
    cancelled: int  # pending reminders whose subject was resolved meanwhile
    failed: tuple[str, ...]  # rules that raised
    forgotten: int = 0  # processed-update ids too old to be delivered again, dropped


async def sweep(session: AsyncSession, *, now: datetime, tz: tzinfo, rules: dict[str, Rule] | None = None) -> SweepReport:
    """Run every rule and write what is due, and forget update ids too old to come again; the caller commits."""
    await holidays.refresh(session)  # a year's arrangement loaded in any process counts here too
    ctx = SweepContext(now=now, tz=tz, directory=await Directory.load(session))
    found: list[Notice] = []
    failed: list[str] = []
    for name, rule in (rules or RULES).items():
        try:
            async with session.begin_nested():
                found += await rule(session, ctx)
        except Exception:
            log.exception("reminder rule %r failed; the other rules still run", name)
            failed.append(name)
    found = await _apply_snoozes(session, found, now)
    cancelled = await cancel_resolved(session)
    added = await outbox.enqueue(session, found, now=now)
    forgotten = await updates.forget_old(session, now=now)
    return SweepReport(found=len(found), added=added, cancelled=cancelled, failed=tuple(failed), forgotten=forgotten)


async def _apply_snoozes(session: AsyncSession, notices: list[Notice], now: datetime) -> list[Notice]:
    """A snoozed (subject, kind) waits for its person until the snooze ends."""
    rows = (await session.execute(select(Snooze.subject, Snooze.kind, Snooze.person_id, Snooze.until)
                                  .where(Snooze.until > now))).all()  # fmt: skip
    if not rows:
        return notices
    until: dict[tuple, datetime] = {}
    for subject, kind, person_id, ends in rows:
        key = (subject, kind, person_id)
        until[key] = max(ends, until.get(key, ends))
    result = []
    for notice in notices:
        ends = until.get((notice.subject, notice.kind, notice.person_id)) if notice.snoozable else None
        if ends is not None and ends > notice.not_before:
            notice = dataclasses.replace(notice, not_before=ends)
        result.append(notice)
    return result


async def cancel_resolved(session: AsyncSession) -> int:
    """Withdraw pending reminders whose occasion passed since they were written: an item's deadline
    reminders once it is submitted or closed, its verifiers' once it is decided, its revisit's once
    done; a submission's once it is decided."""
    def problems(prefix: str, *where):
        return select(literal(prefix) + cast(ProblemItem.id, String)).where(*where)

    closed = problems("problem:", ProblemItem.status.not_in(lifecycle.OWNER_TURN))  # the owner's turn is over
    verified = problems("verify:", ProblemItem.status != ProblemStatus.submitted)
    revisited = problems("revisit:", (ProblemItem.status != ProblemStatus.closed) | ProblemItem.revisited_at.is_not(None))
    decided = select(literal("submission:") + cast(Submission.id, String)).where(
        Submission.status != SubmissionStatus.submitted)
    total = 0
    for resolved, prefix in ((closed, "problem:%"), (verified, "verify:%"), (revisited, "revisit:%"),
                             (decided, "submission:%")):  # fmt: skip
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.subject.like(prefix),
                   OutboxMessage.subject.in_(resolved))
            .values(status=OutboxStatus.cancelled, last_error="resolved before it was sent")
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        total += max(result.rowcount or 0, 0)
    return total
