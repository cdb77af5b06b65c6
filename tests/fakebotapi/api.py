"""FakeBotAPI: start the fake server, make users and groups, and synchronise with the bot."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from typing import Any

import tornado.httpserver
import tornado.netutil

from .actors import FakeGroup, FakeUser
from .models import Call, Limits, SentMessage, StoredFile
from .server import WebhookSender, make_app
from .state import BotState

DEFAULT_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
RECHECK_INTERVAL = 0.02


class FakeBotAPI:
    """An in-process Telegram Bot API on 127.0.0.1; use as ``async with FakeBotAPI() as api``."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "zhibu_test_bot",
        bot_first_name: str = "支部助手",
        *,
        limits: Limits | None = None,
        webhook_retry_delay: float = 0.05,
        webhook_max_tries: int = 1000,
        webhook_timeout: float = 10.0,
    ):
        self.state = BotState(token, bot_username, bot_first_name, limits)
        self.webhook_sender = WebhookSender(
            self.state, webhook_retry_delay, webhook_max_tries, webhook_timeout
        )
        self.port: int | None = None
        self._server: tornado.httpserver.HTTPServer | None = None
        self._sender_task: asyncio.Task | None = None
        self._settle_conditions: list[tuple[str, Callable[[], bool]]] = []

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> FakeBotAPI:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self._server = tornado.httpserver.HTTPServer(make_app(self.state))
        self._server.add_sockets(sockets)
        self._sender_task = asyncio.create_task(self.webhook_sender.run())
        return self

    async def stop(self) -> None:
        self.state.closed = True
        for gate in self.state.holds.values():  # let held requests finish so the server can stop
            gate.set()
        self.state.notify()  # long polls answer [] and the webhook sender exits
        if self._sender_task:
            self._sender_task.cancel()
            await asyncio.gather(self._sender_task, return_exceptions=True)
        if self._server:
            self._server.stop()
            await asyncio.sleep(0)  # let the woken handlers write their responses
            await self._server.close_all_connections()

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.stop()
        if exc_type is None and self.state.server_errors:
            raise AssertionError(
                "the fake Bot API crashed:\n" + "\n".join(self.state.server_errors)
            )

    # -- identity ------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """Pass to PTB as base_url; PTB appends the token and the method."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """Pass to PTB as base_file_url."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    token = property(lambda self: self.state.token)
    bot_id = property(lambda self: self.state.bot_id)
    bot_username = property(lambda self: self.state.bot_username)

    # -- actors ----------------------------------------------------------------------------

    def user(
        self,
        first_name: str,
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = None,
        user_id: int | None = None,
    ) -> FakeUser:
        """A new user with a private chat; ids are assigned automatically unless given."""
        user: dict[str, Any] = {
            "id": user_id if user_id is not None else self.state.next_user_id(),
            "is_bot": False,
            "first_name": first_name,
        }
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return FakeUser(self, user)

    def group(
        self, title: str, *, supergroup: bool = False, chat_id: int | None = None
    ) -> FakeGroup:
        """A group the bot is not yet in; ``await group.add_bot(by=user)`` to join."""
        return FakeGroup(self, title, supergroup, chat_id)

    # -- what the bot did ----------------------------------------------------------------------

    @property
    def requests(self) -> list[Call]:
        return self.state.requests

    def calls(self, method: str | None = None) -> list[Call]:
        """Requests of one method (all but getUpdates when None)."""
        if method is None:
            return [c for c in self.state.requests if c.method != "getUpdates"]
        return [c for c in self.state.requests if c.method == method]

    @property
    def sent(self) -> list[SentMessage]:
        return list(self.state.sent)

    @property
    def count_429(self) -> int:
        return self.state.count_429

    @property
    def uploaded_files(self) -> list[StoredFile]:
        return list(self.state.files.values())

    def file_bytes(self, file_id: str) -> bytes | None:
        stored = self.state.files.get(file_id)
        return stored.data if stored else None

    @property
    def pending_updates(self) -> list[dict]:
        return list(self.state.pending)

    @property
    def webhook_url(self) -> str | None:
        return self.state.webhook.url if self.state.webhook else None

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict] | None:
        """Commands currently set for exactly this scope and language, or None if unset."""
        key = (self.state.scope_key(scope), language_code or "")
        found = self.state.commands.get(key)
        return copy.deepcopy(found) if found is not None else None

    # -- updates ---------------------------------------------------------------------------

    async def inject(self, update: dict) -> dict:
        """Queue a raw update; it gets a fresh update_id unless it carries one."""
        return self.state.enqueue(copy.deepcopy(update))

    async def redeliver(self, update: dict) -> dict:
        """Queue the very same update again (same update_id), as Telegram does after a crash."""
        if "update_id" not in update:
            raise ValueError("redeliver() needs an update that has an update_id")
        return self.state.enqueue(copy.deepcopy(update))

    def on_message(self, listener: Callable[[SentMessage], Any]) -> None:
        """Call ``listener`` with every new message the bot sends (cheap, for load drivers)."""
        self.state.message_listeners.append(listener)

    # -- holding requests at the door -------------------------------------------------------

    def hold(self, method: str) -> None:
        """Keep requests of ``method`` waiting, unanswered and unrecorded, until ``release``."""
        self.state.holds.setdefault(method, asyncio.Event())

    def release(self, method: str) -> None:
        """Let held requests of ``method`` through, and stop holding it."""
        gate = self.state.holds.pop(method, None)
        if gate is not None:
            gate.set()

    def held(self, method: str) -> int:
        """How many requests of ``method`` are waiting at the door."""
        return self.state.held.count(method)

    # -- a slow Telegram ---------------------------------------------------------------------

    def delay(self, method: str, seconds: float | None) -> None:
        """Answer every request of ``method`` only after ``seconds`` (None or 0: promptly again).

        Unlike ``hold``, the request has reached Telegram: it is recorded and counts as in flight.
        """
        if seconds:
            self.state.delays[method] = float(seconds)
        else:
            self.state.delays.pop(method, None)

    # -- synchronisation -------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[FakeBotAPI], Any],
        timeout: float = 5.0,  # noqa: ASYNC109 (a deadline is the whole point here)
        what: str = "",
    ) -> Any:
        """Re-check ``predicate(api)`` after every change (request, update, ...) until truthy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self.state.change_event()
            result = predicate(self)
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    self._explain(
                        f"timed out after {timeout}s waiting for "
                        f"{what or getattr(predicate, '__name__', 'predicate')}"
                    )
                )
            try:
                # Also re-check now and then: predicates may watch state outside the fake.
                await asyncio.wait_for(event.wait(), min(remaining, RECHECK_INTERVAL))
            except TimeoutError:
                pass

    async def settled(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until every update so far was confirmed/delivered and no bot request is open."""
        try:
            await self.wait_for(lambda api: api._unsettled() is None, timeout, "settled")
        except AssertionError:
            reason = self._unsettled()
            raise AssertionError(self._explain(f"not settled after {timeout}s: {reason}")) from None

    def add_settle_condition(self, name: str, condition: Callable[[], bool]) -> None:
        """Make settled() also wait for ``condition()``, e.g. the bot's own queue being empty."""
        self._settle_conditions.append((name, condition))

    def watch_application(self, application: Any) -> None:
        """Make settled() exact for a stock PTB Application.

        PTB's Updater confirms an update as soon as it is queued, before any handler ran;
        PTB calls update_queue.task_done() only after processing, so wait for that too.
        """
        queue = application.update_queue
        self.add_settle_condition(
            "PTB update_queue has unprocessed updates",
            lambda: queue._unfinished_tasks == 0,  # asyncio.Queue exposes no public counter
        )

    def _unsettled(self) -> str | None:
        reasons = [self.state.unsettled_reason()]
        reasons += [name for name, condition in self._settle_conditions if not condition()]
        return "; ".join(r for r in reasons if r) or None

    def _explain(self, headline: str) -> str:
        state = self.state
        mode = f"webhook {state.webhook.url}" if state.webhook else "polling"
        lines = [
            f"FakeBotAPI {headline}",
            f"  mode: {mode}; last getUpdates offset: {state.last_offset}",
        ]
        if state.webhook and state.webhook.last_error_message:
            lines.append(f"  last webhook error: {state.webhook.last_error_message}")
        for update in state.pending[:5]:
            lines.append(f"  pending: {json.dumps(update, ensure_ascii=False)[:160]}")
        recent = [c for c in state.requests if c.method != "getUpdates"][-8:]
        polls = sum(1 for c in state.requests if c.method == "getUpdates")
        lines.append(f"  last requests ({polls} getUpdates calls not shown):")
        lines.extend(f"    {call!r}" for call in recent)
        if not recent:
            lines.append("    (none: is the bot running against this fake?)")
        return "\n".join(lines)
