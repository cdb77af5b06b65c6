"""An admin's broadcast (组织部通知): the only notice sent during quiet hours."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit, outbox
from domain.kernel.outbox import Notice
from domain.reminders.directory import Directory
from storage.models import Role


async def broadcast(session: AsyncSession, *, unit_id: int, text: str, actor_id: int | None, now: datetime) -> int:
    """Queue ``text`` to everyone holding a role in ``unit_id``'s subtree; returns how many people."""
    directory = await Directory.load(session)
    inside = {u.id for u in directory.subtree(unit_id)}
    people = {}
    for role in Role:
        for unit in inside:
            for person in directory.holders(role, unit):
                people.setdefault(person.person_id, person)
    token = uuid.uuid4().hex[:12]
    notices = [Notice(key=f"broadcast:{token}:p{p.person_id}", kind="broadcast", chat_id=p.chat_id,
                      person_id=p.person_id, subject=f"broadcast:{token}", template="reminder_broadcast.html.j2",
                      values={"text": text}, not_before=now, bypass_quiet=True)
               for p in people.values()]  # fmt: skip
    await outbox.enqueue(session, notices, now=now)
    await audit.record(session, at=now, actor_id=actor_id, action="broadcast.queued", subject_type="unit",
                       subject_id=unit_id, after={"token": token, "people": len(notices), "text": text})  # fmt: skip
    return len(notices)
