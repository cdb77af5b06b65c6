"""SQLite through aiosqlite: a transaction waits for another process's write lock without
stopping the event loop, gives up after its timeout, and leaves the connection usable."""

from __future__ import annotations

import asyncio
import gc
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

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
    engine = database.create_engine(f"sqlite:///{sqlite_file}", lock_timeout=0.1)
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


async def test_a_result_is_read_in_full_before_the_connection_goes_back_to_the_pool(sqlite_file: Path) -> None:
    """As with async drivers: a result read later does not read through a connection that is by
    then in someone else's transaction."""
    engine = database.create_engine(f"sqlite:///{sqlite_file}")
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t VALUES (1), (2)"))
    sessions = database.sessionmaker(engine)
    async with sessions() as first:
        result = await first.execute(text("SELECT n FROM t"))  # a table scan, read as it goes
    async with sessions() as second:
        await second.execute(text("INSERT INTO t VALUES (100)"))  # not committed
        assert result.scalars().all() == [1, 2]
        await second.rollback()
    await engine.dispose()


@pytest.mark.filterwarnings("ignore:The garbage collector is trying to clean up")
async def test_a_connection_lost_in_a_transaction_is_closed_and_its_lock_released(sqlite_file: Path) -> None:
    engine = database.create_engine(f"sqlite:///{sqlite_file}")
    conn = await engine.connect()
    await conn.begin()
    await conn.execute(text("INSERT INTO t VALUES (1)"))
    del conn  # dropped without being returned to the pool (e.g. its task was garbage-collected)
    gc.collect()
    other = sqlite3.connect(sqlite_file, timeout=0)
    other.execute("INSERT INTO t VALUES (2)")  # would be "database is locked" if the lock were still held
    other.commit()
    other.close()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT n FROM t"))).scalars().all() == [2]
    await engine.dispose()
