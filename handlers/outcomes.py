"""Who is told what when a form is finished: the committee of a submission, the secretary of a decision."""

from __future__ import annotations

from domain import recipients
from domain.filling import Decided, Recorded, Refused, Submitted
from handlers.work import Work


async def announce(work: Work, outcome: Submitted | Recorded | Decided | Refused) -> None:
    if isinstance(outcome, Refused):
        work.reply("form_refused.html.j2", reason=outcome.reason, unit=outcome.unit)
    elif isinstance(outcome, Submitted):
        await _submitted(work, outcome)
    elif isinstance(outcome, Decided):
        await _decided(work, outcome)
    else:
        work.reply("activity_recorded.html.j2", record=outcome.record, unit=outcome.unit)


async def _submitted(work: Work, outcome: Submitted) -> None:
    submission, unit = outcome.submission, outcome.unit
    work.reply("submission_received.html.j2", submission=submission, unit=unit)
    default = work.deps.default_locale
    for person in await recipients.reviewers(work.session, unit):
        locale = person.locale or default
        work.reply("review_requested.html.j2", chat_id=person.chat_id, locale=locale, submission=submission,
                   unit=unit, buttons=[[(work.deps.renderer.string("review.open", locale), f"rev:{submission.id}")]])  # fmt: skip
    for group in await recipients.groups_above(work.session, unit):
        work.reply("review_requested_group.html.j2", chat_id=group.id, locale=default, submission=submission,
                   unit=unit)  # fmt: skip


async def _decided(work: Work, outcome: Decided) -> None:
    decision, unit = outcome.decision, outcome.unit
    work.reply("evaluation_done.html.j2", decision=decision, unit=unit)
    default = work.deps.default_locale
    for person in await recipients.secretaries(work.session, unit):
        work.reply("evaluation_result.html.j2", chat_id=person.chat_id, locale=person.locale or default,
                   decision=decision, unit=unit, submission=decision.submission)  # fmt: skip
