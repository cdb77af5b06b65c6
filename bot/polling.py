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

An update python-telegram-bot cannot read (a message without its date, say) is logged with its
JSON and counted as handled, so the offset moves past it: left unconfirmed it would come back
after every restart and stop the bot each time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import warnings

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ExtBot
from telegram.warnings import PTBUserWarning

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
    window: dict[int, asyncio.Future] = {}  # fetched and not yet confirmed: update id → its handling
    offset: int | None = None
    backoff = 1.0
    stopping = asyncio.ensure_future(stop.wait())
    while not stop.is_set():
        if window:
            await asyncio.wait(set(window.values()), timeout=REFETCH)
            offset = _confirmable(window, offset)
            if stop.is_set() or len(window) >= WINDOW:
                continue
        fetch = asyncio.ensure_future(_fetch(bot, offset, 0 if window else long_poll_seconds,
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
        for update_id, update in batch:
            if update_id in window:  # those under way come again until confirmed
                continue
            if update is None:  # unreadable: nothing to handle, and confirmed with the others
                window[update_id] = skipped = asyncio.get_running_loop().create_future()
                skipped.set_result(None)
            else:
                window[update_id] = lanes.submit(update)
        offset = _confirmable(window, offset)
    stopping.cancel()
    await lanes.wait(STOP_GRACE)
    offset = _confirmable(window, offset)
    if offset is not None:  # confirm what was handled so a clean restart does not see it again
        try:
            await bot.get_updates(offset=offset, timeout=0, limit=1)
        except Exception:  # shutting down: the ids make a repeat harmless anyway
            log.warning("could not confirm the last updates on shutdown")


async def _fetch(bot: ExtBot, offset: int | None, long_poll: int, *,
                 read_timeout: float) -> list[tuple[int, Update | None]]:  # fmt: skip
    """The next updates as (update id, update), the update None where it cannot be read."""
    try:
        updates = await bot.get_updates(offset=offset, timeout=long_poll, allowed_updates=Update.ALL_TYPES,
                                        read_timeout=read_timeout)  # fmt: skip
        return [(update.update_id, update) for update in updates]
    except TelegramError:
        raise
    except Exception:  # one of them could not be read: fetch them again as JSON and read one by one
        pass
    with warnings.catch_warnings():  # PTB suggests get_updates, which reads the whole batch or none
        warnings.simplefilter("ignore", PTBUserWarning)
        raw = await bot.do_api_request("getUpdates", api_kwargs={"offset": offset, "timeout": 0,
                                                                 "allowed_updates": Update.ALL_TYPES})  # fmt: skip
    fetched = []
    for item in raw:
        update_id = item.get("update_id") if isinstance(item, dict) else None
        try:
            update = Update.de_json(item, bot)
        except Exception:
            log.exception("update %s cannot be read, skipped: %s", update_id, json.dumps(item, ensure_ascii=False))
            update = None
        if type(update_id) is int:
            fetched.append((update_id, update))
    return fetched


def _confirmable(window: dict[int, asyncio.Future], offset: int | None) -> int | None:
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
