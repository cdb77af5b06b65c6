"""The standardisation work's forms, registered as purposes of the one engine.

- ``assessment``: a branch's self-assessment against a checklist (``self`` 自评 → the
  standardisation checklist, ``demo`` → the demonstration-position criteria); finishing submits it,
  refreshes the committee group's roll-call board and tells the reviewers.
- ``activity``: a record of organisational life (``act``); finishing keeps it.
- ``evaluation``: the committee's evaluation of a submission (its subject); finishing decides it
  and tells the branch's secretaries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain import forms, reminders
from domain.filling.purposes import PURPOSES, Finishing, NotCurrent, Purpose, Told
from domain.forms import FormDefinition
from domain.org.permissions import Action, NotAllowed
from domain.standardisation import activity, assessment, checklists, notices, review
from storage.models import Submission, Unit


async def _checklist(session: AsyncSession, form_id: str, _subject_id: int | None,
                     version: str | None) -> FormDefinition:  # fmt: skip
    if version is None:
        return await checklists.current(session, form_id)
    return await checklists.version(session, form_id, version)


async def _submit(f: Finishing) -> Told:
    result = forms.score(f.definition, f.answers, f.context) if f.definition.has_items else None
    submission = await assessment.submit(f.session, unit_id=f.unit.id, form_id=f.definition.id,
                                         version=f.definition.version, answers=f.answers,
                                         score=result.to_json() if result else None, actor_id=f.actor.person_id,
                                         at=f.at, update_id=f.update_id)  # fmt: skip
    await reminders.refresh_rollcall(f.session, unit_id=f.unit.id, now=f.at)  # the committee group's live board
    await notices.submitted(f.session, submission=submission, unit=f.unit, now=f.at)
    return Told("submission_received", {"submission": submission, "unit": f.unit}, notified=True)


async def _returned(session: AsyncSession, unit: Unit, form_id: str) -> forms.Earlier | None:
    """A returned self-assessment reopens with its answers (photos too) and its returned items first."""
    submission = await assessment.returned(session, unit_id=unit.id, form_id=form_id)
    if submission is None:
        return None
    return forms.Earlier(dict(submission.answers), await assessment.returned_items(session, submission))


async def _record(f: Finishing) -> Told:
    record = await activity.record(f.session, unit_id=f.unit.id, answers=f.answers, actor_id=f.actor.person_id,
                                   at=f.at, update_id=f.update_id)  # fmt: skip
    return Told("activity_recorded", {"record": record, "unit": f.unit})


async def _evaluation(session: AsyncSession, _form_id: str, subject_id: int | None,
                      _version: str | None) -> FormDefinition:  # fmt: skip
    return review.definition(await session.get_one(Submission, subject_id))


async def _decide(f: Finishing) -> Told:
    submission = await f.session.get_one(Submission, f.form.subject_id)
    overrides, passed, reasons = review.verdicts(submission, f.answers)
    try:
        decision = await assessment.decide(f.session, submission=submission, unit=f.unit, actor=f.actor,
                                           overrides=overrides, passed=passed, reasons=reasons, at=f.at,
                                           today=f.today, update_id=f.update_id)  # fmt: skip
    except assessment.NotCurrent as error:
        raise NotCurrent(str(error)) from error
    except assessment.NotAllowed as error:
        raise NotAllowed(str(error)) from error
    await notices.decided(f.session, decision=decision, unit=f.unit, now=f.at)
    return Told("evaluation_done", {"decision": decision, "unit": f.unit}, notified=True)


ASSESSMENT = PURPOSES.register(Purpose(
    name="assessment", action=Action.fill_checklist, definition=_checklist, finish=_submit,
    starts={"self": "standardisation", "demo": "demonstration"}, returned=_returned,
))  # fmt: skip
ACTIVITY = PURPOSES.register(Purpose(
    name="activity", action=Action.record_activity, definition=_checklist, finish=_record,
    starts={"act": "activity_record"},
))  # fmt: skip
async def _activity_facts(session: AsyncSession, unit_id: int, today: date) -> dict[str, Any]:
    """``activity.monthly_ok`` when the records show a member activity every month; otherwise the
    secretary is asked."""
    return {"activity.monthly_ok": True} if await activity.monthly_ok(session, unit_id=unit_id, today=today) else {}


PURPOSES.register_facts("activity.", _activity_facts)
EVALUATION = PURPOSES.register(Purpose(
    name="evaluation", action=Action.review_submission, definition=_evaluation, finish=_decide,
    subject_type="submission",
))  # fmt: skip
