"""Several bots in webhook mode behind a forwarder that handles one chat's updates at the same time.

Telegram sends a bot's updates one after another, but behind a load balancer in front of several
processes (or with several connections) two updates of one chat are handled at once: the forwarder
takes each update from the fake Bot API, answers it at once, and posts it to the next bot in turn
without waiting for the one before. ``hold``/``release`` gather updates and post them together.

``row_locked`` (PostgreSQL) holds a row lock from outside the bots, so that updates delivered
together are all read and then all wait at the same write: the race made certain, not likely.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
import tornado.web
from sqlalchemy import text
from tornado.httpserver import HTTPServer

from bot import app as bot_app
from bot import webhook
from domain.kernel.clock import Clock
from storage import database
from tests.e2e.harness import settings_for
from tests.fakebotapi import FakeBotAPI

SECRET = "parallel-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Forwarder:
    """Accepts each update at once and posts it to the bots in turn, all in parallel."""

    targets: list[str]
    secret: str = SECRET
    delivered: list[tuple[int, str, int]] = field(default_factory=list)  # (update_id, target, status)
    port: int = 0
    _busy: int = 0
    _turn: int = 0
    _held: list[bytes] | None = None
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _server: HTTPServer | None = None
    _client: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram"

    @property
    def idle(self) -> bool:
        return self._busy == 0 and not self._held

    @property
    def held(self) -> int:
        return len(self._held or ())

    def hold(self) -> None:
        """Gather updates from now on, posting none until ``release``."""
        self._held = []

    def release(self) -> None:
        """Post every gathered update at once."""
        held, self._held = self._held or [], None
        for body in held:
            self._spawn(body)

    async def start(self) -> Forwarder:
        forwarder = self

        class Receive(tornado.web.RequestHandler):
            def post(self) -> None:
                if self.request.headers.get(webhook.SECRET_HEADER) != forwarder.secret:
                    self.set_status(403)
                    return
                if forwarder._held is not None:
                    forwarder._held.append(self.request.body)
                else:
                    forwarder._spawn(self.request.body)

        self._client = httpx.AsyncClient(timeout=30)
        self.port = free_port()
        self._server = HTTPServer(tornado.web.Application([("/telegram", Receive)]))
        self._server.listen(self.port, "127.0.0.1")
        return self

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server:
            self._server.stop()
            await self._server.close_all_connections()
        if self._client:
            await self._client.aclose()

    def _spawn(self, body: bytes) -> None:
        self._busy += 1
        task = asyncio.create_task(self._deliver(body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, body: bytes) -> None:
        """Post to the next bot; on a failure, to the next one again (Telegram retries too)."""
        try:
            for _ in range(50):
                target = self.targets[self._turn % len(self.targets)]
                self._turn += 1
                try:
                    response = await self._client.post(target, content=body, headers={
                        "Content-Type": "application/json", webhook.SECRET_HEADER: self.secret})  # fmt: skip
                    status = response.status_code
                except httpx.HTTPError:
                    status = 599
                self.delivered.append((_update_id(body), target, status))
                if status == 200:
                    return
                await asyncio.sleep(0.05)
        finally:
            self._busy -= 1


def _update_id(body: bytes) -> int:
    import json

    try:
        return int(json.loads(body).get("update_id", -1))
    except (ValueError, AttributeError):
        return -1


@dataclass
class WebhookBots:
    runtimes: list[bot_app.Runtime]
    forwarder: Forwarder

    @property
    def sessions(self):
        return self.runtimes[0].deps.sessions


@asynccontextmanager
async def webhook_bots(api: FakeBotAPI, database_url: str, clock: Clock, count: int = 2) -> AsyncIterator[WebhookBots]:
    """``count`` bots, each with its own engine and webhook server, behind one forwarder."""
    runtimes: list[bot_app.Runtime] = []
    servers: list[HTTPServer] = []
    targets: list[str] = []
    forwarder = Forwarder(targets)
    try:
        for _ in range(count):
            runtime = bot_app.build(settings_for(api, database_url), clock=clock)
            await bot_app.start(runtime)
            runtimes.append(runtime)
            port = free_port()
            receiver = webhook.Receiver(runtime.application)
            api.add_settle_condition("a bot is still handling updates", lambda lanes=receiver.lanes: lanes.busy == 0)
            server = webhook.make_server(receiver, path="/telegram", secret=SECRET, ssl_context=None)
            server.listen(port, "127.0.0.1")
            servers.append(server)
            targets.append(f"http://127.0.0.1:{port}/telegram")
        await forwarder.start()
        await runtimes[0].application.bot.set_webhook(url=forwarder.url, secret_token=SECRET)
        api.add_settle_condition("the forwarder is still posting updates", lambda: forwarder.idle)
        yield WebhookBots(runtimes, forwarder)
    finally:
        await forwarder.stop()
        for server in servers:
            server.stop()
            await server.close_all_connections()
        for runtime in runtimes:
            await bot_app.stop(runtime)


async def wait_for_lock_waiters(database_url: str, count: int, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Until ``count`` sessions of this database wait for a lock (PostgreSQL)."""
    engine = database.create_engine(database_url)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            async with engine.connect() as conn:
                found = await conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                               "AND wait_event_type = 'Lock'"))  # fmt: skip
            if found >= count:
                return
            if loop.time() > deadline:
                raise AssertionError(f"{found} of {count} sessions came to wait at the lock")
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()


@asynccontextmanager
async def locked(database_url: str, statement: str, **params: object) -> AsyncIterator[None]:
    """Hold the lock ``statement`` takes (``SELECT … FOR UPDATE``, ``LOCK TABLE``) until the block ends."""
    engine = database.create_engine(database_url)
    try:
        async with engine.connect() as conn:
            trans = await conn.begin()
            await conn.execute(text(statement), params)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    await trans.rollback()
    finally:
        await engine.dispose()


@asynccontextmanager
async def together(api: FakeBotAPI, bots: WebhookBots, database_url: str, count: int, *, lock: str | None = None,
                   **params: object) -> AsyncIterator[None]:  # fmt: skip
    """Gather the ``count`` updates sent in the block and deliver them at once. On PostgreSQL, hold
    the lock that ``lock`` takes until all of them wait at it, so each has read before any writes."""
    bots.forwarder.hold()
    yield
    await api.wait_for(lambda _: bots.forwarder.held == count, what=f"{count} updates at the forwarder")
    if lock is None or not database_url.startswith("postgresql"):
        bots.forwarder.release()
        return
    async with locked(database_url, lock, **params):
        bots.forwarder.release()
        # Within one process a chat's updates are handled in turn (bot/lanes.py), so at most one
        # per bot reads the form and waits at the lock; across the bots they run at once.
        await wait_for_lock_waiters(database_url, min(count, len(bots.runtimes)))
