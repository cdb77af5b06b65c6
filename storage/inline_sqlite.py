"""SQLite through the standard library's driver, called directly on the event loop.

A statement on a local SQLite file takes microseconds, far less than handing it to a worker thread
and waking the loop again, which is what an asyncio driver (aiosqlite) does for every statement;
measured on the form answer path that hand-off cost more CPU than the statements themselves.

The one wait SQLite can impose is for the write lock, when another process (a CLI command, a
second bot) holds it. Every transaction takes that lock up front (``BEGIN IMMEDIATE``), with
SQLite's own busy handler off, and waits for it by sleeping on the event loop, so the bot keeps
serving other chats meanwhile. Once a transaction holds the lock its statements do not wait.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import deque
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.util.concurrency import await_

DEFAULT_LOCK_TIMEOUT = 30.0


class SQLiteDialect_inline(SQLiteDialect_pysqlite):  # noqa: N801 (SQLAlchemy's naming of dialects)
    driver = "inline"
    is_async = True  # usable by AsyncEngine/AsyncSession; nothing here ever suspends but the lock wait
    supports_statement_cache = True
    has_terminate = True  # a connection lost without being returned is closed, releasing its lock

    def __init__(self, lock_timeout: float = DEFAULT_LOCK_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.lock_timeout = lock_timeout

    @classmethod
    def get_pool_class(cls, url):
        # One process, one loop: an asyncio-aware queue hands out the connection(s).
        return pool.AsyncAdaptedQueuePool if cls._is_url_file_db(url) else pool.StaticPool

    def create_connect_args(self, url):
        args, kwargs = super().create_connect_args(url)
        kwargs.pop("timeout", None)  # our wait for the lock replaces SQLite's busy handler
        return args, {**kwargs, "timeout": 0, "isolation_level": None, "factory": _Connection}

    def on_connect(self):
        inherited = super().on_connect()

        def prepare(dbapi_connection: sqlite3.Connection) -> None:
            if inherited is not None:
                inherited(dbapi_connection)
            # isolation_level=None: the driver opens no transactions of its own; do_begin does.
            dbapi_connection.isolation_level = None
            mode = _with_lock(dbapi_connection, "PRAGMA journal_mode=WAL", self.lock_timeout)
            if mode != "wal":  # without WAL, readers block commits and nothing here would wait for them
                dbapi_connection.close()
                raise sqlite3.OperationalError(f"SQLite could not use WAL here (journal_mode={mode})")
            for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=0"):
                dbapi_connection.execute(pragma)

        return prepare

    def do_begin(self, dbapi_connection) -> None:
        _with_lock(dbapi_connection, "BEGIN IMMEDIATE", self.lock_timeout)

    def do_terminate(self, dbapi_connection) -> None:
        dbapi_connection.close()  # synchronous and safe anywhere; an open transaction is rolled back

    # Statements run as awaited calls on the loop (no thread, no suspension): an AsyncConnection
    # insists that a statement be awaited, which is how it tells async drivers from blocking ones.
    def do_execute(self, cursor, statement, parameters, context=None) -> None:
        await_(_call(cursor.execute, statement, parameters))

    def do_execute_no_params(self, cursor, statement, context=None) -> None:
        await_(_call(cursor.execute, statement))

    def do_executemany(self, cursor, statement, parameters, context=None) -> None:
        await_(_call(cursor.executemany, statement, parameters))


async def _call(method, *args):
    return method(*args)


class _Cursor(sqlite3.Cursor):
    """A cursor whose rows are read in full before an async result is handed over, as async drivers
    do: otherwise a result read later would read through the pooled connection, by then perhaps in
    another task's transaction, and an unfinished read would hold an old snapshot open."""

    _rows: deque | None = None

    async def _async_soft_close(self) -> None:
        if self.description is not None:
            self._rows = deque(super().fetchall())

    def fetchone(self):
        if self._rows is None:
            return super().fetchone()
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None):
        if self._rows is None:
            return super().fetchmany(size or self.arraysize)
        return [self._rows.popleft() for _ in range(min(size or self.arraysize, len(self._rows)))]

    def fetchall(self):
        if self._rows is None:
            return super().fetchall()
        rows, self._rows = list(self._rows), deque()
        return rows


class _Connection(sqlite3.Connection):
    def cursor(self, factory=_Cursor):  # noqa: D102
        return super().cursor(factory)


def _with_lock(dbapi_connection, statement: str, timeout: float):
    """Run ``statement`` and return its first value, sleeping on the loop while another process holds
    the lock (SQLITE_BUSY). Only called inside AsyncEngine/AsyncSession work (in SQLAlchemy's greenlet)."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            row = dbapi_connection.execute(statement).fetchone()
            return row[0] if row else None
        except sqlite3.OperationalError as error:
            busy = getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY
            if not busy or time.monotonic() + pause > deadline:
                raise
        await_(asyncio.sleep(pause))
        pause = min(pause * 2, 0.05)


registry.register("sqlite.inline", __name__, "SQLiteDialect_inline")
