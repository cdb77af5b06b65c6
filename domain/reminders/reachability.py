"""People who blocked the bot (无法送达): marked, their committee told, cleared when they write again."""

from __future__ import annotations

from datetime import datetime, tzinfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit, outbox, workdays
from domain.kernel.outbox import Notice
from domain.reminders.directory import Directory
from storage.models import Person


async def mark_unreachable(session: AsyncSession, *, person_id: int, now: datetime, tz: tzinfo) -> None:
    """Record that Telegram refused to deliver to ``person_id`` and tell their committee's group once a day."""
    person = await session.get(Person, person_id)
    if person is None:
        return
    if person.unreachable_since is None:
        person.unreachable_since = now
        await audit.record(session, at=now, actor_id=None, action="person.unreachable", subject_type="person",
                           subject_id=person.id, before=None, after={"unreachable_since": now.isoformat()})  # fmt: skip
    directory = await Directory.load(session)
    unit_ids = directory.units_of(person.id)
    groups = {g.chat_id: g for g in (directory.nearest_group(u) for u in unit_ids) if g is not None}
    values = {"person": person.name, "units": [directory.unit(u).name for u in unit_ids]}
    today = workdays.local_date(now, tz)
    await outbox.enqueue(session, [
        Notice(key=f"unreachable:p{person.id}:c{chat_id}:{today.isoformat()}", kind="person.unreachable",
               chat_id=chat_id, subject=f"person:{person.id}", template="reminder_unreachable.html.j2",
               values=values, not_before=now)
        for chat_id in groups
    ], now=now)  # fmt: skip


async def mark_reachable(session: AsyncSession, *, telegram_user_id: int, now: datetime) -> bool:
    """They wrote to the bot: deliveries may resume. True when they had been unreachable."""
    person = await session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id,
                                                       Person.unreachable_since.is_not(None)))  # fmt: skip
    if person is None:
        return False
    before = person.unreachable_since
    await session.execute(update(Person).where(Person.id == person.id).values(unreachable_since=None))
    await audit.record(session, at=now, actor_id=person.id, action="person.reachable", subject_type="person",
                       subject_id=person.id, before={"unreachable_since": before.isoformat()}, after=None)
    return True
