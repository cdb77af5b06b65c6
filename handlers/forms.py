"""Forms in the chat: start one, feed it messages and button presses, show the next prompt.

Every input goes through domain.filling in the update's own transaction. Button data is
``f:<step>:<action>[:<value>]``; ``step`` must be the form's current step, so a button from an
earlier prompt is answered as no longer current.
"""

from __future__ import annotations

import functools

from sqlalchemy import update

from domain import forms
from domain.filling import access
from domain.filling import sessions as filling
from domain.forms import Prompt, PromptKind
from handlers import outcomes, publish
from handlers.work import Buttons, Work, edit, send, unit_of_work
from storage.models import FormSession

NAV = {"b": forms.Back, "s": forms.Skip, "d": forms.Done, "r": forms.Review, "ok": forms.Submit, "x": forms.Cancel}


def show(work: Work, form: FormSession, prompt: Prompt) -> None:
    """Reply with ``prompt`` and the buttons that fit it.

    A photo absorbed into an album already being received (``quiet``) updates the prompt message in
    place instead, so the count reads "3 received" rather than three new messages.
    """
    text = work.text("form_prompt.html.j2", prompt=prompt)
    keys = buttons(work, form.step, prompt)
    if prompt.quiet:
        if form.prompt_message_id:
            work.later(lambda ctx: edit(ctx, form.chat_id, form.prompt_message_id, text, keys))
        return
    if prompt.question is None or prompt.question.type not in ("photo", "photos"):
        work.later(lambda ctx: send(ctx, form.chat_id, text, keys))
        return
    form_id, sessions = form.id, work.deps.sessions

    async def send_and_remember(ctx) -> None:
        message_id = await send(ctx, form.chat_id, text, keys)
        async with sessions() as session, session.begin():  # bookkeeping only: which message to edit
            await session.execute(
                update(FormSession).where(FormSession.id == form_id).values(prompt_message_id=message_id)
            )

    work.later(send_and_remember)


def buttons(work: Work, step: int, prompt: Prompt) -> Buttons:
    def data(action: str, value: str = "") -> str:
        # Values are names of at most 40 bytes (checked when a form is loaded), so this fits 64.
        return f"f:{step}:{action}" + (f":{value}" if value else "")

    rows: Buttons = []
    if prompt.kind is PromptKind.QUESTION:
        choices = [((("✅ " if b.selected else "") + b.label)[:60], data("c", b.value)) for b in prompt.choices]
        per_row = 2 if all(len(label) <= 6 for label, _ in choices) else 1
        rows += [choices[i:i + per_row] for i in range(0, len(choices), per_row)]
        nav = []
        if prompt.can_back:
            nav.append((work.string("form.back"), data("b")))
        if prompt.can_skip:
            nav.append((work.string("form.skip"), data("s")))
        if prompt.can_done:
            gathering = prompt.question.type in ("photos", "multi_choice")
            nav.append((work.string("form.done" if gathering else "form.keep"), data("d")))
        if nav:
            rows.append(nav)
        rows.append([(work.string("form.cancel"), data("x"))])
    elif prompt.kind is PromptKind.REVIEW:
        edits = [(str(line.index), data("e", line.name)) for line in prompt.review if not line.prefilled]
        rows += [edits[i:i + 8] for i in range(0, len(edits), 8)]
        rows.append([(work.string("form.submit"), data("ok")), (work.string("form.cancel"), data("x"))])
    return rows


async def begin(work: Work, *, purpose: str, form_id: str, unit, subject_id: int | None = None) -> None:
    """Open (or resume) a form for the person in this chat and show its first prompt."""
    try:
        filled = await filling.begin(work.session, actor=work.actor, chat_id=work.chat_id, purpose=purpose,
                                     form_id=form_id, unit=unit, today=work.today, locale=work.locale,
                                     at=work.now, subject_id=subject_id, update_id=work.update.update_id)  # fmt: skip
    except filling.Busy as busy:
        resumed = await filling.resume(work.session, form=busy.open_form, today=work.today, locale=work.locale)
        work.reply("form_busy.html.j2", title=resumed.prompt.title)
        show(work, busy.open_form, resumed.prompt)
        return
    show(work, filled.form, filled.prompt)


