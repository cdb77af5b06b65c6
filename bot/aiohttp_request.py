"""python-telegram-bot's networking through aiohttp instead of its default, httpx.

PTB lets an application bring its own ``BaseRequest``. We do because every answer a secretary gives
costs two Bot API calls (the answer to the button, then the next question), and measured on that
path httpx spent about three times the CPU per call that aiohttp does (bench/forms.py). Behaviour
is PTB's: its timeouts, its errors (``TimedOut``, ``NetworkError``), uploads as multipart forms.
A proxy is given explicitly (ZHIBU_PROXY_URL): aiohttp's reading of proxy variables and .netrc
from the environment happens on every request, in a thread, and cost a tenth of the bot's CPU.
A file download (``File.download_*`` goes through ``retrieve``) is streamed and stops past
``max_file_bytes`` read, whatever size Telegram stated or left out.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar

import aiohttp
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

BOT_API_FILE_LIMIT = 20 * 1024 * 1024  # the most the Bot API lets a bot download
_CHUNK = 64 * 1024
# The body limit of the request under way: set by ``retrieve`` for the ``do_request`` it leads to.
_body_limit: ContextVar[int | None] = ContextVar("body_limit", default=None)


class FileTooBig(BadRequest):
    """A download past the limit, said as the Bot API says it of a file over its own limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"File is too big (more than {limit} bytes)")


class AiohttpRequest(BaseRequest):
    """One ``aiohttp.ClientSession`` with up to ``pool_size`` connections to the Bot API."""

    def __init__(self, *, pool_size: int = 256, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0, proxy: str | None = None,
                 max_file_bytes: int = BOT_API_FILE_LIMIT) -> None:  # fmt: skip
        self._pool_size = pool_size
        self._max_file_bytes = max_file_bytes
        self._proxy = proxy
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}  # fmt: skip
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None  # free connections, for the pool timeout

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._pool_size)
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def retrieve(self, url: str, read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                       connect_timeout=BaseRequest.DEFAULT_NONE, pool_timeout=BaseRequest.DEFAULT_NONE) -> bytes:  # fmt: skip
        """A file's bytes, reading no more than ``max_file_bytes`` (FileTooBig past them)."""
        token = _body_limit.set(self._max_file_bytes)
        try:
            return await super().retrieve(url, read_timeout=read_timeout, write_timeout=write_timeout,
                                          connect_timeout=connect_timeout, pool_timeout=pool_timeout)  # fmt: skip
        finally:
            _body_limit.reset(token)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:  # fmt: skip
        if self._session is None or self._session.closed or self._slots is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read, connect, pool = (self._given(read_timeout, "read"), self._given(connect_timeout, "connect"),
                               self._given(pool_timeout, "pool"))  # fmt: skip
        write = self._media_write_timeout if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout
        await self._take_slot(pool)
        try:
            call = self._session.request(
                method, url, data=_form(fields, files) if files else fields, proxy=self._proxy,
                timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect, sock_read=read),
                allow_redirects=False,  # a redirecting proxy or portal is an error, not a GET of its page
            )
            if not files:
                return await _exchange(call, _body_limit.get())
            # aiohttp has no write timeout and starts its read timer only once the body is sent, so an
            # upload is bounded as a whole: connecting, writing (PTB's media write timeout unless one
            # is given) and reading the answer.
            async with asyncio.timeout(None if None in (connect, write, read) else connect + write + read):
                return await _exchange(call)
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        finally:
            self._slots.release()

    async def _take_slot(self, pool_timeout: float | None) -> None:
        """A free connection, waiting at most the pool timeout (as PTB's own client does)."""
        if not self._slots.locked():
            await self._slots.acquire()  # free: taken at once
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError as error:
            raise TimedOut("Pool timeout: All connections in the connection pool are occupied. Request was *not* "
                           "sent to Telegram. Consider adjusting the connection pool size or the pool timeout.") from error  # fmt: skip

    def _given(self, value, name: str) -> float | None:
        return self._timeouts[name] if value is BaseRequest.DEFAULT_NONE else value  # DEFAULT_NONE: not given


async def _exchange(call, limit: int | None = None) -> tuple[int, bytes]:
    async with call as response:
        if limit is None:
            return response.status, await response.read()
        if (response.content_length or 0) > limit:
            raise FileTooBig(limit)
        body = bytearray()
        async for chunk in response.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > limit:  # leaving the block closes the connection: the rest is never read
                raise FileTooBig(limit)
        return response.status, bytes(body)


def _form(fields: dict[str, str] | None, files: dict) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)  # file names as UTF-8, as httpx (and browsers) send them
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        if hasattr(content, "read"):  # a file handle: read it whole, leaving it open and rewound for a resend
            if content.seekable():
                content.seek(0)
            content = content.read()
        form.add_field(name, content, filename=_safe_name(filename), content_type=mimetype)
    return form


def _safe_name(filename: str | None) -> str | None:
    """Control characters percent-encoded (as httpx does); aiohttp refuses them in a header."""
    if filename is None:
        return None
    return "".join(f"%{ord(c):02X}" if ord(c) < 0x20 or ord(c) == 0x7F else c for c in filename)
