"""Each update takes effect once: its id is claimed in the transaction that applies it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, update_id: int, *, at: datetime) -> bool:
    """Record ``update_id`` as applied; False when it was applied before (a re-delivery).

    The row commits or rolls back with the update's effect, so a crash before commit leaves the
    update unclaimed and the re-delivery applies it. One statement: on PostgreSQL a concurrent
    claim of the same id waits for the first transaction and then finds the conflict.
    """
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    result = await session.execute(
        insert(ProcessedUpdate).values(update_id=update_id, processed_at=at).on_conflict_do_nothing()
    )
    return result.rowcount == 1
