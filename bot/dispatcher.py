"""The dispatcher: drains the outbox within Telegram's limits and records what it sent.

One sender per database. On PostgreSQL the process holding a session-level advisory lock (on a
connection of its own) sends, and each row is also claimed with SELECT … FOR UPDATE SKIP LOCKED in
a transaction that stays open over its HTTP call and records the outcome before committing. On
SQLite the process holding the ``outbox-sender`` lease row (domain.kernel.leases) sends: one
process by design, but nothing stops a second from opening the same file (a CLI, a restart before
the old process ended). The lease lasts ``LEASE`` and is renewed as the sender goes; a process
that stops hands it back, and one that died (its pid gone on this host: an SQLite file is local)
loses it at once. Rows are claimed in process and their outcome written in a transaction of its
own right after the call.

A row is claimed only once the rate limiter admitted it, right before its HTTP call. A process
killed before the call leaves the row pending and the next sender sends it: nothing is lost. The
one window that cannot be closed: Telegram accepted a message and the process died before the
row was marked sent; the row is sent again. Telegram offers no idempotency key, so "at most once"
and "at least once" cannot both hold across a crash; we choose at least once, in a window of a
few milliseconds per crash.

What to send, to whom, in which language, and what an outcome means is the domain's
(``domain.reminders.delivery``: blocked recipients, reminders re-read at send time, superseded board
versions, retries and backoff); here rows are claimed, rendered, sent within the limits and Telegram's
answer read into an ``Outcome``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import or_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.ratelimit import Busy, Reservation, SlidingWindowRateLimiter
from domain.kernel import leases, workdays
from domain.kernel.clock import Clock
from domain.reminders import delivery
from domain.reminders.delivery import Outcome
from storage.models import OutboxMessage, OutboxStatus
from templates import Renderer
from templates.parts import split_html

log = logging.getLogger(__name__)

CONCURRENCY = 8  # requests in flight at once; 30/s needs only a few unless Telegram is slow
BATCH = 200  # candidate rows read per pass
LOCK_KEY = 7_252_019_460_418_101  # pg advisory lock: "the outbox sender of this database"
LEADER_RETRY = 2.0  # seconds between a follower's attempts to take over
LEASE_NAME = "outbox-sender"  # SQLite: the lease row of the one sender
LEASE = timedelta(seconds=30)  # renewed once a third of it has passed
TRUNCATED = "\n…"  # ends a notice too long for one message


@dataclass
class Plan:
    """The rendered message for one claimed row (or why not to send it)."""

    text: str = ""
    markup: InlineKeyboardMarkup | None = None
    edit_message_id: int | None = None
    skip: OutboxStatus | None = None
    reason: str | None = None


def hydrate(values: Any) -> Any:
    """Plain JSON back to what templates format: ``*_on`` keys to dates, ``*_at`` to datetimes."""
    if isinstance(values, dict):
        out = {}
        for key, value in values.items():
            if isinstance(value, str) and key.endswith("_on"):
                value = date.fromisoformat(value)
            elif isinstance(value, str) and key.endswith("_at"):
                value = datetime.fromisoformat(value)
            else:
                value = hydrate(value)
            out[key] = value
        return out
    if isinstance(values, list):
        return [hydrate(v) for v in values]
    return values


class Dispatcher:
    def __init__(self, *, bot: Bot, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
                 renderer: Renderer, clock: Clock, limiter: SlidingWindowRateLimiter, tz: tzinfo,
                 default_locale: str = "zh", concurrency: int = CONCURRENCY, poll_interval: float = 1.0) -> None:  # fmt: skip
        self.bot, self.engine, self.sessions = bot, engine, sessions
        self.renderer, self.clock, self.limiter, self.tz = renderer, clock, limiter, tz
        self.default_locale, self.poll_interval = default_locale, poll_interval
        self.concurrency = concurrency
        self.pg = engine.dialect.name == "postgresql"
        self._tasks: set[asyncio.Task] = set()
        self._in_flight: set[int] = set()
        self._busy_chats: set[int] = set()
        self._slots: asyncio.Semaphore | None = None
        self._pass_lock: asyncio.Lock | None = None
        self._wake: asyncio.Event | None = None
        self._runner: asyncio.Task | None = None
        self._stopping = False
        self._leader: AsyncConnection | None = None
        self._last_leader_try = -LEADER_RETRY
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"  # this sender, in the lease
        self._lease_until: datetime | None = None
        self.on_sent: Callable[[int], None] | None = None  # benchmarks count deliveries

    # -- life cycle ------------------------------------------------------------------------------

    def _primitives(self) -> None:
        if self._pass_lock is None:
            self._slots = asyncio.Semaphore(self.concurrency)
            self._pass_lock, self._wake = asyncio.Lock(), asyncio.Event()

    async def start(self) -> None:
        self._primitives()
        self._stopping = False
        self._runner = asyncio.create_task(self._run(), name="outbox-dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self.wake()
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=15)
        if self._leader is not None:
            await self._leader.close()
            self._leader = None
        if self._lease_until is not None:
            self._lease_until = None
            try:
                async with self.sessions() as session, session.begin():
                    await leases.give_up(session, LEASE_NAME, holder=self.holder)
            except Exception:  # it runs out by itself
                log.exception("could not hand back the dispatcher lease")

    def wake(self) -> None:
        """Look at the outbox now (something was just written) instead of at the next poll."""
        if self._wake is not None:
            self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._pass()
            except Exception:
                log.exception("dispatcher pass failed; trying again")
            await self._idle(self.poll_interval)

    async def _idle(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    async def drain(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Send everything due now and wait for the answers (tests, benchmarks, the CLI)."""
        self._primitives()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            started, deferred = await self._pass()
            if not started and not deferred and not self._tasks:
                return
            if loop.time() > deadline:
                raise TimeoutError(f"outbox not drained after {timeout}s ({len(self._tasks)} in flight)")
            await self._idle(0.05)

    # -- leadership ------------------------------------------------------------------------------

    async def _lead(self) -> bool:
        """Whether this process is the sender: it holds the lease (SQLite) or the advisory lock (PostgreSQL)."""
        if not self.pg:
            return await self._lease()
        if self._leader is not None:
            if not self._leader.closed and not self._leader.invalidated:
                return True
            log.warning("dispatcher lost its lock connection; no longer sending")
            self._leader = None
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_leader_try < LEADER_RETRY:
            return False
        self._last_leader_try = loop.time()
        conn = await self.engine.connect()
        try:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            if await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}):
                log.info("dispatcher: leading, sending the outbox (pid %s)", os.getpid())
                self._leader = conn
                return True
        except Exception:
            log.exception("could not ask for the dispatcher lock")
        await conn.close()
        return False

    async def _lease(self) -> bool:
        """SQLite: take or renew the sender's lease row (renewed once a third of it has passed)."""
        now = self.clock.now()
        if self._lease_until is not None and now < self._lease_until - LEASE * 2 / 3:
            return True
        loop = asyncio.get_running_loop()
        if self._lease_until is None and loop.time() - self._last_leader_try < LEADER_RETRY:
            return False
        self._last_leader_try = loop.time()
        try:
            async with self.sessions() as session, session.begin():
                held = await leases.take(session, LEASE_NAME, holder=self.holder, now=now, until=now + LEASE)
                if not held:
                    other = await leases.holder_of(session, LEASE_NAME)
                    if other is not None and _gone(other):
                        held = await leases.take_from(session, LEASE_NAME, holder=self.holder, previous=other,
                                                      until=now + LEASE)  # fmt: skip
        except Exception:
            log.exception("could not take the dispatcher lease")
            held = False
        if held and self._lease_until is None:
            log.info("dispatcher: leading, sending the outbox (pid %s)", os.getpid())
        elif not held and self._lease_until is not None:
            log.warning("dispatcher lost its lease; no longer sending")
        self._lease_until = now + LEASE if held else None
        return held

    # -- one pass over what is due ---------------------------------------------------------------------

    async def _pass(self) -> tuple[int, int]:
        """Start sending every due row the limits admit now; (started, deferred for a busy chat)."""
        async with self._pass_lock:
            if self._stopping or not await self._lead():
                return 0, 0
            started = deferred = 0
            for row_id, chat_id in await self._due(self.clock.now()):
                if self._stopping or not await self._lead():  # a long pass renews the lease as it goes
                    break
                if chat_id in self._busy_chats:
                    deferred += 1
                    continue
                await self._slots.acquire()
                reservation = await self._admit(chat_id)
                if reservation is None:
                    self._slots.release()
                    deferred += 1
                    continue
                self._in_flight.add(row_id)
                self._busy_chats.add(chat_id)
                task = asyncio.create_task(self._deliver(row_id, chat_id, reservation))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started += 1
            return started, deferred

    async def _due(self, now: datetime) -> list[tuple[int, int]]:
        query = select(OutboxMessage.id, OutboxMessage.chat_id).where(
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.not_before <= now,
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
        )
        if workdays.in_quiet_hours(now, self.tz):
            query = query.where(OutboxMessage.bypass_quiet.is_(True))
        if self._in_flight:
            query = query.where(OutboxMessage.id.not_in(list(self._in_flight)))
        query = query.order_by(OutboxMessage.not_before, OutboxMessage.id).limit(BATCH)
        async with self.sessions() as session, session.begin():
            return [(row_id, chat_id) for row_id, chat_id in (await session.execute(query)).all()]

    async def _admit(self, chat_id: int) -> Reservation | None:
        """Wait for the bot's budget; None when this chat's own window is full (try it later)."""
        while not self._stopping:
            result = self.limiter.try_reserve(chat_id)
            if not isinstance(result, Busy):
                return result
            if result.scope == "chat":
                return None
            await self.limiter.changed(result.wait)
        return None

    # -- one row ------------------------------------------------------------------------------------

    async def _deliver(self, row_id: int, chat_id: int, reservation: Reservation) -> None:
        try:
            if self.pg:
                await self._deliver_locked(row_id, reservation)
            else:
                await self._deliver_in_process(row_id, reservation)
        except Exception:
            log.exception("outbox row %s: delivery failed unexpectedly; it stays pending", row_id)
        finally:
            reservation.release()
            self._in_flight.discard(row_id)
            self._busy_chats.discard(chat_id)
            self._slots.release()
            self.wake()

    async def _deliver_locked(self, row_id: int, reservation: Reservation) -> None:
        """PostgreSQL: the row stays locked from the claim, over the call, to the recorded outcome."""
        async with self.sessions() as session, session.begin():
            row = await session.scalar(select(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.pending)
                .with_for_update(skip_locked=True))  # fmt: skip
            if row is None:
                return  # sent or claimed by another sender meanwhile
            plan = await self._plan(session, row)
            outcome = await self._call(row, plan, reservation)
            await self._record(session, row, outcome)

    async def _deliver_in_process(self, row_id: int, reservation: Reservation) -> None:
        """SQLite: read, call, then record in a transaction of its own (no lock held over the call)."""
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status is not OutboxStatus.pending:
                return
            plan = await self._plan(session, row)
        outcome = await self._call(row, plan, reservation)
        async with self.sessions() as session, session.begin():
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status is not OutboxStatus.pending:
                log.error("outbox row %s changed while it was being sent", row_id)
                return
            await self._record(session, row, outcome)

    async def _plan(self, session: AsyncSession, row: OutboxMessage) -> Plan:
        """Render what the domain decided to send (``delivery.prepare``)."""
        decided = await delivery.prepare(session, row, now=self.clock.now(), tz=self.tz,
                                         default_locale=self.default_locale)  # fmt: skip
        if decided.skip is not None:
            return Plan(skip=decided.skip, reason=decided.reason)
        try:
            text = one_message(self.renderer.render(row.template, decided.locale, **hydrate(row.values)))
        except Exception as exc:  # a bad template or values never renders: give the row up, not the outbox
            log.exception("outbox row %s (%s) cannot be rendered", row.id, row.key)
            return Plan(skip=OutboxStatus.failed, reason=f"render: {type(exc).__name__}: {exc}")
        markup = None
        if decided.buttons:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(self.renderer.string(label, decided.locale),
                                                                 callback_data=data) for label, data in r]
                                           for r in decided.buttons])  # fmt: skip
        return Plan(text, markup, decided.edit_message_id)

    async def _call(self, row: OutboxMessage, plan: Plan, reservation: Reservation) -> Outcome:
        if plan.skip is not None:
            return Outcome(plan.skip, error=plan.reason)
        options = {"reservation": reservation}
        try:
            if plan.edit_message_id is not None:
                try:
                    message = await self.bot.edit_message_text(plan.text, chat_id=row.chat_id,
                                                               message_id=plan.edit_message_id,
                                                               parse_mode=ParseMode.HTML, reply_markup=plan.markup,
                                                               disable_web_page_preview=True,
                                                               rate_limit_args=options)  # fmt: skip
                except BadRequest as exc:
                    if "not modified" in str(exc).lower():
                        return Outcome(OutboxStatus.sent, message_id=plan.edit_message_id)
                    if "not found" in str(exc).lower():  # someone deleted the board: post it again
                        return Outcome(OutboxStatus.pending, error=str(exc), retry_in=0, board_gone=True)
                    raise
                message_id = plan.edit_message_id if message is True else message.message_id
            else:
                message = await self.bot.send_message(row.chat_id, plan.text, parse_mode=ParseMode.HTML,
                                                      reply_markup=plan.markup, disable_web_page_preview=True,
                                                      rate_limit_args=options)  # fmt: skip
                message_id = message.message_id
        except Forbidden as exc:
            return Outcome(OutboxStatus.unreachable if row.chat_id > 0 else OutboxStatus.failed, error=str(exc),
                           blocked=row.chat_id > 0)  # fmt: skip
        except RetryAfter as exc:
            seconds = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else exc.retry_after
            return Outcome(OutboxStatus.pending, error=str(exc), retry_in=float(seconds))
        except BadRequest as exc:
            log.error("outbox row %s (%s) refused for good: %s", row.id, row.key, exc)
            return Outcome(OutboxStatus.failed, error=str(exc))
        except (NetworkError, TelegramError) as exc:
            return Outcome(OutboxStatus.pending, error=f"{type(exc).__name__}: {exc}", count_attempt=True)
        return Outcome(OutboxStatus.sent, message_id=message_id)

    async def _record(self, session: AsyncSession, row: OutboxMessage, outcome: Outcome) -> None:
        await delivery.record(session, row, outcome, now=self.clock.now(), tz=self.tz)
        if outcome.status is OutboxStatus.sent and self.on_sent is not None:
            self.on_sent(row.id)


def one_message(text: str) -> str:
    """``text`` cut to one message (a row is one message: a board is edited in place), at a line break
    and never inside a tag or an entity, with "…" to say that more was cut."""
    if len(text) <= MessageLimit.MAX_TEXT_LENGTH:
        return text
    return split_html(text, MessageLimit.MAX_TEXT_LENGTH - len(TRUNCATED))[0] + TRUNCATED


def _gone(holder: str) -> bool:
    """Whether the process named in a lease has ended: one on this host whose pid no longer runs."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists and belongs to someone else
        return False
    return False
