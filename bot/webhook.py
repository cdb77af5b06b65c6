"""The HTTPS webhook: checks Telegram's secret token on every request; nothing acknowledged is lost.

Telegram delivers an update again only when the webhook does not answer 200, and while one waits
for its answer the next ones wait too. So the update is handed to ``Lanes`` at once; if it has
been handled within ``ANSWER_WITHIN`` (nearly every update) the answer is 200 after its commit, as
before. A slower one (a Bot API call that takes seconds) is *held*: written to the database, then
answered 200, and released once handled. A process that dies meanwhile leaves it held; the next
process to start, or any process once the lease ``HOLD_FOR`` has run out, takes it over and
handles it. The processed-update ids make a repeat harmless.

A body that is not an update (not a JSON object with an integer ``update_id``) is answered 400. An
update python-telegram-bot cannot read is logged with its JSON and answered 200: Telegram would
otherwise send it again for a day, and it would never be read.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import ssl
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApp
from tornado.web import RequestHandler

from bot.lanes import Lanes
from domain.kernel import updates
from handlers.deps import Deps

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ANSWER_WITHIN = 0.2  # seconds an update may take before it is held and answered
HOLD_FOR = timedelta(minutes=5)  # the lease on a held update; past it another process takes it over
LOOK_EVERY = 60.0  # seconds between looks for held updates whose lease ran out
STOP_GRACE = 30.0  # seconds the updates under way may take to finish when the bot stops


class Receiver:
    """Hands updates to the lanes and holds the slow ones until they are handled."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.deps: Deps = application.bot_data["deps"]
        self.lanes = Lanes(application)
        self._releases: set[asyncio.Task] = set()

    async def receive(self, update: Update, payload: dict[str, Any]) -> None:
        """Return once the update is handled, or held (in the database) to be handled."""
        handling = self.lanes.submit(update)
        done, _ = await asyncio.wait({handling}, timeout=ANSWER_WITHIN)
        if done:
            return
        async with self.deps.sessions() as session, session.begin():
            await updates.hold(session, update.update_id, payload, until=self.deps.clock.now() + HOLD_FOR)
        self._release_after(handling, update.update_id)

    async def take_over(self, *, everything: bool = False) -> int:
        """Handle held updates whose lease ran out (all of them, at start-up); how many were taken."""
        now = self.deps.clock.now()
        async with self.deps.sessions() as session, session.begin():
            payloads = await updates.take_over(session, now=now, until=now + HOLD_FOR, everything=everything)
        for payload in payloads:
            update_id = payload["update_id"]
            log.info("update %s was held by a process that did not finish it; handling it here", update_id)
            try:
                update = Update.de_json(payload, self.application.bot)
            except Exception:  # it was read once; should it not be now, keeping it helps nobody
                log.exception("held update %s cannot be read, dropped: %s", update_id,
                              json.dumps(payload, ensure_ascii=False))
                update = None
            if update is None:
                async with self.deps.sessions() as session, session.begin():
                    await updates.release(session, update_id)
                continue
            self._release_after(self.lanes.submit(update), update_id)
        return len(payloads)

    def _release_after(self, handling: asyncio.Task, update_id: int) -> None:
        async def release() -> None:
            await asyncio.wait({handling})
            async with self.deps.sessions() as session, session.begin():
                await updates.release(session, update_id)

        task = asyncio.create_task(release())
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109
        """Let the updates under way finish (those still held after ``timeout`` stay held)."""
        await self.lanes.wait(timeout)
        if self._releases:
            await asyncio.wait(set(self._releases), timeout=5)


class UpdateHandler(RequestHandler):
    def initialize(self, receiver: Receiver, secret: str) -> None:
        self.receiver = receiver
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong secret token from %s", self.request.remote_ip)
            self.set_status(403)
            return
        try:
            payload = json.loads(self.request.body)
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or type(payload.get("update_id")) is not int:
            log.warning("webhook request that is not an update: %r", self.request.body[:200])
            self.set_status(400)
            return
        try:
            update = Update.de_json(payload, self.receiver.application.bot)
        except Exception:
            log.exception("update %s cannot be read, skipped: %s", payload["update_id"],
                          json.dumps(payload, ensure_ascii=False))
            self.set_status(200)
            return
        await self.receiver.receive(update, payload)
        self.set_status(200)


def make_server(receiver: Receiver, *, path: str, secret: str, ssl_context: ssl.SSLContext | None) -> HTTPServer:
    web = WebApp([(path, UpdateHandler, {"receiver": receiver, "secret": secret})])
    return HTTPServer(web, ssl_options=ssl_context)


async def serve(application: Application, *, url: str, listen: str, port: int, secret: str,
                cert: str | None, key: str | None, stop: asyncio.Event) -> None:  # fmt: skip
    """Register ``url`` with Telegram and serve updates on ``listen:port`` until ``stop`` is set."""
    ssl_context = None
    if cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(cert, key)
    path = urlsplit(url).path or "/"
    receiver = Receiver(application)
    server = make_server(receiver, path=path, secret=secret, ssl_context=ssl_context)
    server.listen(port, address=listen)
    try:
        # Whatever is held now was left by a process that stopped (or is still at it: a repeat is harmless).
        await receiver.take_over(everything=True)
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES,
                                          max_connections=40)  # fmt: skip
        log.info("webhook serving %s on %s:%s", url, listen, port)
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), LOOK_EVERY)
            except TimeoutError:
                try:
                    await receiver.take_over()
                except Exception:
                    log.exception("could not look for held updates; trying again later")
    finally:
        server.stop()
        await receiver.wait(STOP_GRACE)
        await server.close_all_connections()

