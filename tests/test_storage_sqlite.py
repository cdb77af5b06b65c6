"""SQLite on the event loop: a transaction waits for another process's write lock without
stopping the loop, gives up after its timeout, and leaves the connection usable."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from storage import database


@pytest.fixture
def sqlite_file(tmp_path: Path) -> Path:
    path = tmp_path / "lock.sqlite3"
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE t (n INTEGER)")
    raw.commit()
    raw.close()
    return path


def other_process_holds_the_lock(path: Path) -> sqlite3.Connection:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    return other


async def test_a_transaction_waits_for_the_lock_while_the_loop_keeps_running(sqlite_file: Path) -> None:
    engine = database.create_engine(f"sqlite:///{sqlite_file}")
    other = other_process_holds_the_lock(sqlite_file)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def write() -> int:
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
            return (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one()

    ticking = asyncio.create_task(ticker())
    writing = asyncio.create_task(write())
    await asyncio.sleep(0.2)
    assert not writing.done()  # still waiting for the other process
    assert ticks >= 10  # ... and the loop went on meanwhile
    other.commit()
    other.close()
    assert await asyncio.wait_for(writing, 5) == 2  # it saw the other process's row, then added its own
    ticking.cancel()
    await engine.dispose()


async def test_a_transaction_gives_up_after_its_lock_timeout_and_the_connection_still_works(sqlite_file: Path) -> None:
    engine = create_async_engine(database.async_url(f"sqlite:///{sqlite_file}"), lock_timeout=0.1, pool_size=1,
                                 max_overflow=0)  # fmt: skip
    other = other_process_holds_the_lock(sqlite_file)
    with pytest.raises(OperationalError, match="locked"):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
    other.rollback()
    other.close()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (3)"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t"))).scalars().all() == [3]
    await engine.dispose()


async def test_foreign_keys_and_wal_are_on(sqlite_file: Path) -> None:
    engine = database.create_engine(f"sqlite:///{sqlite_file}")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar_one() == "wal"
    await engine.dispose()
