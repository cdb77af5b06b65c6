"""The bot's Bot API client (aiohttp under python-telegram-bot): answers, uploads, PTB's errors."""

from __future__ import annotations

import asyncio
import io
import socket
from contextlib import asynccontextmanager

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.aiohttp_request import AiohttpRequest
from tests.fakebotapi import FakeBotAPI


@asynccontextmanager
async def opened(**settings):
    """An initialised request object, shut down afterwards."""
    request = AiohttpRequest(**settings)
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def bot_for(api: FakeBotAPI, **request) -> Bot:
    return Bot(api.token, base_url=api.base_url, request=AiohttpRequest(**request))


async def test_calls_answers_and_telegram_errors_come_through() -> None:
    async with FakeBotAPI() as api:
        user = api.user("王书记")
        async with bot_for(api) as bot:
            sent = await bot.send_message(user.id, "<b>第 1/32 题</b> 支部是否按期换届？", parse_mode="HTML")
            assert sent.text == "第 1/32 题 支部是否按期换届？"
            with pytest.raises(BadRequest, match="entities"):
                await bot.send_message(user.id, "<b>没有闭合", parse_mode="HTML")


async def test_a_file_is_uploaded_whole_with_its_name_and_fields() -> None:
    content = "单位,类型\n城关镇党委,乡镇党委\n".encode("gb18030") * 200
    async with FakeBotAPI() as api:
        user = api.user("王书记")
        async with bot_for(api) as bot:
            sent = await bot.send_document(user.id, content, filename="问题清单.csv", caption="本周问题清单")
    assert sent.caption == "本周问题清单"
    assert api.file_bytes(sent.document.file_id) == content
    assert sent.document.file_name == "问题清单.csv"


async def test_no_server_is_a_network_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    async with opened() as request:
        with pytest.raises(NetworkError):
            await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")


async def test_a_server_that_does_not_answer_in_time_is_a_timeout() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with opened(read_timeout=0.2) as request:
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot1:x/getMe")
    finally:
        server.close()


async def test_calls_go_through_the_configured_proxy() -> None:
    """In mainland China the Bot API is reached through a proxy (ZHIBU_PROXY_URL)."""
    seen: list[bytes] = []

    async def proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A forward proxy, a request at a time: POST http://host:port/path → POST /path upstream."""
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:  # the client closed its connection
                return
            request_line, _, headers = head.partition(b"\r\n")
            seen.append(request_line)
            method, target, version = request_line.split(b" ")
            _, _, host_port, path = target.split(b"/", 3)
            length = next((int(h.split(b":")[1]) for h in headers.split(b"\r\n")
                           if h.lower().startswith(b"content-length:")), 0)  # fmt: skip
            body = await reader.readexactly(length)
            host, port = host_port.decode().rsplit(":", 1)
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            up_writer.write(b" ".join([method, b"/" + path, version]) + b"\r\nConnection: close\r\n" + headers + body)
            writer.write(await up_reader.read())  # the whole response: upstream closes after it
            await writer.drain()
            up_writer.close()

    server = await asyncio.start_server(proxy, "127.0.0.1", 0)
    proxy_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with FakeBotAPI() as api:
            user = api.user("王书记")
            async with bot_for(api, proxy=proxy_url) as bot:
                await bot.send_message(user.id, "经代理发送")
            assert [m.text for m in api.sent] == ["经代理发送"]
    finally:
        server.close()
    assert any(b"/sendMessage " in line for line in seen)


async def serve(respond) -> tuple[asyncio.base_events.Server, str]:
    """A one-purpose HTTP server: ``respond(request_head) -> bytes`` after reading each request."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(h.split(b":")[1]) for h in head.split(b"\r\n")
                               if h.lower().startswith(b"content-length:")), 0)  # fmt: skip
                await reader.readexactly(length)
                writer.write(await respond(head))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/bot1:x"


def answer(status: str, body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 " + status.encode() + b"\r\nContent-Length: %d\r\n" % len(body) + extra + b"\r\n" + body


async def test_no_free_connection_within_the_pool_timeout_is_a_timeout_and_nothing_is_sent() -> None:
    async def slowly(_head: bytes) -> bytes:
        await asyncio.sleep(0.5)
        return answer("200 OK", b'{"ok":true,"result":true}')

    server, base = await serve(slowly)
    try:
        async with opened(pool_size=1, pool_timeout=0.1) as request:
            first = asyncio.create_task(request.post(f"{base}/getMe"))
            await asyncio.sleep(0.05)
            with pytest.raises(TimedOut, match="Pool timeout"):
                await request.post(f"{base}/getMe")
            assert await first is True
    finally:
        server.close()


async def test_a_redirect_is_a_network_error_not_a_visit_to_the_page() -> None:
    async def portal(_head: bytes) -> bytes:
        return answer("302 Found", b"", b"Location: http://portal.example/login\r\n")

    server, base = await serve(portal)
    try:
        async with opened() as request:
            with pytest.raises(NetworkError, match="302"):
                await request.post(f"{base}/getMe")
    finally:
        server.close()


async def test_a_file_handle_can_be_sent_twice_and_stays_open() -> None:
    handle = io.BytesIO("编号,问题\n1,台账不全\n".encode() * 50)
    async with FakeBotAPI() as api:
        user = api.user("王书记")
        async with bot_for(api) as bot:
            document = InputFile(handle, filename="问题\r\n清单.csv", read_file_handle=False)
            first = await bot.send_document(user.id, document)
            second = await bot.send_document(user.id, document)
    assert api.file_bytes(first.document.file_id) == api.file_bytes(second.document.file_id) == handle.getvalue()
    assert not handle.closed
    assert first.document.file_name == "问题%0D%0A清单.csv"  # control characters percent-encoded, as httpx does


@pytest.mark.parametrize("size_stated", [True, False], ids=["size stated", "size left out"])
async def test_a_download_past_max_file_bytes__stops_reading_and_is_refused_as_too_big(size_stated) -> None:
    async with FakeBotAPI() as api:
        user = api.user("张部长")
        update = await user.send_document(bytes(32 * 1024 * 1024), "清单.xlsx", size_stated=size_stated)
        request = AiohttpRequest(max_file_bytes=1024 * 1024)
        async with Bot(api.token, base_url=api.base_url, base_file_url=api.file_url, request=request) as bot:
            file = await bot.get_file(update["message"]["document"]["file_id"])
            with pytest.raises(BadRequest, match="too big"):
                await file.download_as_bytearray()
            small = await user.send_document(b"id: x\n", "ok.yaml")
            again = await bot.get_file(small["message"]["document"]["file_id"])
            assert bytes(await again.download_as_bytearray()) == b"id: x\n"  # under the limit: whole
        [stored] = [f for f in api.uploaded_files if f.file_name == "清单.xlsx"]
    assert stored.served < 12 * 1024 * 1024
