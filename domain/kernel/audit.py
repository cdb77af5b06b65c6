"""The audit log (审计日志): who did what, when, before → after. Every state change writes one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry

_INSERT = insert(AuditEntry.__table__)  # built once: it is written with nearly every update


async def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    update_id: int | None = None,
) -> None:
    # A plain INSERT, written at once: no ORM object is kept for a row nothing here reads back.
    row = {"at": at, "actor_id": actor_id, "action": action, "subject_type": subject_type,
           "subject_id": str(subject_id), "before": before, "after": after, "update_id": update_id}  # fmt: skip
    await session.execute(_INSERT, row)
