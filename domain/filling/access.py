"""Whose form it is to fill: a form goes with the role that opened it.

A branch's forms (自评, 组织生活记录) are its secretaries' to fill, an evaluation (组织考评) its
committee reviewers'. When a role is withdrawn (收回) the forms it covered are closed, and what is
pressed or typed on them afterwards is answered "not allowed", not "no longer current": the person
should know they lost the right, not that they were slow.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling.purposes import PURPOSES
from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from storage.models import FormSession


def may_fill(actor: Actor, form: FormSession) -> bool:
    """Whether the actor's live roles still cover the form's unit for what the form is for."""
    if form.person_id != actor.person_id:
        return False
    return permissions.allows(actor, PURPOSES.get(form.purpose).action, form.unit.path)


async def lost(session: AsyncSession, *, chat_id: int, actor: Actor) -> bool:
    """Whether the last form of this chat was the actor's and their roles no longer cover it (a button
    of a form closed when a role was withdrawn answers "not allowed")."""
    form = await session.scalar(select(FormSession).where(FormSession.chat_id == chat_id)
                                .order_by(FormSession.id.desc()).limit(1))  # fmt: skip
    return form is not None and form.person_id == actor.person_id and not may_fill(actor, form)


async def close_lost(session: AsyncSession, *, actor: Actor, at: datetime, by: int | None,
                     update_id: int | None) -> list[FormSession]:  # fmt: skip
    """Close the actor's open forms that their roles (as they are now) no longer cover."""
    if actor.person_id is None:
        return []
    open_forms = (await session.scalars(select(FormSession).where(
        FormSession.person_id == actor.person_id, FormSession.closed_at.is_(None)).order_by(FormSession.id)
    )).all()  # fmt: skip
    closed = [form for form in open_forms if not may_fill(actor, form)]
    for form in closed:
        # One UPDATE that bumps the step too: a button of the closed form's last prompt is stale to
        # any reader that still holds the row.
        await session.execute(update(FormSession).where(FormSession.id == form.id, FormSession.closed_at.is_(None))
                              .values(closed_at=at, step=FormSession.step + 1, updated_at=at)
                              .execution_options(synchronize_session=False))  # fmt: skip
        await audit.record(session, at=at, actor_id=by, action="form.withdrawn", subject_type="form_session",
                           subject_id=form.id, before={"person": form.person_id, "form": form.form_id},
                           after={"closed_at": at.isoformat(), "reason": "role withdrawn"},
                           update_id=update_id)  # fmt: skip
    return list(closed)
