"""Forms in the chat: start one, feed it messages and button presses, show the next prompt.

Every input goes to one use case of ``domain.filling.usecases`` in the update's own transaction; what
it returns is rendered here. Button data is ``f:<step>:<action>[:<value>]``; ``step`` must be the
form's current step, so a button from an earlier prompt is answered as no longer current.
"""

from __future__ import annotations

import functools
import logging

from telegram.error import BadRequest, Forbidden

from domain import forms
from domain.filling import usecases
from domain.filling.purposes import Told
from domain.filling.usecases import ChooseUnit, Moment, Result, Shown
from domain.forms import Prompt, PromptKind
from handlers import publish
from handlers.callback_data import ID, TEXT, one_of, parse
from handlers.work import Buttons, Work, edit, send, unit_of_work

log = logging.getLogger(__name__)

NAV = {"b": forms.Back, "s": forms.Skip, "d": forms.Done, "r": forms.Review, "ok": forms.Submit, "x": forms.Cancel}


def moment(work: Work) -> Moment:
    return Moment(work.chat_id, work.today, work.locale, work.now, work.update.update_id)


def render(work: Work, result: Result) -> None:
    """Tell the person what the use case returned, in its order; answer a pressed button first."""
    if work.update.callback_query:
        work.answer(result.toast, alert=result.alert)
    for said in result.said:
        if isinstance(said, Shown):
            show(work, said.form, said.prompt)
        elif isinstance(said, ChooseUnit):
            buttons = [[(g.unit_name, f"new:{said.code}:{g.unit_id}")] for g in said.units]
            work.reply("choose_branch.html.j2", buttons=buttons)
        elif isinstance(said, Told):
            work.reply(f"{said.message}.html.j2", **said.values)
    if result.notified:
        work.later(wake_outbox)


async def wake_outbox(context) -> None:
    """After the commit: the dispatcher looks at the outbox now rather than at its next poll."""
    context.deps.wake_outbox()


def show(work: Work, form, prompt: Prompt) -> None:
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
    form_id, chat_id = form.id, form.chat_id

    async def send_and_remember(ctx) -> None:
        message_id = await send(ctx, chat_id, text, keys)
        async with ctx.deps.sessions() as session, session.begin():  # which message to edit as photos arrive
            await usecases.remember_prompt(session, form_id, message_id)

    work.later(send_and_remember)


def buttons(work: Work, step: int, prompt: Prompt) -> Buttons:
    def data(action: str, value: str = "") -> str:
        # Values are names of at most 40 bytes (checked when a form is loaded), so this fits 64.
        return f"f:{step}:{action}" + (f":{value}" if value else "")

    rows: Buttons = []
    if prompt.kind is PromptKind.QUESTION:
        choices = [((("✅ " if b.selected else "") + b.label)[:60], data("c", b.value)) for b in prompt.choices]
        per_row = 2 if all(len(label) <= 6 for label, _ in choices) or prompt.question.type == "repeat" else 1
        rows += [choices[i:i + per_row] for i in range(0, len(choices), per_row)]  # a repeat group: ✏️ n | 🗑 n
        nav = []
        if prompt.can_back:
            nav.append((work.string("form.back"), data("b")))
        if prompt.can_skip:
            nav.append((work.string("form.skip"), data("s")))
        if prompt.can_done:
            gathering = prompt.question.type in ("photos", "multi_choice", "repeat")
            nav.append((work.string("form.done" if gathering else "form.keep"), data("d")))
        if nav:
            rows.append(nav)
        rows.append([(work.string("form.cancel"), data("x"))])
    elif prompt.kind is PromptKind.REVIEW:
        edits = [(str(line.index), data("e", line.name)) for line in prompt.review if not line.prefilled]
        rows += [edits[i:i + 8] for i in range(0, len(edits), 8)]
        rows.append([(work.string("form.submit"), data("ok")), (work.string("form.cancel"), data("x"))])
    return rows


async def current_prompt(work: Work) -> None:
    """After a re-delivered update: show the open form's current prompt again."""
    render(work, await usecases.current(work.session, moment(work)))


async def message(update, context) -> None:
    """A message in a private chat: an answer to the open form, a checklist file, or not understood.

    A checklist file is fetched and checked first (``publish.prepare``), before the unit of work opens.
    """
    prepared = await publish.prepare(update, context)
    await unit_of_work(functools.partial(_message, prepared=prepared), on_repeat=current_prompt)(update, context)


async def _message(work: Work, *, prepared: publish.Prepared | None) -> None:
    result = await usecases.answer(work.session, work.actor, to_input(work.update.effective_message), moment(work))
    if result.no_form and not await publish.maybe_publish(work, prepared):
        work.reply("unknown_message.html.j2", known=work.actor.known)
    render(work, result)


@unit_of_work
async def edited(work: Work) -> None:
    """An edited message is never an answer: the use case says how an answer is changed."""
    message = work.update.edited_message
    if message is None or message.chat.type != "private":
        return  # edits in groups and channels mean nothing to the bot
    render(work, await usecases.edited(work.session, work.actor, moment(work)))
    work.effects = [_quietly(effect) for effect in work.effects]


def _quietly(effect):
    """A hint is not worth an error report when the chat is gone (blocked, deleted)."""

    async def run(context) -> None:
        try:
            await effect(context)
        except (Forbidden, BadRequest) as exc:
            log.info("could not answer an edited message: %s", exc)

    return run


@unit_of_work(on_repeat=current_prompt)
async def pressed(work: Work) -> None:
    """A form button: the use case re-checks that it belongs to the current prompt of this person's form."""
    data = work.update.callback_query.data
    parsed = parse(data, "f", ID, one_of(*NAV)) or parse(data, "f", ID, one_of("c", "e"), TEXT)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    step, action = parsed[:2]
    if action == "c":
        user_input = forms.Choice(parsed[2])
    elif action == "e":
        user_input = forms.Edit(parsed[2])
    else:
        user_input = NAV[action]()
    render(work, await usecases.answer(work.session, work.actor, user_input, moment(work), step=step))


@unit_of_work(on_repeat=current_prompt)
async def cancel(work: Work) -> None:
    """/cancel: close the open form, keeping nothing of it as a submission."""
    render(work, await usecases.cancel(work.session, work.actor, forms.Cancel(), moment(work)))


def to_input(message) -> forms.UserInput:
    """What a Telegram message means to a form."""
    if message.photo:
        return forms.Photo(message.photo[-1].file_id, message.media_group_id, message.photo[-1].file_size,
                           message.caption)  # fmt: skip
    if message.document:
        return forms.Document(message.document.file_id, message.document.file_name or "", message.document.file_size,
                              message.caption)  # fmt: skip
    if message.location:
        return forms.Location(message.location.latitude, message.location.longitude)
    if message.text is not None:
        return forms.Text(message.text)
    for kind in ("sticker", "voice", "video", "video_note", "audio", "animation", "contact", "poll", "dice"):
        if getattr(message, kind, None):
            return forms.Unsupported(kind)
    return forms.Unsupported("other")
