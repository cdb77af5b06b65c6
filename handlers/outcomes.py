"""What the person who finished a form is told, and the notices to others (through the outbox)."""

from __future__ import annotations

from domain.filling.sessions import Decided, Recorded, Refused, Submitted
from domain.standardisation import notices
from handlers.work import Work


async def announce(work: Work, outcome: Submitted | Recorded | Decided | Refused) -> None:
    if isinstance(outcome, Refused):
        work.reply("form_refused.html.j2", reason=outcome.reason, unit=outcome.unit)
    elif isinstance(outcome, Submitted):
        work.reply("submission_received.html.j2", submission=outcome.submission, unit=outcome.unit)
        await notices.submitted(work.session, submission=outcome.submission, unit=outcome.unit, now=work.now)
        work.later(wake_outbox)
    elif isinstance(outcome, Decided):
        work.reply("evaluation_done.html.j2", decision=outcome.decision, unit=outcome.unit)
        await notices.decided(work.session, decision=outcome.decision, unit=outcome.unit, now=work.now)
        work.later(wake_outbox)
    else:
        work.reply("activity_recorded.html.j2", record=outcome.record, unit=outcome.unit)


async def wake_outbox(context) -> None:
    """After the commit: the dispatcher looks at the outbox now rather than at its next poll."""
    context.deps.wake_outbox()
