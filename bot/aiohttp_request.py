"""python-telegram-bot's networking through aiohttp instead of its default, httpx.

PTB lets an application bring its own ``BaseRequest``. We do because every answer a secretary gives
costs two Bot API calls (the answer to the button, then the next question), and measured on that
path httpx spent about three times the CPU per call that aiohttp does (bench/forms.py). Behaviour
is PTB's: its timeouts, its errors (``TimedOut``, ``NetworkError``), uploads as multipart forms.
A proxy is given explicitly (ZHIBU_PROXY_URL): aiohttp's reading of proxy variables and .netrc
from the environment happens on every request, in a thread, and cost a tenth of the bot's CPU.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """One ``aiohttp.ClientSession`` with up to ``pool_size`` connections to the Bot API."""

    def __init__(self, *, pool_size: int = 256, read_timeout: float | None = 5.0, write_timeout: float | None = 5.0,
                 connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
                 media_write_timeout: float | None = 20.0, proxy: str | None = None) -> None:  # fmt: skip
        self._pool_size = pool_size
        self._proxy = proxy
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout,
                          "pool": pool_timeout}  # fmt: skip
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:  # fmt: skip
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        read = self._given(read_timeout, "read")
        write = self._given(write_timeout, "write") if not files else self._given(write_timeout, "write",
                                                                                   self._media_write_timeout)  # fmt: skip
        connect, pool = self._given(connect_timeout, "connect"), self._given(pool_timeout, "pool")
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,  # waiting for a pooled connection too
            sock_connect=connect,
            sock_read=read if not files or read is None or write is None else read + write,
        )
        data = _form(fields, files) if files else fields
        try:
            async with self._session.request(method, url, data=data, timeout=timeout, proxy=self._proxy) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error

    def _given(self, value, name: str, default: float | None = None) -> float | None:
        if value is BaseRequest.DEFAULT_NONE:  # "not given": this request's own default
            return default if default is not None else self._timeouts[name]
        return value


def _form(fields: dict[str, str] | None, files: dict) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)  # file names as UTF-8, as httpx (and browsers) send them
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
