"""Long polling that confirms an update to Telegram only after its effect is committed.

Telegram forgets an update once getUpdates is called with a higher offset. PTB's Updater raises
the offset as soon as updates are fetched, so a kill between fetching and handling loses them. Here
a batch is fully handled (committed and replied to) before the next call confirms it; after a
crash Telegram sends the batch again and the processed-update ids make the repeats harmless.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TimedOut
from telegram.ext import Application

log = logging.getLogger(__name__)


async def poll(application: Application, *, long_poll_seconds: int, stop: asyncio.Event) -> None:
    """Fetch, handle and confirm updates until ``stop`` is set."""
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    backoff = 1.0
    stopping = asyncio.ensure_future(stop.wait())
    while not stop.is_set():
        fetch = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=long_poll_seconds,
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
        if batch:
            await handle_batch(application, batch)
            offset = batch[-1].update_id + 1
    if offset is not None:  # confirm the last batch so a clean restart does not see it again
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except Exception:  # shutting down: the ids make a repeat harmless anyway
            log.warning("could not confirm the last batch on shutdown")


async def handle_batch(application: Application, batch: list[Update]) -> None:
    """Handle one user's updates in order, different users concurrently."""
    lanes: dict[int | None, list[Update]] = defaultdict(list)
    for update in batch:
        chat = update.effective_chat
        lanes[chat.id if chat else None].append(update)

    async def run(lane: list[Update]) -> None:
        for update in lane:
            await application.process_update(update)

    await asyncio.gather(*(run(lane) for lane in lanes.values()))


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
