"""Filling forms in a chat, one use case per update: open a form, answer it, press its buttons, cancel.

Each function does every check (through the permissions table) and every write of its update, and
returns a ``Result``: what to tell the person, in order (messages, the form's prompt, a choice of
unit), and how to answer a pressed button. Handlers render it; they decide nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import access, sessions
from domain.filling.purposes import PURPOSES, Told
from domain.forms import Prompt, UserInput
from domain.org import permissions
from domain.org.people import Actor, Grant
from storage.models import FormSession, Unit, UnitType

MAX_CHOICES = 20  # units offered as buttons at once


@dataclass(frozen=True)
class Shown:
    """Show the form's current prompt (its buttons carry the form's step)."""

    form: FormSession
    prompt: Prompt


@dataclass(frozen=True)
class ChooseUnit:
    """Ask which unit: the person may open ``code``'s form on several."""

    code: str
    units: list[Grant]


Said = Told | Shown | ChooseUnit


@dataclass
class Result:
    said: list[Said] = field(default_factory=list)
    toast: str | None = None  # a pressed button's answer (a strings key), None for a silent answer
    alert: bool = False
    no_form: bool = False  # a message came with no form open: the caller may see what else it is

    @property
    def notified(self) -> bool:
        """Outbox rows were written: the sender should look now rather than at its next poll."""
        return any(isinstance(s, Told) and s.notified for s in self.said)


def refusal(toast: str, *, pressed: bool, message: str | None = None) -> Result:
    """A refusal: a toast on a pressed button, else a message."""
    if pressed:
        return Result(toast=toast, alert=True)
    return Result([Told(message or toast)])


@dataclass(frozen=True)
class Moment:
    """Where and when an update happens, as every use case here needs it."""

    chat_id: int
    today: date
    locale: str
    at: datetime
    update_id: int | None


def _branches(actor: Actor, action: permissions.Action, unit_types: tuple[UnitType, ...] = (UnitType.branch,)) -> list[Grant]:
    return [g for g in permissions.grants_for(actor, action) if g.unit_type in unit_types]


async def offer(session: AsyncSession, actor: Actor, code: str, when: Moment, *, pressed: bool = False) -> Result:
    """A command or a reminder's button for ``code``'s form: open it on the person's branch, or ask
    which branch when they have several."""
    found = PURPOSES.starter(code)
    if found is None:
        return refusal("stale", pressed=pressed)
    purpose, _form_id = found
    branches = _branches(actor, purpose.action, purpose.unit_types)
    if not branches:
        return refusal("not_allowed", pressed=pressed)
    if len(branches) > 1:
        return Result([ChooseUnit(code, branches[:MAX_CHOICES])], toast=None)
    return await start(session, actor, code, branches[0].unit_id, when, pressed=pressed)


async def start(session: AsyncSession, actor: Actor, code: str, unit_id: int, when: Moment, *,
                pressed: bool = False) -> Result:  # fmt: skip
    """Open ``code``'s form on the unit (a "which branch" button grants nothing by itself)."""
    found = PURPOSES.starter(code)
    if found is None:
        return refusal("stale", pressed=pressed)
    purpose, form_id = found
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return refusal("stale", pressed=pressed)
    if not permissions.allows(actor, purpose.action, unit.path):
        return refusal("not_allowed", pressed=pressed)
    return await begin(session, actor, purpose.name, form_id, unit, when)


async def begin(session: AsyncSession, actor: Actor, purpose: str, form_id: str, unit: Unit, when: Moment,
                subject_id: int | None = None) -> Result:  # fmt: skip
    """Open (or resume) the form and show its prompt; when another form is open, say so and show that one."""
    kind = PURPOSES.get(purpose)
    if kind.may_begin is not None and (refused := await kind.may_begin(session, actor, unit, subject_id, when.today)):
        return Result([refused])
    try:
        filled = await sessions.begin(session, actor=actor, chat_id=when.chat_id, purpose=purpose, form_id=form_id,
                                      unit=unit, today=when.today, locale=when.locale, at=when.at,
                                      subject_id=subject_id, update_id=when.update_id)  # fmt: skip
    except sessions.Busy as busy:
        resumed = await sessions.resume(session, form=busy.open_form, today=when.today, locale=when.locale)
        return Result([Told("form_busy", {"title": resumed.prompt.title}), Shown(busy.open_form, resumed.prompt)])
    return Result([Shown(filled.form, filled.prompt)])


