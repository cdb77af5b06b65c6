"""Invites (邀请): a single-use, expiring token that binds a Telegram user to a person, role and unit.

Only the token's SHA-256 is stored. Redeeming checks everything again inside the transaction, and
takes the invite with one conditional UPDATE (``… WHERE used_at IS NULL``): of two people redeeming the
same token at once, exactly one gets the role, whatever the database's isolation.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from storage.models import Invite, Person, Role, RoleAssignment, Unit

DEFAULT_DAYS = 7
MAX_DAYS = 90


class InviteProblem(enum.StrEnum):
    unknown = "unknown"
    used = "used"
    expired = "expired"
    other_person = "other_person"


class NotAllowed(Exception):
    """The actor may not invite this role to this unit."""


def check_may_invite(actor: Actor, role: Role, unit: Unit) -> None:
    """Re-checked on every invite, whatever button or command asked for it."""
    if not permissions.allows(actor, permissions.INVITE[role], unit.path):
        raise NotAllowed(role.value)


class InviteRefused(Exception):
    def __init__(self, problem: InviteProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class NewInvite:
    token: str
    role: Role
    unit: Unit
    name: str | None
    expires_at: datetime


@dataclass(frozen=True)
class Redeemed:
    person: Person
    role: Role
    unit: Unit
    already_known: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create(
    session: AsyncSession,
    *,
    role: Role,
    unit: Unit,
    name: str | None,
    days: int,
    actor_id: int | None,
    at: datetime,
) -> NewInvite:
    """Create an invite; the clear token is returned once and never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    # Deep-link payloads allow [A-Za-z0-9_-] up to 64 characters; 16 bytes is 22 of them.
    token = secrets.token_urlsafe(16)
    invite = Invite(token_hash=hash_token(token), role=role, unit_id=unit.id, name=name,
                    created_by=actor_id, created_at=at, expires_at=at + timedelta(days=days))  # fmt: skip
    session.add(invite)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="invite.created", subject_type="invite",
                       subject_id=invite.id, after={"role": role.value, "unit": unit.code, "name": name,
                                                    "expires_at": invite.expires_at.isoformat()})  # fmt: skip
    return NewInvite(token, role, unit, name, invite.expires_at)


async def redeem(
    session: AsyncSession, *, token: str, actor: Actor, display_name: str, at: datetime, update_id: int | None
) -> Redeemed:
    """Bind the Telegram user to the invite's person, role and unit, or raise InviteRefused."""
    invite = await session.scalar(select(Invite).where(Invite.token_hash == hash_token(token)))
    if invite is None:
        raise InviteRefused(InviteProblem.unknown)
    if invite.used_at is not None:
        raise InviteRefused(InviteProblem.used)
    if invite.expires_at <= at:
        raise InviteRefused(InviteProblem.expired)
    # The read above took no lock: claim the invite before anything is created. A concurrent redeem
    # that claimed it first leaves no row to update (PostgreSQL re-checks the condition once the
    # other transaction commits), so this one is refused and creates nothing.
    taken = await session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=at)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise InviteRefused(InviteProblem.used)
    unit = await session.get_one(Unit, invite.unit_id)
    if actor.person_id is not None:
        person = await session.get_one(Person, actor.person_id)
    else:
        # A language picked with /lang before joining (kept on the private chat) stays the person's.
        person = Person(name=invite.name or display_name, telegram_user_id=actor.telegram_user_id,
                        locale=actor.locale, created_at=at)  # fmt: skip
        session.add(person)
        await session.flush()
        await audit.record(session, at=at, actor_id=person.id, action="person.joined", subject_type="person",
                           subject_id=person.id, after={"name": person.name}, update_id=update_id)  # fmt: skip
    held = await session.scalar(
        select(RoleAssignment).where(RoleAssignment.person_id == person.id, RoleAssignment.role == invite.role,
                                     RoleAssignment.unit_id == unit.id, RoleAssignment.live())  # fmt: skip
    )
    if held is None:
        session.add(RoleAssignment(person_id=person.id, role=invite.role, unit_id=unit.id, created_at=at))
        await audit.record(session, at=at, actor_id=person.id, action="role.granted", subject_type="person",
                           subject_id=person.id, after={"role": invite.role.value, "unit": unit.code},
                           update_id=update_id)  # fmt: skip
    invite.used_at, invite.used_by = at, person.id
    await audit.record(session, at=at, actor_id=person.id, action="invite.used", subject_type="invite",
                       subject_id=invite.id, before={"used_at": None}, after={"used_at": at.isoformat()},
                       update_id=update_id)  # fmt: skip
    await session.flush()
    return Redeemed(person, invite.role, unit, already_known=actor.known)
