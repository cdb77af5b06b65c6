"""Telegram's flood limits as exact sliding windows, shared by handlers' replies and the dispatcher.

About 30 messages a second per bot, 1 a second per chat, 20 a minute per group; edits count.
PTB's AIORateLimiter uses leaky buckets, which let a burst through that a strict sliding window
(Telegram's, and the fake Bot API's) rejects with 429. Here a request holds a slot from the moment
it is admitted until ``window`` seconds after its answer arrived: Telegram counts it at some
instant between the two, so however the network delays it, no window Telegram sees can hold more
than the limit. The price is the round trip (at 5 ms, 30 a second becomes 29.85).

Calls that send nothing to a chat (getUpdates, answerCallbackQuery, getMe, setMyCommands,
getChatMember, …) are not delayed.

Replies (a handler answering what a person just did) go ahead of bulk sends and are held neither
to one message a second within their chat nor to the bot's 30 a second: Telegram states the 30/s
for bulk notifications, tolerates short bursts in a conversation, and a hundred secretaries
answering at once must not queue behind each other. Replies still count in every window, so the
outbox only spends what they leave (and never sends into a chat right after a burst); a reply
right after a reminder to the same chat waits its second; and a group's 20 a minute, which
Telegram enforces strictly, holds replies too. Bulk sends (the dispatcher) keep to every window.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

EPSILON = 0.001  # wake a hair after a slot frees, never a hair before
LIMITED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")
UNLIMITED = frozenset({"sendChatAction"})


@dataclass(frozen=True)
class Limits:
    per_bot_per_second: int = 30
    per_chat_per_second: int = 1
    per_group_per_minute: int = 20


@dataclass
class Window:
    """Answers within the last ``seconds`` plus the requests still in flight, at most ``limit``."""

    limit: int
    seconds: float
    stamps: deque[float] = field(default_factory=deque)
    in_flight: int = 0

    def prune(self, now: float) -> None:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()

    def wait(self, now: float, count: int) -> float:
        """Seconds until ``count`` more fit (inf: only an answer in flight can free room)."""
        self.prune(now)
        if self.in_flight + count > self.limit:
            return math.inf
        excess = self.in_flight + len(self.stamps) + count - self.limit
        if excess <= 0:
            return 0.0
        return self.stamps[excess - 1] + self.seconds - now + EPSILON

    @property
    def idle(self) -> bool:
        return not self.in_flight and not self.stamps


class Busy(NamedTuple):
    wait: float  # seconds (inf: until an answer in flight arrives)
    scope: str  # "bot" (everything waits) or "chat" (only this chat does)


class Budget:
    """The pure bookkeeping of every window; time is passed in, so tests can drive it."""

    def __init__(self, limits: Limits = Limits()) -> None:
        self.limits = limits
        self.windows: dict[tuple, Window] = {("bot",): Window(limits.per_bot_per_second, 1.0)}
        self._releases = 0
        self._bulk_until: dict[int | str, float] = {}  # chat -> while a bulk send counts in its window

    def keys(self, chat_id: int | str | None) -> list[tuple]:
        keys: list[tuple] = [("bot",)]
        if chat_id is None:
            return keys
        keys.append(("chat", chat_id))
        if is_group(chat_id):
            keys.append(("group", chat_id))
        return keys

    def _window(self, key: tuple) -> Window:
        window = self.windows.get(key)
        if window is None:
            limit, seconds = ((self.limits.per_group_per_minute, 60.0) if key[0] == "group"
                              else (self.limits.per_chat_per_second, 1.0))  # fmt: skip
            window = self.windows[key] = Window(limit, seconds)
        return window

    def try_acquire(self, chat_id: int | str | None, count: int, now: float, *, burst: bool = False) -> Busy | None:
        """Take ``count`` slots in every window of ``chat_id`` (None), or say how long to wait.

        ``burst`` (a reply): not held to the bot's window nor its chat's one-a-second window (unless
        a bulk send went to that chat within the second), but counted in both.
        """
        keys = self.keys(chat_id)
        busy: Busy | None = None
        for key in keys:
            if burst and key == ("bot",):
                continue  # replies to people are not bulk notifications
            if burst and key[0] == "chat" and self._bulk_until.get(chat_id, 0.0) <= now:
                continue  # only replies in this chat's window: a short burst is tolerated
            wait = self._window(key).wait(now, count)
            if wait > 0 and (busy is None or wait > busy.wait):
                busy = Busy(wait, "bot" if key == ("bot",) else "chat")
        if busy is not None:
            return busy
        for key in keys:
            self._window(key).in_flight += count
        if not burst and chat_id is not None:
            self._bulk_until[chat_id] = math.inf
        return None

    def release(self, chat_id: int | str | None, count: int, now: float, *, burst: bool = False) -> None:
        """The answer arrived (or the attempt ended): the slots count from ``now`` for a window."""
        for key in self.keys(chat_id):
            window = self._window(key)
            window.in_flight -= count
            window.stamps.extend([now] * count)
        if not burst and chat_id is not None:
            self._bulk_until[chat_id] = now + self._window(("chat", chat_id)).seconds
        self._releases += 1
        if self._releases % 1000 == 0:
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, w in self.windows.items() if k != ("bot",)]:
            window = self.windows[key]
            window.prune(now)
            if window.idle:
                del self.windows[key]
        self._bulk_until = {c: t for c, t in self._bulk_until.items() if t > now}


def is_group(chat_id: int | str) -> bool:
    """Groups, supergroups and channels have negative ids (or an @username)."""
    return isinstance(chat_id, str) or chat_id < 0


def limited(endpoint: str) -> bool:
    return endpoint.startswith(LIMITED_PREFIXES) and endpoint not in UNLIMITED


class Reservation:
    """Admitted slots for one request; released when its answer arrives."""

    def __init__(self, limiter: SlidingWindowRateLimiter, chat_id: int | str | None, count: int, *,
                 burst: bool = False) -> None:  # fmt: skip
        self._limiter, self.chat_id, self.count, self.burst = limiter, chat_id, count, burst
        self._released = False

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._limiter._release(self)


class SlidingWindowRateLimiter(BaseRateLimiter[dict]):
    """``rate_limit_args`` may carry {"reservation": r} (slots the dispatcher already took) and
    {"max_retries": n}."""

    def __init__(self, limits: Limits = Limits(), *, max_retries: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.budget = Budget(limits)
        self.max_retries = max_retries
        self.clock = clock
        self.paused_until = 0.0
        self.retries_after = 0  # 429 answers seen: should stay 0
        self._interactive_waiting = 0
        self._changed: asyncio.Event | None = None

    async def initialize(self) -> None:
        self._changed = asyncio.Event()

    async def shutdown(self) -> None:
        pass

    # -- admission ---------------------------------------------------------------------------------

    def try_reserve(self, chat_id: int | str | None, count: int = 1) -> Reservation | Busy:
        """Bulk senders: slots now within every window, or how long to wait; replies go first."""
        now = self.clock()
        if self.paused_until > now:
            return Busy(self.paused_until - now, "bot")
        if self._interactive_waiting:
            return Busy(math.inf, "bot")
        busy = self.budget.try_acquire(chat_id, count, now)
        return busy if busy is not None else Reservation(self, chat_id, count)

    async def reserve(self, chat_id: int | str | None, count: int = 1) -> Reservation:
        """Wait for slots for a reply: ahead of bulk sends, a burst within its chat allowed."""
        self._interactive_waiting += 1
        try:
            while True:
                now = self.clock()
                if self.paused_until > now:
                    wait = self.paused_until - now
                else:
                    busy = self.budget.try_acquire(chat_id, count, now, burst=True)
                    if busy is None:
                        return Reservation(self, chat_id, count, burst=True)
                    wait = busy.wait
                await self.changed(wait)
        finally:
            self._interactive_waiting -= 1

    async def changed(self, timeout: float) -> None:  # noqa: ASYNC109
        """Sleep until a slot may have freed: an answer arrived, or ``timeout`` passed."""
        if self._changed is None:
            self._changed = asyncio.Event()
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), min(timeout, 1.0))
        except TimeoutError:
            pass

    def _release(self, reservation: Reservation) -> None:
        self.budget.release(reservation.chat_id, reservation.count, self.clock(), burst=reservation.burst)
        if self._changed is not None:
            self._changed.set()
            self._changed = asyncio.Event()

    def pause(self, seconds: float) -> None:
        """Telegram said RetryAfter: nothing is sent by this bot until it has passed."""
        self.retries_after += 1
        self.paused_until = max(self.paused_until, self.clock() + seconds)

    # -- PTB's hook ------------------------------------------------------------------------------

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if not limited(endpoint):
            return await callback(*args, **kwargs)
        options = rate_limit_args or {}
        chat_id = _chat_key(data.get("chat_id"))
        count = len(data.get("media") or ()) or 1 if endpoint == "sendMediaGroup" else 1
        reservation: Reservation | None = options.get("reservation")
        retries = options.get("max_retries", self.max_retries)
        for attempt in range(retries + 1):
            if reservation is None:
                reservation = await self.reserve(chat_id, count)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else float(exc.retry_after)
                self.pause(seconds)
                log.warning("Telegram asked %s to wait %.0f s (attempt %d)", endpoint, seconds, attempt + 1)
                if attempt >= retries:
                    raise
            finally:
                reservation.release()
                reservation = None
        raise AssertionError("unreachable")


def _chat_key(chat_id: Any) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)
