"""Who hears of a rectification step, written to the outbox in the step's transaction.

Submitted evidence and extension requests go to the verifiers: the committee reviewers over the
branch and whoever raised the item (the inspector, or the reviewer who evaluated), while they still
may verify there, never the item's owner. Verdicts and regressions go to the branch's secretaries.
Notices carry the subject ``rect:<id>``, not ``problem:<id>``: closing the item withdraws pending
deadline reminders but must not withdraw the notice that it was closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import outbox
from domain.kernel.outbox import Button, Notice
from domain.org import people, permissions, recipients
from domain.org.permissions import Action
from domain.problems import lifecycle
from domain.problems.lifecycle import Moved, Verb
from storage.models import Person, ProblemItem, Unit

TO_VERIFIERS = frozenset({Verb.submit, Verb.request_extension})
TO_OWNERS = frozenset({Verb.grant_extension, Verb.refuse_extension, Verb.close, Verb.return_, Verb.reopen})


def values(item: ProblemItem, unit: Unit, verb: Verb, reason: str | None = None) -> dict:
    return {"verb": verb.value, "item_id": item.id, "unit_name": unit.name, "clause": item.clause,
            "severity": item.severity.value, "due_on": item.due_on, "until_on": item.extension_until,
            "reason": reason, "regressions": item.regressions}  # fmt: skip


async def verifiers(session: AsyncSession, item: ProblemItem, unit: Unit) -> list[recipients.Recipient]:
    found = {r.person_id: r for r in await recipients.reviewers(session, unit)}
    raiser = await session.get(Person, item.created_by) if item.created_by else None
    if raiser is not None and raiser.telegram_user_id and raiser.id not in found:
        actor = await people.actor_for(session, raiser.telegram_user_id)
        if permissions.allows(actor, Action.verify_rectification, unit.path):
            found[raiser.id] = recipients.Recipient(raiser.id, raiser.telegram_user_id, raiser.name, raiser.locale)
    owned = set(lifecycle.owners(item))
    return [r for r in found.values() if r.person_id not in owned]


async def moved(session: AsyncSession, *, step: Moved, unit: Unit, now: datetime, reason: str | None = None) -> int:
    """Tell whoever should hear of ``step``; returns how many notices were written."""
    item, verb = step.item, step.verb
    if verb in TO_VERIFIERS:
        people_told, template = await verifiers(session, item, unit), "problem_to_verify.html.j2"
    elif verb in TO_OWNERS:
        people_told, template = await recipients.secretaries(session, unit), "problem_decided.html.j2"
    else:
        return 0
    subject = f"rect:{item.id}"
    found = [
        Notice(key=f"{subject}:v{item.version}:{verb.value}:p{person.person_id}", kind=f"problem.{verb.value}",
               chat_id=person.chat_id, person_id=person.person_id, subject=subject, template=template,
               values=values(item, unit, verb, reason), not_before=now,
               buttons=((Button("problem.btn.open", f"prob:{item.id}"),),))  # fmt: skip
        for person in people_told
    ]
    return await outbox.enqueue(session, found, now=now)
