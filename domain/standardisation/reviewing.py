"""Opening a submission for the committee's evaluation (a ``rev:<id>`` button), as one use case."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import usecases
from domain.filling.purposes import Told
from domain.filling.usecases import Moment, Result, refusal
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.standardisation import purposes
from domain.standardisation.review import FORM_ID
from storage.models import Submission, SubmissionStatus, Unit


async def open_review(session: AsyncSession, actor: Actor, submission_id: int, when: Moment) -> Result:
    """Show the submission and open its evaluation form, re-checking scope and that it still waits."""
    submission = await session.get(Submission, submission_id)
    unit = await session.get(Unit, submission.unit_id) if submission else None
    if submission is None or unit is None:
        return refusal("stale", pressed=True)
    if not permissions.allows(actor, Action.review_submission, unit.path):
        return refusal("not_allowed", pressed=True)
    if submission.status is not SubmissionStatus.submitted:
        return Result(toast="review.done_already", alert=True)
    opened = await usecases.begin(session, actor, purposes.EVALUATION.name, FORM_ID, unit, when,
                                  subject_id=submission.id)  # fmt: skip
    opened.said.insert(0, Told("submission_summary", {"submission": submission, "unit": unit}))
    return opened
