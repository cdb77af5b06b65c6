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
from typing import Any

from sqlalchemy import pool
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.util.concurrency import await_, in_greenlet

DEFAULT_LOCK_TIMEOUT = 30.0


class SQLiteDialect_inline(SQLiteDialect_pysqlite):  # noqa: N801 (SQLAlchemy's naming of dialects)
    driver = "inline"
    is_async = True  # usable by AsyncEngine/AsyncSession; nothing here ever suspends but the lock wait
    supports_statement_cache = True

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
            _with_lock(dbapi_connection, "PRAGMA journal_mode=WAL", self.lock_timeout)
            for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=0"):
                dbapi_connection.execute(pragma)

        return prepare

    def do_begin(self, dbapi_connection) -> None:
        _with_lock(dbapi_connection, "BEGIN IMMEDIATE", self.lock_timeout)

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
    async def _async_soft_close(self) -> None:
        """What AsyncConnection calls before handing a result over: async drivers fetch their rows
        now; rows here are read from the cursor on demand, without waiting, so there is nothing to do."""


class _Connection(sqlite3.Connection):
    def cursor(self, factory=_Cursor):  # noqa: D102
        return super().cursor(factory)


def _with_lock(dbapi_connection, statement: str, timeout: float) -> None:
    """Run ``statement``, waiting (asynchronously when we can) while another process holds the lock."""
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            dbapi_connection.execute(statement)
            return
        except sqlite3.OperationalError as error:
            waiting_for_lock = "locked" in str(error) or "busy" in str(error)
            if not waiting_for_lock or time.monotonic() + pause > deadline:
                raise
        if in_greenlet():  # inside AsyncEngine/AsyncSession work: let the loop run meanwhile
            await_(asyncio.sleep(pause))
        else:  # plain synchronous use
            time.sleep(pause)
        pause = min(pause * 2, 0.05)


registry.register("sqlite.inline", __name__, "SQLiteDialect_inline")
