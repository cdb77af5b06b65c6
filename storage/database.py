"""Engine and session set-up. Nothing is created at import time."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import inline_sqlite  # noqa: F401 (registers the sqlite+inline dialect)


def async_url(url: str) -> str:
    """Map a plain database URL to the driver we run it on (sqlite → the standard library's driver on
    the event loop, see storage.inline_sqlite; postgresql → asyncpg)."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+inline", "postgresql": "postgresql+asyncpg"}.get(parsed.drivername)
    if driver:
        parsed = parsed.set(drivername=driver)
    return parsed.render_as_string(hide_password=False)


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the engine (SQLite: one connection, run on the event loop; PostgreSQL: asyncpg)."""
    url = async_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # One connection: SQLite has one writer anyway, and queueing for it in the pool is cheaper
        # than taking turns at the write lock. WAL, foreign keys and BEGIN IMMEDIATE: inline_sqlite.
        return create_async_engine(url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=60)
    return create_async_engine(url, echo=echo, pool_pre_ping=True)


def insert_for(dialect_name: str):
    """The INSERT of that database, the one with ON CONFLICT (SQLite's or PostgreSQL's)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
