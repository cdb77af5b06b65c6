"""PostgreSQL: a busy bot keeps its connections. Many chats writing at once open no more connections
than the pool keeps, and none is closed to be opened again (issue 9, item 11: 2,000 updates used to
open some 360)."""

from __future__ import annotations

import asyncio
import os

import pytest
from sqlalchemy import event

PG_URL = os.environ.get("ZHIBU_TEST_DATABASE_URL")
USERS = 60  # more chats at once than the old pool's 5 + 10 overflow
ROUNDS = 4

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ZHIBU_TEST_DATABASE_URL (PostgreSQL)")


async def test_many_chats_at_once__updates__connections_opened_once_and_no_more_than_the_pool(api, bot):
    users = [api.user(f"书记{n}") for n in range(USERS)]
    pool = bot.runtime.engine.sync_engine.pool
    opened: list[object] = []
    closed: list[object] = []
    event.listen(pool, "connect", lambda dbapi_connection, record: opened.append(record))
    event.listen(pool, "close", lambda dbapi_connection, record: closed.append(record))
    already_open = pool.checkedin() + pool.checkedout()

    async def chat(user) -> None:
        for _ in range(ROUNDS):
            await user.send("/help")
            assert await user.replies(timeout=30)

    await asyncio.gather(*(chat(u) for u in users))

    assert closed == []  # no connection was closed after a burst ...
    assert already_open + len(opened) <= pool.size()  # ... nor more opened than the pool keeps
