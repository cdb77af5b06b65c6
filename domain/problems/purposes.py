"""The spot check and the rectification's forms, registered as purposes of the one engine.

- ``inspection`` (现场检查, on an inspection begun by ``inspections.start``): the form is generated
  from the branch's checklist (``spotcheck``); finishing raises the problem items (``inspections.finish``).
- ``holidays`` (节假日安排): a year's days off and make-up working days, typed in the chat.
- ``rectification`` (the owner's replies, on a problem item): ``rectify_ack`` measures and a date,
  ``rectify_submit`` evidence and a description, ``rectify_extend`` a later date and the reason.
- ``verdict`` (a verifier's decisions that need words): ``verdict_return`` and ``verdict_refuse``.
  Closing (销号) and granting an extension need none and are a button (``usecases.act``).

Each rectification form is opened on one item and keeps the item's version as its own: a form finished after the
item moved on (another verifier decided, the owner resubmitted) is refused and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling.purposes import PURPOSES, Finishing, Purpose, Told
from domain.forms import FormDefinition, load_form_yaml
from domain.org.permissions import Action
from domain.problems import holidays, inspections, lifecycle, notices
from domain.problems.lifecycle import Moved, Refused
from storage.models import ProblemItem, Unit


@cache
def _shipped(form_id: str) -> FormDefinition:
    text = resources.files("domain.problems.definitions").joinpath(f"{form_id}.yaml").read_text("utf-8")
    return load_form_yaml(text)


async def _on_item(session: AsyncSession, form_id: str, subject_id: int | None, version: str | None) -> FormDefinition:
    """The form for one item, versioned as the item is (``v<version>``)."""
    defn = _shipped(form_id)
    item = await session.get_one(ProblemItem, subject_id)
    fields = defn.fields
    if form_id == "rectify_extend":  # the earliest date that is an extension at all
        after = (item.due_on + timedelta(days=1)).isoformat()
        fields = tuple(replace(f, minimum=after) if f.name == "until" else f for f in fields)
    return replace(defn, version=version or f"v{item.version}", fields=fields)


def version_of(defn: FormDefinition) -> int | None:
    raw = defn.version.removeprefix("v")
    return int(raw) if raw.isdigit() else None


def evidence(answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Photos and the document of a reply, as kept on the item: type, Telegram file id, size, caption."""
    kept = [{"type": "photo", "file_id": p["file_id"], "size": p.get("size"), "caption": p.get("caption")}
            for p in answers.get("photos") or [] if isinstance(p, dict)]  # fmt: skip
    document = answers.get("document")
    if isinstance(document, dict):
        kept.append({"type": "document", "file_id": document["file_id"], "file_name": document.get("file_name"),
                     "size": document.get("size"), "caption": document.get("caption")})  # fmt: skip
    return kept


Step = Callable[[Finishing, ProblemItem, Unit, int | None], Awaitable[Moved]]


async def _acknowledge(f: Finishing, item: ProblemItem, unit: Unit, version: int | None) -> Moved:
    return await lifecycle.acknowledge(f.session, item=item, unit=unit, actor=f.actor, plan=f.answers["plan"],
                                       planned_on=date.fromisoformat(f.answers["planned_on"]), today=f.today,
                                       at=f.at, update_id=f.update_id, version=version)  # fmt: skip


async def _submit(f: Finishing, item: ProblemItem, unit: Unit, version: int | None) -> Moved:
    return await lifecycle.submit(f.session, item=item, unit=unit, actor=f.actor, description=f.answers["description"],
                                  evidence=evidence(f.answers), at=f.at, update_id=f.update_id, version=version)  # fmt: skip


async def _extend(f: Finishing, item: ProblemItem, unit: Unit, version: int | None) -> Moved:
    return await lifecycle.request_extension(f.session, item=item, unit=unit, actor=f.actor,
                                             until=date.fromisoformat(f.answers["until"]), reason=f.answers["reason"],
                                             at=f.at, update_id=f.update_id, version=version)  # fmt: skip


async def _return(f: Finishing, item: ProblemItem, unit: Unit, version: int | None) -> Moved:
    return await lifecycle.return_(f.session, item=item, unit=unit, actor=f.actor, reason=f.answers["reason"],
                                   at=f.at, update_id=f.update_id, version=version)  # fmt: skip


async def _refuse(f: Finishing, item: ProblemItem, unit: Unit, version: int | None) -> Moved:
    return await lifecycle.refuse_extension(f.session, item=item, unit=unit, actor=f.actor, reason=f.answers["reason"],
                                            at=f.at, update_id=f.update_id, version=version)  # fmt: skip


STEPS: dict[str, Step] = {"rectify_ack": _acknowledge, "rectify_submit": _submit, "rectify_extend": _extend,
                          "verdict_return": _return, "verdict_refuse": _refuse}  # fmt: skip


def refused(error: Refused, unit: Unit) -> Told:
    """The form was finished but the step may not happen; nothing changed (see ``Refused`` for codes)."""
    return Told("form_refused", {"reason": "problem", "code": error.code, "params": error.params, "unit": unit})


async def _finish(f: Finishing) -> Told:
    item = await f.session.get_one(ProblemItem, f.form.subject_id)
    try:
        step = await STEPS[f.definition.id](f, item, f.unit, version_of(f.definition))
    except Refused as error:
        return refused(error, f.unit)
    await notices.moved(f.session, step=step, unit=f.unit, now=f.at, reason=f.answers.get("reason"))
    return Told("problem_moved", {"verb": step.verb.value, "item": item, "unit": f.unit}, notified=True)


RECTIFICATION = PURPOSES.register(Purpose(
    name="rectification", action=Action.rectify_item, definition=_on_item, finish=_finish, subject_type="problem",
))  # fmt: skip
VERDICT = PURPOSES.register(Purpose(
    name="verdict", action=Action.verify_rectification, definition=_on_item, finish=_finish, subject_type="problem",
))  # fmt: skip
INSPECTION = PURPOSES.register(Purpose(
    name="inspection", action=Action.inspect_unit, definition=inspections.definition, finish=inspections.finish,
    subject_type="inspection",
))  # fmt: skip
HOLIDAYS = PURPOSES.register(Purpose(
    name="holidays", action=Action.load_holidays, definition=holidays.definition, finish=holidays.finish,
))  # fmt: skip
FORMS = {lifecycle.Verb.acknowledge: (RECTIFICATION, "rectify_ack"),
         lifecycle.Verb.submit: (RECTIFICATION, "rectify_submit"),
         lifecycle.Verb.request_extension: (RECTIFICATION, "rectify_extend"),
         lifecycle.Verb.return_: (VERDICT, "verdict_return"),
         lifecycle.Verb.refuse_extension: (VERDICT, "verdict_refuse")}  # fmt: skip
