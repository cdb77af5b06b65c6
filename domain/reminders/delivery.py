"""Delivering one outbox row: whether it goes out, to whom and in which language, and what its outcome
means. The dispatcher in bot/ claims rows, renders them and calls Telegram; every decision is here.

Before the call (``prepare``): a recipient who blocked the bot is not written to; a reminder is
re-read as things stand now (``current.at_send``: withdrawn when its reason is gone or the recipient
no longer holds the role, re-worded with today's days left); an older version of a live board is
superseded by a newer one and edits the board's message in place; the language is the person's,
else the chat's, else the department's default; a snoozable reminder gets its snooze button.

After the call (``record``): sent (message id and time kept, the board points at it); refused for
good (failed, or unreachable and the person marked so, their committee group told); or tried again
later (Telegram's RetryAfter as asked, network errors with exponential backoff up to MAX_ATTEMPTS).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.reminders.current import at_send
from domain.reminders.reachability import mark_unreachable
from storage.models import Chat, LiveBoard, OutboxMessage, OutboxStatus, Person

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # network errors before a row is given up as failed
SNOOZE_LABEL = "reminder.btn.snooze"


@dataclass
class Delivery:
    """What to send for one row, or why not (``skip`` with its ``reason``). Labels are string keys."""

    locale: str = ""
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # rows of (label key, data)
    edit_message_id: int | None = None  # a live board already posted: edit it in place
    skip: OutboxStatus | None = None
    reason: str | None = None


@dataclass
class Outcome:
    """What Telegram made of the call, as the dispatcher read it."""

    status: OutboxStatus
    message_id: int | None = None
    error: str | None = None
    retry_in: float | None = None  # stays pending, tried again after this many seconds
    count_attempt: bool = False  # a network error: counts toward MAX_ATTEMPTS, with backoff
    blocked: bool = False  # the person blocked the bot
    board_gone: bool = False  # the board's message was deleted: post it again


async def prepare(session: AsyncSession, row: OutboxMessage, *, now: datetime, tz: tzinfo,
                  default_locale: str) -> Delivery:  # fmt: skip
    """Decide what to send for ``row`` now; may update its values and snooze flag to what is sent."""
    person = await session.get(Person, row.person_id) if row.person_id else None
    if person is not None and person.unreachable_since is not None:
        return Delivery(skip=OutboxStatus.unreachable, reason="recipient blocked the bot")
    current = await at_send(session, row, now=now, tz=tz)
    if current.withdrawn is not None:
        return Delivery(skip=OutboxStatus.cancelled, reason=current.withdrawn)
    if current.values is not None:  # told as things stand now; the row records what was sent
        row.values = current.values
    if current.snoozable is not None:
        row.snoozable = current.snoozable
    delivery = Delivery()
    if row.board_key is not None:
        newer = await session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.board_key == row.board_key, OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.id > row.id).limit(1))  # fmt: skip
        if newer is not None:
            return Delivery(skip=OutboxStatus.cancelled, reason="superseded by a newer version of the board")
        board = await session.scalar(select(LiveBoard).where(LiveBoard.key == row.board_key))
        delivery.edit_message_id = board.message_id if board else None
    chat = await session.get(Chat, row.chat_id)
    delivery.locale = (person.locale if person else None) or (chat.locale if chat else None) or default_locale
    delivery.buttons = [[(b["label"], b["data"]) for b in r] for r in (row.buttons or [])]
    if row.snoozable and row.person_id is not None:
        delivery.buttons.append([(SNOOZE_LABEL, f"snz:{row.id}")])
    return delivery


async def record(session: AsyncSession, row: OutboxMessage, outcome: Outcome, *, now: datetime, tz: tzinfo) -> None:
    """Keep what happened to ``row`` (in the transaction the caller commits)."""
    row.last_error = outcome.error
    if outcome.status is OutboxStatus.sent:
        row.status, row.sent_at, row.message_id = OutboxStatus.sent, now, outcome.message_id
        if row.board_key is not None:
            await session.execute(update(LiveBoard).where(LiveBoard.key == row.board_key)
                                  .values(message_id=outcome.message_id, updated_at=now))  # fmt: skip
        return
    if outcome.status is not OutboxStatus.pending:
        row.status = outcome.status
        if outcome.blocked and row.person_id is not None:
            await mark_unreachable(session, person_id=row.person_id, now=now, tz=tz)
        return
    if outcome.board_gone:
        await session.execute(update(LiveBoard).where(LiveBoard.key == row.board_key).values(message_id=None))
    retry_in = outcome.retry_in
    if outcome.count_attempt:
        row.attempts += 1
        if row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.failed
            log.error("outbox row %s (%s) failed after %s attempts: %s", row.id, row.key, row.attempts,
                      outcome.error)  # fmt: skip
            return
        retry_in = min(2.0**row.attempts, 3600.0)
        log.warning("outbox row %s: %s; retrying in %.0f s", row.id, outcome.error, retry_in)
    row.next_attempt_at = now + timedelta(seconds=retry_in or 0)
