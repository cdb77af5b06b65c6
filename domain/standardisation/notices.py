"""Notices of what happened to a submission, written to the outbox in the same transaction.

Who is told: when a branch submits, the reviewers over it (privately, with a button to review) and
the committee groups bound above it; when the committee decides, the branch's secretaries. Being
outbox rows, they survive a crash after commit, wait out quiet hours and keep Telegram's limits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import outbox
from domain.kernel.outbox import Button, Notice
from domain.org import recipients
from domain.standardisation.assessment import Decision
from storage.models import Submission, Unit


def _summary(submission: Submission, unit: Unit) -> dict[str, object]:
    score = submission.score or {}
    return {"unit_name": unit.name, "form_id": submission.form_id, "round": submission.round,
            "submitted_at": submission.submitted_at, "score": score.get("score"),
            "max_score": score.get("max_score"), "failing": len(score.get("failing") or [])}  # fmt: skip


async def submitted(session: AsyncSession, *, submission: Submission, unit: Unit, now: datetime) -> int:
    """Tell the reviewers and the committee groups that ``unit`` submitted (or resubmitted)."""
    subject = f"submission:{submission.id}"
    occasion = f"{subject}:r{submission.round}:submitted"
    values = _summary(submission, unit)
    found = [
        Notice(key=f"{occasion}:p{person.person_id}", kind="submission.submitted", chat_id=person.chat_id,
               person_id=person.person_id, subject=subject, template="review_requested.html.j2", values=values,
               not_before=now, buttons=((Button("review.open", f"rev:{submission.id}"),),))
        for person in await recipients.reviewers(session, unit)
    ] + [
        Notice(key=f"{occasion}:g{group.id}", kind="submission.submitted", chat_id=group.id, subject=subject,
               template="review_requested_group.html.j2", values=values, not_before=now)
        for group in await recipients.groups_above(session, unit)
    ]  # fmt: skip
    return await outbox.enqueue(session, found, now=now)


async def decided(session: AsyncSession, *, decision: Decision, unit: Unit, now: datetime) -> int:
    """Tell the branch's secretaries the outcome, the reasons and the new problem-list items."""
    submission = decision.submission
    subject = f"submission:{submission.id}"
    values = {**_summary(submission, unit), "passed": submission.status.value == "passed",
              "reasons": submission.reasons,
              "problems": [{"clause": p.clause, "reason": p.reason, "due_on": p.due_on} for p in decision.problems]}  # fmt: skip
    found = [
        Notice(key=f"{subject}:r{submission.round}:decided:p{person.person_id}", kind="submission.decided",
               chat_id=person.chat_id, person_id=person.person_id, subject=subject,
               template="evaluation_result.html.j2", values=values, not_before=now)
        for person in await recipients.secretaries(session, unit)
    ]  # fmt: skip
    return await outbox.enqueue(session, found, now=now)
