"""Small facts the bot learns at run time and keeps, e.g. its own username for invite links."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Setting

BOT_USERNAME = "bot_username"


async def remember(session: AsyncSession, key: str, value: str) -> None:
    """Keep ``value`` under ``key``: one statement, so processes starting together do not collide."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Setting.__table__).values(key=key, value=value)
    await session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


async def recall(session: AsyncSession, key: str) -> str | None:
    stored = await session.get(Setting, key)
    return stored.value if stored else None
