"""Each update takes effect once: its id is claimed in the transaction that applies it.

An update the webhook acknowledged before handling it is *held* (kept in the database) until it is
handled, since Telegram will not send it again: a process that dies meanwhile leaves it held, and
the next process to look takes it over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage import database
from storage.models import HeldUpdate, ProcessedUpdate

_CLAIM = {  # built once per database: every update is claimed
    name: database.insert_for(name)(ProcessedUpdate.__table__).on_conflict_do_nothing()
    for name in ("sqlite", "postgresql")
}
# Telegram keeps an undelivered update for 24 hours: an id older than that cannot come again.
REMEMBER_FOR = timedelta(days=1)
_HOLD = {
    name: database.insert_for(name)(HeldUpdate.__table__).on_conflict_do_nothing()
    for name in ("sqlite", "postgresql")
}


async def claim(session: AsyncSession, update_id: int, *, at: datetime) -> bool:
    """Record ``update_id`` as applied; False when it was applied before (a re-delivery).

    The row commits or rolls back with the update's effect, so a crash before commit leaves the
    update unclaimed and the re-delivery applies it. One statement: on PostgreSQL a concurrent
    claim of the same id waits for the first transaction and then finds the conflict.
    """
    result = await session.execute(_CLAIM[session.bind.dialect.name], {"update_id": update_id, "processed_at": at})
    return result.rowcount == 1


async def forget_old(session: AsyncSession, *, now: datetime) -> int:
    """Drop the ids applied more than ``REMEMBER_FOR`` ago (no re-delivery can come that late); how many."""
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < now - REMEMBER_FOR)
                                   .execution_options(synchronize_session=False))  # fmt: skip
    return max(result.rowcount or 0, 0)


async def hold(session: AsyncSession, update_id: int, payload: dict[str, Any], *, until: datetime) -> None:
    """Keep an acknowledged update until ``release``; this process handles it until ``until``."""
    await session.execute(_HOLD[session.bind.dialect.name],
                          {"update_id": update_id, "payload": payload, "held_until": until})  # fmt: skip


async def release(session: AsyncSession, update_id: int) -> None:
    """The held update has been handled."""
    await session.execute(delete(HeldUpdate).where(HeldUpdate.update_id == update_id))


async def take_over(session: AsyncSession, *, now: datetime, until: datetime,
                    everything: bool = False) -> list[dict[str, Any]]:  # fmt: skip
    """Held updates whose handler's lease ran out (or all, ``everything``), now held by the caller.

    Each is taken with a conditional UPDATE on the lease it had, so two processes looking at once
    do not both take it.
    """
    query = select(HeldUpdate.update_id, HeldUpdate.held_until).order_by(HeldUpdate.update_id)
    if not everything:
        query = query.where(HeldUpdate.held_until < now)
    taken = []
    for update_id, held_until in (await session.execute(query)).all():
        result = await session.execute(
            update(HeldUpdate)
            .where(HeldUpdate.update_id == update_id, HeldUpdate.held_until == held_until)
            .values(held_until=until)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            taken.append(update_id)
    if not taken:
        return []
    rows = await session.scalars(select(HeldUpdate.payload).where(HeldUpdate.update_id.in_(taken))
                                 .order_by(HeldUpdate.update_id))  # fmt: skip
    return list(rows)
