"""Databases for benchmarks: scratch PostgreSQL databases, and a history of earlier work."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from storage import database, migrate
from storage.models import (
    AuditEntry,
    FormSession,
    Person,
    Submission,
    SubmissionStatus,
    Unit,
    UnitType,
)

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CHUNK = 5_000


@asynccontextmanager
async def scratch_postgres(database: str | None = None) -> AsyncIterator[Callable[[], Awaitable[str]] | None]:
    """A factory of fresh PostgreSQL databases (dropped afterwards), or None when none is reachable.

    With ``database`` (a URL), that one database is used for every run instead, emptied before each
    (its public schema dropped and made again): for a server where creating databases is not wanted.
    """
    base = database or os.environ.get("ZHIBU_BENCH_POSTGRES_URL", DEFAULT_PG)
    try:
        admin = await asyncpg.connect(base, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        print(f"PostgreSQL not reachable at {base} ({exc}); SQLite only")
        yield None
        return
    made: list[str] = []

    async def new_database() -> str:
        name = f"zhibu_bench_{secrets.token_hex(4)}"
        await admin.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return make_url(base).set(database=name).render_as_string(hide_password=False)

    async def emptied() -> str:
        await admin.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return base

    try:
        yield emptied if database else new_database
    finally:
        for name in made:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


class SessionCount:
    """Connections a PostgreSQL database accepted meanwhile (pg_stat_database.sessions; one connection
    of its own, opened first, so it does not count itself)."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> SessionCount:
        self.conn = await asyncpg.connect(self.url)
        self.start = await self._sessions()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.close()

    async def opened(self) -> int:
        await asyncio.sleep(1.5)  # a backend reports its statistics within a second
        return await self._sessions() - self.start

    async def _sessions(self) -> int:
        return await self.conn.fetchval("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")


async def earlier_submissions(url: str, *, count: int, branches: int = 1_000) -> None:
    """Add ``count`` past submissions (with their closed form sessions and audit rows) spread over
    ``branches`` extra branches, as a county accumulates over years."""
    engine = database.create_engine(url)
    await migrate.upgrade(engine)
    now = datetime.now(UTC)
    async with database.sessionmaker(engine)() as session, session.begin():
        town = await session.scalar(select(Unit).where(Unit.type == UnitType.town_committee).limit(1))
        base = (await session.scalar(select(Unit.id).order_by(Unit.id.desc()).limit(1))) or 0
        await session.execute(insert(Unit), [
            {"id": base + i + 1, "code": f"H{i:05d}", "name": f"历史支部{i}", "parent_id": town.id,
             "type": UnitType.branch, "domain": None, "founded": None, "path": f"{town.path}{base + i + 1}/"}
            for i in range(branches)
        ])  # fmt: skip
    async with database.sessionmaker(engine)() as session, session.begin():
        person = await session.scalar(select(Person.id).limit(1))
        for start in range(0, count, CHUNK):
            n = min(CHUNK, count - start)
            at = [now - timedelta(days=(start + k) % 700, minutes=k) for k in range(n)]
            units = [base + 1 + (start + k) % branches for k in range(n)]
            answers = {"member_count": 30, "setup_approved": True, "election_on_time": True}
            await session.execute(insert(Submission), [
                {"form_id": "standardisation", "version": "1", "unit_id": units[k], "answers": answers,
                 "score": {"score": 27, "max_score": 27, "items": [], "failing": []}, "round": 1,
                 "status": SubmissionStatus.passed, "submitted_by": person, "submitted_at": at[k],
                 "decided_at": at[k]} for k in range(n)
            ])  # fmt: skip
            await session.execute(insert(FormSession), [
                {"person_id": person, "chat_id": -(start + k + 1), "form_id": "standardisation", "version": "1",
                 "unit_id": units[k], "purpose": "assessment", "state": {"phase": "submitted"}, "step": 40,
                 "started_at": at[k], "updated_at": at[k], "closed_at": at[k]} for k in range(n)
            ])  # fmt: skip
            await session.execute(insert(AuditEntry), [
                {"at": at[k], "actor_id": person, "action": "submission.submit", "subject_type": "submission",
                 "subject_id": str(start + k), "before": None, "after": {"status": "submitted"}} for k in range(n)
            ])  # fmt: skip
    await engine.dispose()
