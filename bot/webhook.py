"""The HTTPS webhook: checks Telegram's secret token on every request and answers only after commit.

Answering 200 only once the update's effect is committed means that if the process dies half way,
Telegram sends the update again (to any process behind the load balancer) and nothing is lost.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import ssl
from urllib.parse import urlsplit

from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as WebApp
from tornado.web import RequestHandler

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateHandler(RequestHandler):
    def initialize(self, bot_application: Application, secret: str) -> None:
        self.bot_application = bot_application
        self.secret = secret

    async def post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("webhook request with a wrong secret token from %s", self.request.remote_ip)
            self.set_status(403)
            return
        try:
            update = Update.de_json(json.loads(self.request.body), self.bot_application.bot)
        except (ValueError, TypeError, KeyError):
            self.set_status(400)
            return
        await self.bot_application.process_update(update)
        self.set_status(200)


def make_server(application: Application, *, path: str, secret: str, ssl_context: ssl.SSLContext | None) -> HTTPServer:
    web = WebApp([(path, UpdateHandler, {"bot_application": application, "secret": secret})])
    return HTTPServer(web, ssl_options=ssl_context)


async def serve(application: Application, *, url: str, listen: str, port: int, secret: str,
                cert: str | None, key: str | None, stop: asyncio.Event) -> None:  # fmt: skip
    """Register ``url`` with Telegram and serve updates on ``listen:port`` until ``stop`` is set."""
    ssl_context = None
    if cert:
        ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ssl_context.load_cert_chain(cert, key)
    path = urlsplit(url).path or "/"
    server = make_server(application, path=path, secret=secret, ssl_context=ssl_context)
    server.listen(port, address=listen)
    try:
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES,
                                          max_connections=40)  # fmt: skip
        log.info("webhook serving %s on %s:%s", url, listen, port)
        await stop.wait()
    finally:
        server.stop()
        await server.close_all_connections()
