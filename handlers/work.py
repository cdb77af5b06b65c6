"""One unit of work per update: claim the update id, load the actor, run the step, commit, then reply.

Replies and other Telegram calls are queued during the step and made only after the commit, so a
user never sees the result of something that was rolled back; a re-delivered update (its id already
claimed) changes nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest

from domain import reminders
from domain.kernel import updates
from domain.org import people
from domain.org.people import Actor
from handlers.deps import Deps, ZhibuContext
from templates import normalise_locale
from templates.parts import split_html

log = logging.getLogger(__name__)

Buttons = list[list[tuple[str, str]]]  # rows of (label, callback_data)
Effect = Callable[[ZhibuContext], Awaitable[Any]]


@dataclass
class Work:
    update: Update
    context: ZhibuContext
    session: AsyncSession
    actor: Actor
    locale: str
    now: datetime
    effects: list[Effect] = field(default_factory=list)
    answered: bool = False

    @property
    def deps(self) -> Deps:
        return self.context.deps

    @property
    def today(self) -> date:
        """Today in local time (Asia/Shanghai by default): what "今天" and due dates mean."""
        return self.now.astimezone(self.deps.timezone).date()

    @property
    def chat_id(self) -> int:
        return self.update.effective_chat.id

    def text(self, template: str, **values: Any) -> str:
        return self.deps.renderer.render(template, self.locale, **values)

    def string(self, key: str, **values: Any) -> str:
        return self.deps.renderer.string(key, self.locale, **values)

    def reply(self, template: str, *, buttons: Buttons | None = None, **values: Any) -> None:
        """Send ``template`` to this chat in the person's language, after the commit. (Notices to
        other people go through the outbox: see domain.notices.)"""
        text = self.text(template, **values)
        chat_id = self.chat_id
        self.effects.append(lambda ctx: send(ctx, chat_id, text, buttons))

    def edit(self, template: str, *, buttons: Buttons | None = None, **values: Any) -> None:
        """Replace the pressed message's text (after commit)."""
        text = self.text(template, **values)
        message = self.update.effective_message
        self.effects.append(lambda ctx: edit(ctx, message.chat_id, message.message_id, text, buttons))

    def answer(self, key: str | None = None, *, alert: bool = False, **values: Any) -> None:
        """Answer the pressed button, optionally with a short toast; Telegram takes one answer per press,
        so the first one given stands. It is sent before the other effects, however late it is given:
        the button spins until it is answered."""
        query = self.update.callback_query
        if query is None or self.answered:
            return
        self.answered = True
        text = self.string(key, **values) if key else None
        self.effects.insert(0, lambda ctx: query.answer(text=text, show_alert=alert))

    def later(self, effect: Effect) -> None:
        self.effects.append(effect)


Step = Callable[[Work], Awaitable[None]]


def unit_of_work(step: Step | None = None, *, on_repeat: Step | None = None):
    """Wrap a step as a PTB callback running in one transaction that also claims the update id.

    A re-delivered update (its id already claimed) changes nothing; ``on_repeat`` may re-send the
    current prompt, since the first reply may have been lost with the process that sent it.
    Use as ``@unit_of_work`` or ``@unit_of_work(on_repeat=...)``.
    """
    if step is None:
        return functools.partial(unit_of_work, on_repeat=on_repeat)

    @functools.wraps(step)
    async def callback(update: Update, context: ZhibuContext) -> None:
        deps = context.deps
        now = deps.clock.now()
        async with deps.sessions() as session, session.begin():
            first = await updates.claim(session, update.update_id, at=now)
            if not first:
                log.info("update %s was applied before; not applying it again", update.update_id)
            user = update.effective_user
            actor = await people.actor_for(session, user.id) if user else Actor(telegram_user_id=0)
            if actor.unreachable and update.effective_chat and update.effective_chat.type == "private":
                await reminders.mark_reachable(session, telegram_user_id=user.id, now=now)
            # The department's language until the person picks one with /lang. A client's language_code
            # is not a choice: Telegram has no official Chinese interface, so most Chinese clients say "en".
            locale = normalise_locale(actor.locale, deps.default_locale)
            work = Work(update, context, session, actor, locale, now)
            if update.callback_query and update.effective_chat is None:
                work.answer("stale", alert=True)  # a press on no message of ours (inline, or forged)
            elif first:
                await step(work)
            elif on_repeat is not None:
                await on_repeat(work)
            elif update.callback_query:
                work.answer()
        for effect in work.effects:
            await effect(context)

    return callback


def keyboard(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in buttons]
    )


async def send(context: ZhibuContext, chat_id: int, text: str, buttons: Buttons | None = None) -> int:
    """Send HTML text, split at Telegram's length limit; buttons go on the last part, whose id is returned."""
    parts = split_text(text)
    message_id = 0
    for i, part in enumerate(parts):
        markup = keyboard(buttons) if i == len(parts) - 1 else None
        sent = await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup,
                                              disable_web_page_preview=True)  # fmt: skip
        message_id = sent.message_id
    return message_id


async def edit(context: ZhibuContext, chat_id: int, message_id: int, text: str, buttons: Buttons | None) -> None:
    try:
        await context.bot.edit_message_text(split_text(text)[0], chat_id=chat_id, message_id=message_id,
                                            parse_mode=ParseMode.HTML, reply_markup=keyboard(buttons),
                                            disable_web_page_preview=True)  # fmt: skip
    except BadRequest as exc:  # pressing the same button twice leaves the text as it is
        if "not modified" not in str(exc).lower():
            raise


def split_text(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split at line breaks so each part fits, never inside a tag or an entity (templates.parts)."""
    return split_html(text, limit)
