"""Engine and session set-up. Nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# How long an SQLite transaction waits for another process's write lock before giving up.
LOCK_TIMEOUT = 30.0

# PostgreSQL connections one bot process keeps: as many as it can use at once, so that none is ever
# opened for a burst and closed again (a new connection costs a backend, a login, asyncpg's type set-up
# and a fresh prepare of every statement). Updates are handled 32 at a time (bot/lanes.py), each
# holding a connection while its transaction runs; the outbox dispatcher holds one for its advisory
# lock, one for a pass over what is due and up to 8 recording what it sent (bot/dispatcher.py); the
# reminder sweep one. Past that, work waits for a connection instead of opening one.
PG_POOL_SIZE = 32 + 1 + 1 + 8 + 1
PG_POOL_RECYCLE = 3600.0  # seconds: a connection is replaced after an hour instead of pinged before each use


def async_url(url: str) -> str:
    """Map a plain database URL to its asyncio driver (sqlite → aiosqlite, postgresql → asyncpg)."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, echo: bool = False, lock_timeout: float = LOCK_TIMEOUT,
                  pool_size: int = PG_POOL_SIZE) -> AsyncEngine:  # fmt: skip
    """Create the engine (SQLite: aiosqlite, one connection; PostgreSQL: asyncpg, ``pool_size`` kept)."""
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite has one writer anyway, and queueing for it in the pool is cheaper
        # than taking turns at the write lock. The wait for another process's lock is SQLite's busy
        # handler (``timeout``), which runs in aiosqlite's thread: the event loop goes on meanwhile.
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": lock_timeout}, pool_size=1,
                                     max_overflow=0, pool_timeout=60)  # fmt: skip
        event.listen(engine.sync_engine, "connect", _sqlite_connection)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    # No ping before each checkout (a round trip on every update): should the server drop connections
    # (a restart), the one transaction that meets it fails and SQLAlchemy discards the pool's others.
    return create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=0, pool_timeout=60,
                               pool_recycle=PG_POOL_RECYCLE, pool_pre_ping=False)  # fmt: skip


def _sqlite_connection(dbapi_connection, _record) -> None:
    # SQLAlchemy's recipe for SQLite transactions: the driver opens none of its own (it would not
    # for a SELECT, and would only take the write lock at the first write); _sqlite_begin_immediate does.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    mode = cursor.fetchone()[0]
    if mode != "wal":  # without WAL readers block commits, and a lock wait could be for ever
        cursor.close()
        raise RuntimeError(f"SQLite could not use WAL here (journal_mode={mode})")
    for pragma in ("PRAGMA foreign_keys=ON", "PRAGMA synchronous=NORMAL"):
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    # Take the write lock up front: two processes never both read and then fail to upgrade to a
    # write (SQLITE_BUSY that no waiting can cure); a transaction that holds it never waits again.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_for(dialect_name: str):
    """The INSERT of that database, the one with ON CONFLICT (SQLite's or PostgreSQL's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
