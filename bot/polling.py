"""Long polling that confirms an update to Telegram only after its effect is committed.

Telegram forgets an update once getUpdates is called with a higher offset. PTB's Updater raises
the offset as soon as updates are fetched, so a kill between fetching and handling loses them. Here
updates are handed to ``Lanes`` as they are fetched (one chat's in order, different chats at once)
and the offset confirms only the unbroken run of updates already handled: a slow update holds back
the confirmation of those after it, never their handling. After a crash Telegram sends the
unconfirmed updates again and the processed-update ids make the repeats harmless.

While an update is being handled, getUpdates with the confirmed offset answers at once (with that
update among the new ones), so instead of a long poll the poller asks again every ``REFETCH``
seconds, and takes only the updates it does not have yet.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

from bot.lanes import Lanes

log = logging.getLogger(__name__)

REFETCH = 0.25  # seconds between fetches while updates are being handled
WINDOW = 100  # updates fetched and not yet confirmed, at most (one getUpdates hands out 100)
STOP_GRACE = 30.0  # seconds an update under way may take to finish when the bot stops


async def poll(application: Application, *, long_poll_seconds: int, stop: asyncio.Event) -> None:
    """Fetch, handle and confirm updates until ``stop`` is set."""
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    lanes = Lanes(application)
    window: dict[int, asyncio.Task] = {}  # fetched and not yet confirmed: update id → its handling
    offset: int | None = None
    backoff = 1.0
    stopping = asyncio.ensure_future(stop.wait())
    while not stop.is_set():
        if window:
            await asyncio.wait(set(window.values()), timeout=REFETCH)
            offset = _confirmable(window, offset)
            if stop.is_set() or len(window) >= WINDOW:
                continue
        fetch = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=0 if window else long_poll_seconds,
                                                      allowed_updates=Update.ALL_TYPES,
                                                      read_timeout=long_poll_seconds + 10))  # fmt: skip
        await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not fetch.done():  # stopping: an unanswered long poll confirms nothing, so drop it
            fetch.cancel()
            await asyncio.gather(fetch, return_exceptions=True)
            break
        try:
            batch = fetch.result()
        except RetryAfter as exc:
            await _sleep(stop, float(exc.retry_after if isinstance(exc.retry_after, int | float) else 5))
            continue
        except (NetworkError, TimedOut) as exc:
            log.warning("getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        backoff = 1.0
        for update in batch:
            if update.update_id not in window:  # those under way come again until confirmed
                window[update.update_id] = lanes.submit(update)
        offset = _confirmable(window, offset)
    stopping.cancel()
    await lanes.wait(STOP_GRACE)
    offset = _confirmable(window, offset)
    if offset is not None:  # confirm what was handled so a clean restart does not see it again
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except Exception:  # shutting down: the ids make a repeat harmless anyway
            log.warning("could not confirm the last updates on shutdown")


def _confirmable(window: dict[int, asyncio.Task], offset: int | None) -> int | None:
    """Drop the unbroken run of handled updates from the window; the offset that confirms them."""
    for update_id in sorted(window):
        if not window[update_id].done():
            break
        del window[update_id]
        offset = max(offset or 0, update_id + 1)
    return offset


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
