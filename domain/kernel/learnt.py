"""Small facts the bot learns at run time and keeps, e.g. its own username for invite links."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage import database
from storage.models import Setting

BOT_USERNAME = "bot_username"


async def remember(session: AsyncSession, key: str, value: str) -> None:
    """Keep ``value`` under ``key``: one statement, so processes starting together do not collide."""
    statement = database.insert_for(session.bind.dialect.name)(Setting.__table__).values(key=key, value=value)
    await session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


async def recall(session: AsyncSession, key: str) -> str | None:
    stored = await session.get(Setting, key)
    return stored.value if stored else None
