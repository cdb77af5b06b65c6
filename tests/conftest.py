"""Shared fixtures: a fresh database per test, on SQLite always and on PostgreSQL when
ZHIBU_TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage import database, migrate
from storage.models import Base

PG_URL = os.environ.get("ZHIBU_TEST_DATABASE_URL")

# Tests assert behaviour, never time: no per-example deadline, which a busy CI machine would trip.
settings.register_profile("zhibu", deadline=None)
settings.load_profile("zhibu")


def pytest_report_header(config) -> str:
    return f"database: {PG_URL or 'sqlite (a fresh file per test)'}"


@pytest.fixture(scope="session")
def _schema(tmp_path_factory) -> str:
    """Upgrade once per run: a template SQLite file, or the PostgreSQL database (dropped and rebuilt)."""
    if PG_URL:
        asyncio.run(_rebuild_postgres(PG_URL))
        return PG_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_upgrade(f"sqlite:///{template}"))
    return str(template)


async def _upgrade(url: str) -> None:
    engine = database.create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()


async def _rebuild_postgres(url: str) -> None:
    engine = database.create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await migrate.upgrade(engine)
    await engine.dispose()


@pytest.fixture
async def database_url(_schema: str, tmp_path: Path) -> str:
    """A database at the newest schema and empty, for this test alone."""
    if PG_URL:
        engine = database.create_engine(PG_URL)
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await engine.dispose()
        return PG_URL
    path = tmp_path / "zhibu.sqlite3"
    shutil.copyfile(_schema, path)
    return f"sqlite:///{path}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = database.create_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session whose work is rolled back at the end of the test (commits become savepoints)."""
    async with engine.connect() as conn:
        trans = await conn.begin()
        s = AsyncSession(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")
        try:
            yield s
        finally:
            await s.close()
            await trans.rollback()
