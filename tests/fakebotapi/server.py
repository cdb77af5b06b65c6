"""The tornado HTTP side: Bot API endpoints, file downloads and webhook delivery."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import socket
import time
import traceback

import tornado.iostream
import tornado.web
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from . import admin, messages  # noqa: F401  (importing registers the methods)
from .admin import drop_disallowed
from .models import ApiError, Call
from .params import METHODS, Upload, coerce
from .state import BotState

log = logging.getLogger("fakebotapi")
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}


class _Base(tornado.web.RequestHandler):
    def initialize(self, state: BotState) -> None:
        self.state = state

    def reply(self, status: int, body: dict) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body, ensure_ascii=False))


class MethodHandler(_Base):
    """POST/GET /bot<token>/<method>."""

    _task: asyncio.Future | None = None

    async def get(self, token: str, name: str) -> None:
        await self.handle(token, name)

    async def post(self, token: str, name: str) -> None:
        await self.handle(token, name)

    def on_connection_close(self) -> None:
        # The client gave up (e.g. PTB stopping its long poll): stop waiting for it.
        if self._task is not None:
            self._task.cancel()

    def _client_gone(self) -> bool:
        """Whether the client closed its connection (tornado notices only when it next reads)."""
        stream = self.request.connection.stream
        if stream.closed():
            return True
        try:
            return stream.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b""
        except BlockingIOError:
            return False  # open, nothing more sent: the client is waiting for our answer
        except OSError:
            return True

    def _params(self) -> tuple[dict, dict[str, Upload]]:
        raw: dict = {k: v[-1].decode("utf-8") for k, v in self.request.query_arguments.items()}
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json") and self.request.body:
            try:
                body = json.loads(self.request.body)
            except ValueError:
                raise ApiError(400, "Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request: request body must be a JSON object")
            raw.update(body)
        else:
            raw.update({k: v[-1].decode("utf-8") for k, v in self.request.body_arguments.items()})
        files = {
            name: Upload(parts[-1].filename, parts[-1].body, parts[-1].content_type)
            for name, parts in self.request.files.items()
        }
        return coerce(raw), files

    async def handle(self, token: str, name: str) -> None:
        state = self.state
        entry = METHODS.get(name.lower())
        call = Call(entry[0] if entry else name, {}, time.monotonic())
        if token != state.token or entry is None:
            body = UNAUTHORIZED if token != state.token else NOT_FOUND
            call.status, call.description = body["error_code"], body["description"]
            state.requests.append(call)
            state.notify()
            return self.reply(body["error_code"], body)
        gate = state.holds.get(call.method)
        if gate is not None:
            state.held.append(call.method)
            state.notify()
            self._task = asyncio.ensure_future(gate.wait())
            try:
                await self._task
            except asyncio.CancelledError:  # the client died at the door: nothing was sent
                return
            finally:
                state.held.remove(call.method)
            if self._client_gone():  # it died while held, unnoticed: still nothing was sent
                return
        waits = call.method == "getUpdates"
        state.requests.append(call)
        if not waits:
            state.in_flight.append(call)
        state.notify()
        try:
            params, files = self._params()
            call.params = {**params, **{k: _describe(u) for k, u in files.items()}}
            delay = state.delays.get(call.method)
            if delay:  # a slow Telegram: the request is in flight, answered after ``delay``
                self._task = asyncio.ensure_future(asyncio.sleep(delay))
                await self._task
            result = entry[1](state, params, files)
            if inspect.isawaitable(result):
                self._task = asyncio.ensure_future(result)
                result = await self._task
            status, body = 200, {"ok": True, "result": result}
        except asyncio.CancelledError:
            status, body = 499, {"ok": False, "error_code": 499, "description": "client went away"}
        except ApiError as err:
            state.count_rejection(err)
            status, body = err.code, err.payload()
        except Exception:  # a bug in the fake itself: answer 500 and remember it for the test
            trace = traceback.format_exc()
            log.error("fakebotapi %s failed:\n%s", call.method, trace)
            state.server_errors.append(f"{call.method}: {trace}")
            status, body = (
                500,
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
            )
        finally:
            if not waits:
                state.in_flight.remove(call)
        call.status = status
        call.description = body.get("description")
        state.notify()
        if status != 499:
            self.reply(status, body)


def _describe(upload: Upload) -> dict:
    return {
        "filename": upload.filename,
        "size": len(upload.body),
        "content_type": upload.content_type,
    }


class FileHandler(_Base):
    """GET /file/bot<token>/<file_path>: the bytes behind getFile's file_path, streamed in chunks
    (counted in ``StoredFile.served``) and without Content-Length when the size is not stated."""

    CHUNK = 64 * 1024

    async def get(self, token: str, path: str) -> None:
        if token != self.state.token:
            return self.reply(401, UNAUTHORIZED)
        stored = self.state.files_by_path.get(path)
        if stored is None or stored.data is None:
            return self.reply(404, NOT_FOUND)
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        if stored.size_stated:
            self.set_header("Content-Length", str(stored.size))
        data = memoryview(stored.data)
        try:
            for start in range(0, len(data), self.CHUNK):
                chunk = data[start : start + self.CHUNK]
                self.write(bytes(chunk))
                await self.flush()
                stored.served += len(chunk)
            self.finish()
        except tornado.iostream.StreamClosedError:
            pass  # the client stopped reading


def make_app(state: BotState) -> tornado.web.Application:
    return tornado.web.Application(
        [
            (r"/bot([^/]*)/([A-Za-z]*)", MethodHandler, {"state": state}),
            (r"/file/bot([^/]*)/(.+)", FileHandler, {"state": state}),
        ]
    )


class WebhookSender:
    """Delivers pending updates one at a time, in order, while a webhook is set."""

    def __init__(self, state: BotState, retry_delay: float, max_tries: int, timeout: float):
        self.state = state
        self.retry_delay = retry_delay
        self.max_tries = max_tries
        self.timeout = timeout
        self.attempts: list[tuple[int, int | str]] = []  # (update_id, status or error)

    async def run(self) -> None:
        state = self.state
        client = AsyncHTTPClient(force_instance=True)
        tries: dict[int, int] = {}
        try:
            while not state.closed:
                event = state.change_event()
                if state.webhook is not None:
                    drop_disallowed(state)
                hook = state.webhook
                if hook is None or not state.pending:
                    await event.wait()
                    continue
                update = state.pending[0]
                outcome = await self._post(client, hook.url, hook.secret_token, update)
                self.attempts.append((update["update_id"], outcome))
                if isinstance(outcome, int) and 200 <= outcome < 300:
                    tries.pop(id(update), None)
                    state.remove_pending([update])
                    continue
                hook.last_error_date = state.now()
                hook.last_error_message = (
                    f"Wrong response from the webhook: {outcome}"
                    if isinstance(outcome, int)
                    else outcome
                )
                tries[id(update)] = tries.get(id(update), 0) + 1
                if tries[id(update)] >= self.max_tries:
                    tries.pop(id(update))
                    state.dropped_updates.append(update)
                    state.remove_pending([update])
                    continue
                await asyncio.sleep(self.retry_delay)
        finally:
            client.close()

    async def _post(self, client, url: str, secret: str | None, update: dict) -> int | str:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = HTTPRequest(
            url,
            method="POST",
            headers=headers,
            body=json.dumps(update, ensure_ascii=False),
            request_timeout=self.timeout,
            connect_timeout=self.timeout,
        )
        try:
            response = await client.fetch(request, raise_error=False)
        except Exception as err:  # connection refused, DNS, ...: Telegram just retries later
            return f"{type(err).__name__}: {err}"
        if response.code == 599:
            return f"Connection error: {response.error}"
        return response.code
