"""Each update takes effect once: its id is claimed in the transaction that applies it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import database
from storage.models import ProcessedUpdate

_CLAIM = {  # built once per database: every update is claimed
    name: database.insert_for(name)(ProcessedUpdate.__table__).on_conflict_do_nothing()
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
