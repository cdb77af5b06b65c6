"""People (人员) and what they may do: roles held over units, checked on the server for every action.

A role held on a unit covers that unit's whole subtree (a committee reviewer over a town committee
sees its branches; an admin on the department sees everything).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from storage.models import Chat, Person, Role, RoleAssignment, Unit, UnitType

# The order roles are shown in (greeting, /help).
ROLE_ORDER = (Role.admin, Role.committee, Role.inspector, Role.panel, Role.secretary)


@dataclass(frozen=True)
class Grant:
    role: Role
    unit_id: int
    unit_code: str
    unit_name: str
    unit_path: str
    unit_type: UnitType | None = None


@dataclass(frozen=True)
class Actor:
    """The person behind an update, with every role they hold. ``person`` is None for strangers."""

    telegram_user_id: int
    person_id: int | None = None
    name: str | None = None
    locale: str | None = None
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    unreachable: bool = False  # had blocked the bot; writing to it again makes them reachable

    @property
    def known(self) -> bool:
        return self.person_id is not None

    @property
    def roles(self) -> list[Role]:
        held = {g.role for g in self.grants}
        return [r for r in ROLE_ORDER if r in held]

    def has(self, role: Role) -> bool:
        return any(g.role is role for g in self.grants)

    # What a role allows, and where, is the permissions table's (domain.org.permissions).


_ACTOR = (  # built once: every update loads its actor
    select(Person.id, Person.name, Person.locale, Person.unreachable_since, RoleAssignment.role, Unit.id, Unit.code,
           Unit.name, Unit.path, Unit.type)
    .outerjoin(RoleAssignment, (RoleAssignment.person_id == Person.id) & RoleAssignment.live())
    .outerjoin(Unit, Unit.id == RoleAssignment.unit_id)
    .where(Person.telegram_user_id == bindparam("telegram_user_id"))
    .order_by(RoleAssignment.id)
)  # fmt: skip


async def actor_for(session: AsyncSession, telegram_user_id: int) -> Actor:
    """The person behind a Telegram user with all their roles, in one query."""
    rows = (await session.execute(_ACTOR, {"telegram_user_id": telegram_user_id})).all()
    if not rows:
        chat = await session.get(Chat, telegram_user_id)  # a private chat's id is the user's id
        return Actor(telegram_user_id=telegram_user_id, locale=chat.locale if chat else None)
    person_id, name, locale, unreachable_since = rows[0][:4]
    grants = tuple(Grant(role, unit_id, code, unit_name, path, unit_type)
                   for *_, role, unit_id, code, unit_name, path, unit_type in rows if role is not None)  # fmt: skip
    return Actor(telegram_user_id, person_id, name, locale, grants, unreachable=unreachable_since is not None)


async def set_locale(session: AsyncSession, *, actor: Actor, locale: str, at: datetime, update_id: int | None) -> None:
    """Remember the language chosen with /lang: on the person, or on the private chat of a stranger."""
    if actor.person_id is None:
        chat = await session.get(Chat, actor.telegram_user_id)
        if chat is None:
            session.add(Chat(id=actor.telegram_user_id, type="private", locale=locale))
        else:
            chat.locale = locale
        return
    person = await session.get_one(Person, actor.person_id)
    before = person.locale
    if before == locale:
        return
    person.locale = locale
    await audit.record(session, at=at, actor_id=person.id, action="person.locale", subject_type="person",
                       subject_id=person.id, before={"locale": before}, after={"locale": locale},
                       update_id=update_id)  # fmt: skip
