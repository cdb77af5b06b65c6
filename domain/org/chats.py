"""Chats: private chats and committee group chats (党委群) bound to a unit to receive its notices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from storage.models import Chat, Unit


class BindProblem(enum.StrEnum):
    not_group = "not_group"
    not_group_admin = "not_group_admin"
    no_role = "no_role"
    ambiguous = "ambiguous"
    not_bound = "not_bound"


class BindRefused(Exception):
    def __init__(self, problem: BindProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def bindable_units(actor: Actor) -> list[tuple[int, str, str]]:
    """The (unit id, code, name) this actor could bind a group to: units where they review or administer."""
    return [(g.unit_id, g.unit_code, g.unit_name) for g in permissions.grants_for(actor, Action.bind_group)]


async def bind_group(
    session: AsyncSession,
    *,
    actor: Actor,
    chat_id: int,
    chat_type: str,
    title: str | None,
    is_group_admin: bool,
    unit_id: int | None,
    at: datetime,
    update_id: int | None,
) -> Unit:
    """Bind a group chat to a unit the actor reviews; re-checks every condition on the server."""
    if chat_type not in ("group", "supergroup"):
        raise BindRefused(BindProblem.not_group)
    if not is_group_admin:
        raise BindRefused(BindProblem.not_group_admin)
    choices = bindable_units(actor)
    if unit_id is None:
        if len(choices) != 1:
            raise BindRefused(BindProblem.no_role if not choices else BindProblem.ambiguous)
        unit_id = choices[0][0]
    unit = await session.get(Unit, unit_id)
    if unit is None or not permissions.allows(actor, Action.bind_group, unit.path):
        raise BindRefused(BindProblem.no_role)
    chat = await session.get(Chat, chat_id)
    before = _snapshot(chat)
    if chat is None:
        chat = Chat(id=chat_id, type=chat_type)
        session.add(chat)
    chat.title, chat.unit_id, chat.bound_by, chat.bound_at = title, unit.id, actor.person_id, at
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="chat.bound", subject_type="chat",
                       subject_id=chat_id, before=before, after=_snapshot(chat), update_id=update_id)  # fmt: skip
    return unit


async def unbind_group(
    session: AsyncSession, *, actor: Actor, chat_id: int, is_group_admin: bool, at: datetime,
    update_id: int | None,
) -> Unit:  # fmt: skip
    chat = await session.get(Chat, chat_id)
    if chat is None or chat.unit_id is None:
        raise BindRefused(BindProblem.not_bound)
    if not is_group_admin:
        raise BindRefused(BindProblem.not_group_admin)
    unit = await session.get_one(Unit, chat.unit_id)
    if not permissions.allows(actor, Action.bind_group, unit.path):
        raise BindRefused(BindProblem.no_role)
    before = _snapshot(chat)
    chat.unit_id, chat.bound_by, chat.bound_at = None, None, None
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id, action="chat.unbound", subject_type="chat",
                       subject_id=chat_id, before=before, after=_snapshot(chat), update_id=update_id)  # fmt: skip
    return unit


def _snapshot(chat: Chat | None) -> dict[str, object] | None:
    if chat is None:
        return None
    return {"unit_id": chat.unit_id, "title": chat.title}
