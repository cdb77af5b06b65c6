"""Submissions waiting for the committee's evaluation (组织考评) more than 3 working days.

The reviewers over the branch are reminded on the 4th working day of waiting, then once a week
(every 5 working days) while it still waits.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Button, Notice
from domain.reminders.sweep_context import SweepContext
from storage.models import Submission, SubmissionStatus

WAIT_DAYS = 3
EVERY = 5


async def waiting(session: AsyncSession) -> list[Submission]:
    query = (
        select(Submission)
        .where(Submission.status == SubmissionStatus.submitted, Submission.submitted_at.is_not(None))
        .order_by(Submission.submitted_at, Submission.id)
    )
    return list((await session.scalars(query)).all())


def waited_days(submission: Submission, ctx: SweepContext) -> int:
    return workdays.working_days_between(workdays.local_date(submission.submitted_at, ctx.tz), ctx.today)


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    found: list[Notice] = []
    for submission in await waiting(session):
        waited = waited_days(submission, ctx)
        if waited <= WAIT_DAYS:
            continue
        occasion = (waited - WAIT_DAYS - 1) // EVERY
        subject = f"submission:{submission.id}"
        values = {"submission_id": submission.id, "form_id": submission.form_id,
                  "unit_name": ctx.directory.unit(submission.unit_id).name,
                  "submitted_at": submission.submitted_at, "waited_days": waited}  # fmt: skip
        for reviewer in ctx.directory.reviewers_over(submission.unit_id):
            found.append(Notice(key=f"{subject}:wait{occasion}:p{reviewer.person_id}", kind="review.waiting",
                                chat_id=reviewer.chat_id, person_id=reviewer.person_id, subject=subject,
                                template="reminder_review.html.j2", values=values, not_before=ctx.slot,
                                buttons=((Button("reminder.btn.review", f"rev:{submission.id}"),),), snoozable=True))  # fmt: skip
    return found
