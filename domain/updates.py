"""Each update takes effect once: its id is claimed in the transaction that applies it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, update_id: int, *, at: datetime) -> bool:
    """Record ``update_id`` as applied; False when it was applied before (a re-delivery).

    The row commits or rolls back with the update's effect, so a crash before commit leaves the
    update unclaimed and the re-delivery applies it.
    """
    if await session.get(ProcessedUpdate, update_id) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedUpdate(update_id=update_id, processed_at=at))
    except IntegrityError:  # another process claimed it between our read and our insert
        return False
    return True
