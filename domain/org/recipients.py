"""Who hears about a unit's business: its secretaries, the reviewers above it, the groups bound above it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import permissions
from domain.org.units import ancestor_ids
from storage.models import Chat, Person, Role, RoleAssignment, Unit


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int  # a private chat's id is the user's id
    name: str
    locale: str | None


async def holders(session: AsyncSession, *, role: Role, unit_ids: list[int]) -> list[Recipient]:
    """People holding ``role`` on any of ``unit_ids`` who have joined (so can be written to)."""
    rows = await session.scalars(
        select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .where(RoleAssignment.live(), RoleAssignment.role == role, RoleAssignment.unit_id.in_(unit_ids),
               Person.telegram_user_id.is_not(None))
        .distinct().order_by(Person.id)
    )  # fmt: skip
    return [Recipient(p.id, p.telegram_user_id, p.name, p.locale) for p in rows]


async def secretaries(session: AsyncSession, unit: Unit) -> list[Recipient]:
    return await holders(session, role=Role.secretary, unit_ids=[unit.id])


async def reviewers(session: AsyncSession, unit: Unit) -> list[Recipient]:
    """Who reviews ``unit``: the one rule of ``permissions.reviewers_of`` (the nearest committee
    reviewers above it, else the nearest admins above it)."""
    lineage = ancestor_ids(unit)
    rows = await session.execute(
        select(RoleAssignment.role, RoleAssignment.unit_id, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(RoleAssignment.live(), RoleAssignment.role.in_((Role.committee, Role.admin)),
               RoleAssignment.unit_id.in_(lineage[:-1]),
               Person.telegram_user_id.is_not(None))
        .order_by(Person.id)
    )  # fmt: skip
    by_unit: dict[tuple[Role, int], dict[int, Recipient]] = defaultdict(dict)
    for role, unit_id, p in rows:
        by_unit[role, unit_id].setdefault(p.id, Recipient(p.id, p.telegram_user_id, p.name, p.locale))
    return permissions.reviewers_of(lineage, lambda role, unit_id: by_unit.get((role, unit_id), {}).values())


async def groups_above(session: AsyncSession, unit: Unit) -> list[Chat]:
    """Group chats bound to the unit's committees (every unit above it)."""
    above = ancestor_ids(unit)[:-1]
    return list(await session.scalars(select(Chat).where(Chat.unit_id.in_(above)).order_by(Chat.id)))