async def current_prompt(work: Work) -> None:
    """After a re-delivered update: show the open form's current prompt again."""
    form = await filling.open_form(work.session, work.chat_id)
    if form is not None:
        resumed = await filling.resume(work.session, form=form, today=work.today, locale=work.locale)
        show(work, form, resumed.prompt)
    elif work.update.callback_query:
        work.answer()


async def _feed(work: Work, form: FormSession, user_input) -> None:
    filled = await filling.feed(work.session, form=form, user_input=user_input, actor=work.actor, today=work.today,
                                locale=work.locale, at=work.now, update_id=work.update.update_id)  # fmt: skip
    if not isinstance(filled.outcome, filling.Refused):  # a refused finish is not "submitted"
        show(work, form, filled.prompt)
    if filled.outcome is not None:
        await outcomes.announce(work, filled.outcome)


async def message(update, context) -> None:
    """A message in a private chat: an answer to the open form, a checklist file, or not understood.

    A checklist file is fetched and checked first (``publish.prepare``), before the unit of work opens.
    """
    prepared = await publish.prepare(update, context)
    await unit_of_work(functools.partial(_message, prepared=prepared), on_repeat=current_prompt)(update, context)


async def _message(work: Work, *, prepared: publish.Prepared | None) -> None:
    form = await filling.open_form(work.session, work.chat_id)
    if form is None:
        if not await publish.maybe_publish(work, prepared):
            work.reply("unknown_message.html.j2", known=work.actor.known)
        return
    if form.person_id != work.actor.person_id:  # a form is the person's own, whatever chat it is in
        work.reply("not_allowed.html.j2")
        return
    await _feed(work, form, to_input(work.update.effective_message))


@unit_of_work(on_repeat=current_prompt)
async def pressed(work: Work) -> None:
    """A form button: re-check that it belongs to the current prompt of this person's open form."""
    parts = work.update.callback_query.data.split(":", 3)
    form = await filling.open_form(work.session, work.chat_id)
    if form is None and await access.lost(work.session, chat_id=work.chat_id, actor=work.actor):
        work.answer("not_allowed", alert=True)  # closed when their role on its unit was withdrawn
        return
    if form is None or len(parts) < 3 or parts[1] != str(form.step):
        work.answer("stale", alert=True)
        return
    if form.person_id != work.actor.person_id:
        work.answer("not_allowed", alert=True)
        return
    action, value = parts[2], parts[3] if len(parts) > 3 else ""
    if action == "c":
        user_input = forms.Choice(value)
    elif action == "e":
        user_input = forms.Edit(value)
    elif action in NAV:
        user_input = NAV[action]()
    else:
        work.answer("stale", alert=True)
        return
    work.answer()
    await _feed(work, form, user_input)


@unit_of_work(on_repeat=current_prompt)
async def cancel(work: Work) -> None:
    """/cancel: close the open form, keeping nothing of it as a submission."""
    form = await filling.open_form(work.session, work.chat_id)
    if form is None:
        work.reply("form_none_open.html.j2")
        return
    await _feed(work, form, forms.Cancel())


def to_input(message) -> forms.UserInput:
    """What a Telegram message means to a form."""
    if message.photo:
        return forms.Photo(message.photo[-1].file_id, message.media_group_id)
    if message.document:
        return forms.Document(message.document.file_id, message.document.file_name or "")
    if message.location:
        return forms.Location(message.location.latitude, message.location.longitude)
    if message.text is not None:
        return forms.Text(message.text)
    for kind in ("sticker", "voice", "video", "video_note", "audio", "animation", "contact", "poll", "dice"):
        if getattr(message, kind, None):
            return forms.Unsupported(kind)
    return forms.Unsupported("other")