async def current(session: AsyncSession, when: Moment) -> Result:
    """The open form's current prompt again (after a re-delivered update), changing nothing."""
    form = await sessions.open_form(session, when.chat_id)
    if form is None:
        return Result()
    resumed = await sessions.resume(session, form=form, today=when.today, locale=when.locale)
    return Result([Shown(form, resumed.prompt)])


async def answer(session: AsyncSession, actor: Actor, user_input: UserInput, when: Moment, *,
                 step: int | None = None) -> Result:  # fmt: skip
    """An answer to the chat's open form: a message (``step`` None) or a button of prompt ``step``."""
    pressed = step is not None
    form = await sessions.open_form(session, when.chat_id)
    if form is None and not pressed:
        return Result(no_form=True)
    if form is None and pressed and await access.lost(session, chat_id=when.chat_id, actor=actor):
        return refusal("not_allowed", pressed=True)  # closed when their role on its unit was withdrawn
    if form is None:
        return refusal("stale", pressed=True)
    if form.person_id != actor.person_id:  # a form is the person's own, whatever chat it is in
        return refusal("not_allowed", pressed=pressed)
    if pressed and step != form.step:  # a button of an earlier prompt: say so and show where the form is
        resumed = await sessions.resume(session, form=form, today=when.today, locale=when.locale)
        return Result([Shown(form, resumed.prompt)], toast="form.stale_button")
    try:
        filled = await sessions.feed(session, form=form, user_input=user_input, actor=actor, today=when.today,
                                     locale=when.locale, at=when.at, update_id=when.update_id)  # fmt: skip
    except sessions.Conflict as conflict:  # another update of this chat moved the form on meanwhile
        said: list[Said] = [] if pressed else [Told("form_conflict")]
        if conflict.form is not None:
            resumed = await sessions.resume(session, form=conflict.form, today=when.today, locale=when.locale)
            said.append(Shown(conflict.form, resumed.prompt))
        # A press that lost is told as any button of an earlier prompt is: the same words either way.
        return Result(said, toast="form.stale_button") if pressed else Result(said)
    said = [] if filled.refused else [Shown(form, filled.prompt)]  # a refused finish is not "submitted"
    if filled.outcome is not None:
        said.append(filled.outcome)
    return Result(said)


async def edited(session: AsyncSession, actor: Actor, when: Moment) -> Result:
    """An edited message is never an answer (editing "20" to "15" must not answer the question now
    asked): tell the person how an answer is changed, and show the current prompt again."""
    form = await sessions.open_form(session, when.chat_id)
    if form is None or form.person_id != actor.person_id:
        return Result()
    resumed = await sessions.resume(session, form=form, today=when.today, locale=when.locale)
    return Result([Told("form_edit_ignored"), Shown(form, resumed.prompt)])


async def cancel(session: AsyncSession, actor: Actor, user_input: UserInput, when: Moment) -> Result:
    """/cancel: close the open form, keeping nothing of it as a submission."""
    form = await sessions.open_form(session, when.chat_id)
    if form is None:
        return Result([Told("form_none_open")])
    return await answer(session, actor, user_input, when)


async def remember_prompt(session: AsyncSession, form_id: int, message_id: int) -> None:
    """Bookkeeping after a photo prompt is sent: which message to edit as an album arrives."""
    await session.execute(update(FormSession).where(FormSession.id == form_id).values(prompt_message_id=message_id))
