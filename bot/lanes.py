"""Updates handled as they arrive: one chat's in order, different chats at once, a bounded number running.

Polling and the webhook both hand updates to ``Lanes``. A slow update (a Bot API call that takes
seconds, a large file) then delays only the updates of its own chat; everyone else is answered
meanwhile. Each update gets a task that ends when it has been handled (committed and replied to,
or failed and reported by the error handler): the poller confirms an update to Telegram, and the
webhook releases it, only then.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)

RUNNING = 32  # updates handled at the same moment (each holds a database connection while it runs)


def lane_of(update: Update) -> Hashable:
    """One chat's updates are handled in the order Telegram numbered them."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None:
        return ("chat", chat.id)
    if user is not None:
        return ("user", user.id)
    return None


class Lanes:
    def __init__(self, application: Application, *, running: int = RUNNING) -> None:
        self.application = application
        self._slots = asyncio.Semaphore(running)
        self._tails: dict[Hashable, asyncio.Task] = {}
        self._tasks: set[asyncio.Task] = set()

    def submit(self, update: Update) -> asyncio.Task:
        """Handle ``update`` after the earlier updates of its chat; the task ends when it is handled."""
        key = lane_of(update)
        previous = self._tails.get(key)
        task = asyncio.create_task(self._handle(update, previous), name=f"update-{update.update_id}")
        self._tails[key] = task
        self._tasks.add(task)

        def done(finished: asyncio.Task) -> None:
            self._tasks.discard(finished)
            if self._tails.get(key) is finished:
                del self._tails[key]

        task.add_done_callback(done)
        return task

    async def _handle(self, update: Update, previous: asyncio.Task | None) -> None:
        if previous is not None:
            await asyncio.wait({previous})  # whatever became of it, this one comes next
        async with self._slots:
            try:
                await self.application.process_update(update)
            except Exception:  # process_update reports handler errors itself; this is anything else
                log.exception("update %s could not be handled", update.update_id)

    @property
    def busy(self) -> int:
        """Updates submitted and not yet handled."""
        return len(self._tasks)

    async def wait(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait for every update submitted so far (at most ``timeout`` seconds)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
