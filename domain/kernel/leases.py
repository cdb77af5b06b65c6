"""Leases: one holder of a named duty among processes sharing a database, until the lease runs out.

A lease is a row (name, holder, expires_at), taken or renewed with one conditional upsert: it goes
to the caller when nobody holds it, when the caller already does, or when the holder's time ran
out. The outbox dispatcher uses one on SQLite, where several processes may open the same file and
PostgreSQL's advisory locks are not there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import database
from storage.models import Lease


async def take(session: AsyncSession, name: str, *, holder: str, now: datetime, until: datetime) -> bool:
    """Take or renew ``name`` for ``holder`` until ``until``; whether ``holder`` holds it now."""
    insert = database.insert_for(session.bind.dialect.name)
    statement = insert(Lease).values(name=name, holder=holder, expires_at=until).on_conflict_do_update(
        index_elements=[Lease.name], set_={"holder": holder, "expires_at": until},
        where=or_(Lease.holder == holder, Lease.expires_at < now))  # fmt: skip
    return (await session.execute(statement)).rowcount == 1


async def holder_of(session: AsyncSession, name: str) -> str | None:
    return await session.scalar(select(Lease.holder).where(Lease.name == name))


async def take_from(session: AsyncSession, name: str, *, holder: str, previous: str, until: datetime) -> bool:
    """Take ``name`` from ``previous`` (known to be gone) before its time runs out; False if it moved on."""
    result = await session.execute(update(Lease).where(Lease.name == name, Lease.holder == previous)
                                   .values(holder=holder, expires_at=until)
                                   .execution_options(synchronize_session=False))  # fmt: skip
    return result.rowcount == 1


async def give_up(session: AsyncSession, name: str, *, holder: str) -> None:
    """Hand ``name`` back, so another process takes it at once rather than when it would run out."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))
