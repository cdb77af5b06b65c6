"""Buttons on reminders, and people who come back after blocking the bot."""

from __future__ import annotations

import logging

from telegram import InlineKeyboardMarkup

from domain import reminders
from handlers.callback_data import ID, parse
from handlers.deps import ZhibuContext
from handlers.work import Work, unit_of_work

log = logging.getLogger(__name__)


@unit_of_work
async def snooze(work: Work) -> None:
    """Put a reminder off to 09:00 on the next working day ("snz:<outbox id>"), if it is theirs to put off."""
    query = work.update.callback_query
    parsed = parse(query.data, "snz", ID)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    try:
        until = await reminders.snooze(work.session, outbox_id=parsed[0], person_id=work.actor.person_id,
                                       now=work.now, tz=work.deps.timezone, update_id=work.update.update_id)  # fmt: skip
    except reminders.SnoozeRefused as refused:
        work.answer(refused.problem.value, alert=True)
        return
    work.answer("reminder.snoozed", when=work.deps.renderer.format_datetime(until, "M月d日 HH:mm" if work.locale == "zh"
                                                                    else "d MMM HH:mm", work.locale))  # fmt: skip
    work.later(_drop_snooze_button(query))


def _drop_snooze_button(query):
    """The pressed reminder keeps its other buttons; snoozing twice is not offered."""

    async def effect(context: ZhibuContext) -> None:
        markup = query.message.reply_markup if query.message else None
        if markup is None:
            return
        rows = [[b for b in row if not (b.callback_data or "").startswith("snz:")] for row in markup.inline_keyboard]
        rows = [row for row in rows if row]
        try:
            await query.edit_message_reply_markup(InlineKeyboardMarkup(rows) if rows else None)
        except Exception:  # the toast already told them; a stale keyboard is harmless
            log.info("could not remove the snooze button", exc_info=True)

    return effect
