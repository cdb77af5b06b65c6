"""A unit's people (人员), withdrawing a role (收回角色) and handing a branch to a new secretary (换届).

A withdrawn role is kept as history, stamped with when, by whom and why; from that moment it grants
nothing (every query of roles that grant something filters on ``RoleAssignment.live()``). What the
person had open under it goes with it, in the same transaction: their open forms on the unit are
closed, and reminders still waiting for them about it are not sent (the dispatcher asks
``domain.reminders.current`` whether the recipient still holds the role when it sends). A branch's
problem list, campaigns and reminders belong to the branch, not to a person: the new secretary has
them at once and is reminded from the next sweep on.

Only admins (组织部) over the unit, or the command line, may do this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import access
from domain.kernel import audit, outbox
from domain.kernel.outbox import Notice
from domain.org import invites, people, permissions
from domain.org.people import ROLE_ORDER, Actor
from domain.org.permissions import Action
from storage.models import Person, ProblemItem, ProblemStatus, Role, RoleAssignment, Unit, UnitType

HANDOVER_REASON = "换届"
# The reasons offered as buttons in the chat (kept as written, in Chinese, like the command line's).
REASONS = {"term": HANDOVER_REASON, "transfer": "工作调动", "left": "离任", "mistake": "录入有误"}
CANDIDATES = 20  # existing people offered as the new secretary in the chat
CHILDREN = 40  # sub-units offered as buttons on a unit's card
BRANCHES = (UnitType.branch, UnitType.general_branch)  # units that have secretaries


class NotAllowed(Exception):
    """The actor may not manage this unit's people (or this role)."""


class Stale(Exception):
    """The role was withdrawn already, or the person or unit is gone."""


@dataclass(frozen=True)
class Holding:
    """One role a person holds (or held) on a unit."""

    assignment_id: int
    person_id: int
    name: str
    joined: bool  # has a Telegram account linked (can be written to)
    role: Role
    unit_id: int
    unit_code: str
    unit_name: str
    since: datetime
    revoked_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Withdrawn:
    holding: Holding
    telegram_user_id: int | None
    forms_closed: int


@dataclass(frozen=True)
class HandedOver:
    unit: Unit
    withdrawn: list[Withdrawn]
    new_secretary: str | None  # the existing person's name, when handed to one
    new_telegram_user_id: int | None
    invite: invites.NewInvite | None  # when handed over by invite
    open_items: int  # the branch's open problem-list items, which the new secretary takes


@dataclass(frozen=True)
class Card:
    """What an admin sees of one unit: who holds which role there, and where to go from it."""

    unit: Unit
    holdings: list[Holding]
    children: list[Unit]
    more_children: int  # sub-units beyond ``CHILDREN``, reached with /people CODE
    parent: Unit | None  # the unit above, when the admin manages it too
    branch: bool  # it has secretaries, so it can be handed over


def check_may_manage(actor: Actor | None, unit: Unit) -> None:
    """Admins over ``unit`` manage its people; ``None`` is the command line (the shell is trusted)."""
    if actor is not None and not permissions.allows(actor, Action.manage_people, unit.path):
        raise NotAllowed(unit.code)


def managed_units(actor: Actor) -> list[people.Grant]:
    """Where an admin starts looking: the units of their admin roles."""
    return permissions.grants_for(actor, Action.manage_people)


def _holding(assignment: RoleAssignment, person: Person, unit: Unit) -> Holding:
    return Holding(assignment.id, person.id, person.name, person.telegram_user_id is not None, assignment.role,
                   unit.id, unit.code, unit.name, assignment.created_at, assignment.revoked_at,
                   assignment.reason)  # fmt: skip


def _sorted(holdings: list[Holding]) -> list[Holding]:
    return sorted(holdings, key=lambda h: (h.unit_code, ROLE_ORDER.index(h.role), h.name, h.assignment_id))


async def people_of(session: AsyncSession, unit: Unit, *, subtree: bool = False,
                    withdrawn: bool = False) -> list[Holding]:  # fmt: skip
    """The roles held on ``unit`` (and its subtree, when asked); withdrawn ones too, when asked."""
    query = (select(RoleAssignment, Person, Unit).join(Person, Person.id == RoleAssignment.person_id)
             .join(Unit, Unit.id == RoleAssignment.unit_id))  # fmt: skip
    query = query.where(Unit.path.startswith(unit.path, autoescape=True) if subtree else Unit.id == unit.id)
    if not withdrawn:
        query = query.where(RoleAssignment.live())
    return _sorted([_holding(*row) for row in (await session.execute(query)).all()])


async def card(session: AsyncSession, *, actor: Actor, unit_id: int) -> Card:
    """The unit's card for an admin over it; Stale when the unit is gone, NotAllowed outside their scope."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise Stale(str(unit_id))
    check_may_manage(actor, unit)
    children = list((await session.scalars(select(Unit).where(Unit.parent_id == unit.id).order_by(Unit.code))).all())
    parent = await session.get(Unit, unit.parent_id) if unit.parent_id is not None else None
    if parent is not None and not permissions.allows(actor, Action.manage_people, parent.path):
        parent = None
    return Card(unit, await people_of(session, unit), children[:CHILDREN], max(len(children) - CHILDREN, 0), parent,
                unit.type in BRANCHES)  # fmt: skip


async def holding(session: AsyncSession, assignment_id: int) -> Holding | None:
    row = (await session.execute(
        select(RoleAssignment, Person, Unit).join(Person, Person.id == RoleAssignment.person_id)
        .join(Unit, Unit.id == RoleAssignment.unit_id).where(RoleAssignment.id == assignment_id)
    )).first()  # fmt: skip
    return _holding(*row) if row else None


async def withdrawal_offer(session: AsyncSession, *, actor: Actor, assignment_id: int) -> Holding:
    """The live role an admin is about to withdraw (asked for a reason first); Stale or NotAllowed."""
    found = await holding(session, assignment_id)
    if found is None or found.revoked_at is not None:
        raise Stale(str(assignment_id))
    check_may_manage(actor, await session.get_one(Unit, found.unit_id))
    if found.person_id == actor.person_id and found.role is Role.admin:
        raise NotAllowed("own admin role")
    return found


@dataclass(frozen=True)
class Offer:
    """A handover about to be made: the branch, its secretaries now, and who may take it over."""

    unit: Unit
    outgoing: list[Holding]
    candidates: list[tuple[int, str]]  # (person id, name), existing people
    new_person: tuple[int, str] | None = None  # the one chosen, once chosen


async def handover_offer(session: AsyncSession, *, actor: Actor, unit_id: int,
                         to_person_id: int | None = None) -> Offer:  # fmt: skip
    """What a handover of ``unit_id`` would do (to ``to_person_id``, or to an invite when None)."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        raise Stale(str(unit_id))
    check_may_manage(actor, unit)
    if unit.type not in BRANCHES:
        raise NotAllowed(f"{unit.code} is not a branch")
    outgoing = [h for h in await people_of(session, unit) if h.role is Role.secretary and h.person_id != to_person_id]
    new_person = None
    if to_person_id is not None:
        person = await session.get(Person, to_person_id)
        if person is None or person.telegram_user_id is None:
            raise Stale(f"person {to_person_id}")
        new_person = (person.id, person.name)
    return Offer(unit, outgoing, await candidates(session, unit) if to_person_id is None else [], new_person)


async def candidates(session: AsyncSession, unit: Unit) -> list[tuple[int, str]]:
    """Existing people who could take the branch over: those holding a role under the committee above
    it (the department when there is none), who have joined, other than its secretaries."""
    scope = unit
    if unit.parent_id is not None:
        scope = await session.get_one(Unit, unit.parent_id)
    current = {h.person_id for h in await people_of(session, unit) if h.role is Role.secretary}
    rows = (await session.execute(
        select(Person.id, Person.name).join(RoleAssignment, RoleAssignment.person_id == Person.id)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(RoleAssignment.live(), Unit.path.startswith(scope.path, autoescape=True),
               Person.telegram_user_id.is_not(None))
        .distinct().order_by(Person.name, Person.id)
    )).all()  # fmt: skip
    return [(pid, name) for pid, name in rows if pid not in current][:CANDIDATES]


async def withdraw(session: AsyncSession, *, actor: Actor | None, assignment_id: int, reason: str, at: datetime,
                   update_id: int | None = None) -> Withdrawn:  # fmt: skip
    """Withdraw one role: stamp it, close the forms it covered, tell the person. Stale if it is gone."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required")
    assignment = await session.scalar(select(RoleAssignment).where(RoleAssignment.id == assignment_id)
                                      .with_for_update())  # fmt: skip
    if assignment is None or assignment.revoked_at is not None:
        raise Stale(str(assignment_id))
    unit = await session.get_one(Unit, assignment.unit_id)
    check_may_manage(actor, unit)
    if actor is not None and assignment.person_id == actor.person_id and assignment.role is Role.admin:
        raise NotAllowed("own admin role")  # an admin cannot lock themselves out from the chat
    return await _withdraw(session, assignment, unit, actor_id=actor.person_id if actor else None, reason=reason,
                           at=at, update_id=update_id)  # fmt: skip


async def _withdraw(session: AsyncSession, assignment: RoleAssignment, unit: Unit, *, actor_id: int | None,
                    reason: str, at: datetime, update_id: int | None) -> Withdrawn:  # fmt: skip
    person = await session.get_one(Person, assignment.person_id)
    assignment.revoked_at, assignment.revoked_by, assignment.reason = at, actor_id, reason
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="role.withdrawn", subject_type="person",
                       subject_id=person.id, before={"role": assignment.role.value, "unit": unit.code},
                       after={"revoked_at": at.isoformat(), "reason": reason, "assignment": assignment.id},
                       update_id=update_id)  # fmt: skip
    closed: list = []
    if person.telegram_user_id is not None:
        remaining = await people.actor_for(session, person.telegram_user_id)  # live roles, as they are now
        closed = await access.close_lost(session, actor=remaining, at=at, by=actor_id, update_id=update_id)
        await outbox.enqueue(session, [Notice(
            key=f"role:{assignment.id}:withdrawn", kind="person.role_withdrawn", chat_id=person.telegram_user_id,
            person_id=person.id, subject=f"role:{assignment.id}", template="role_withdrawn.html.j2",
            values={"role": assignment.role.value, "unit_name": unit.name, "reason": reason,
                    "forms_closed": len(closed)},
            not_before=at)], now=at)  # fmt: skip
    holding = _holding(assignment, person, unit)
    return Withdrawn(holding, person.telegram_user_id, len(closed))


async def hand_over(session: AsyncSession, *, actor: Actor | None, unit: Unit, to_person_id: int | None = None,
                    invite_name: str | None = None, invite_days: int = invites.DEFAULT_DAYS,
                    reason: str = HANDOVER_REASON, at: datetime, update_id: int | None = None) -> HandedOver:  # fmt: skip
    """Hand ``unit`` to a new secretary: an existing person (``to_person_id``) or whoever redeems a new
    invite (when ``to_person_id`` is None). Every other secretary of the unit loses the role."""
    check_may_manage(actor, unit)
    if unit.type not in BRANCHES:
        raise NotAllowed(f"{unit.code} is not a branch")
    actor_id = actor.person_id if actor else None
    held = (await session.scalars(
        select(RoleAssignment).where(RoleAssignment.unit_id == unit.id, RoleAssignment.role == Role.secretary,
                                     RoleAssignment.live()).order_by(RoleAssignment.id).with_for_update()
    )).all()  # fmt: skip
    before = sorted(a.person_id for a in held)
    new_person = None
    if to_person_id is not None:
        new_person = await session.get(Person, to_person_id)
        if new_person is None or new_person.telegram_user_id is None:
            raise Stale(f"person {to_person_id}")
        if not any(a.person_id == new_person.id for a in held):
            grant = RoleAssignment(person_id=new_person.id, role=Role.secretary, unit_id=unit.id, created_at=at)
            session.add(grant)
            await session.flush()
            await audit.record(session, at=at, actor_id=actor_id, action="role.granted", subject_type="person",
                               subject_id=new_person.id, after={"role": Role.secretary.value, "unit": unit.code,
                                                                "assignment": grant.id},
                               update_id=update_id)  # fmt: skip
    withdrawn = [await _withdraw(session, a, unit, actor_id=actor_id, reason=reason, at=at, update_id=update_id)
                 for a in held if new_person is None or a.person_id != new_person.id]  # fmt: skip
    created = None
    if new_person is None:
        created = await invites.create(session, role=Role.secretary, unit=unit, name=invite_name, days=invite_days,
                                       actor_id=actor_id, at=at)  # fmt: skip
    open_items = await session.scalar(select(func.count()).select_from(ProblemItem).where(
        ProblemItem.unit_id == unit.id, ProblemItem.status == ProblemStatus.open)) or 0  # fmt: skip
    if new_person is not None:
        await outbox.enqueue(session, [Notice(
            key=f"handover:u{unit.id}:p{new_person.id}:{at:%Y%m%d%H%M%S}", kind="person.role_granted",
            chat_id=new_person.telegram_user_id, person_id=new_person.id, subject=f"unit:{unit.id}",
            template="role_granted.html.j2",
            values={"role": Role.secretary.value, "unit_name": unit.name, "open_items": open_items},
            not_before=at)], now=at)  # fmt: skip
    await audit.record(session, at=at, actor_id=actor_id, action="unit.handed_over", subject_type="unit",
                       subject_id=unit.code, before={"secretaries": before},
                       after={"secretary": new_person.id if new_person else None, "invite": bool(created),
                              "reason": reason},
                       update_id=update_id)  # fmt: skip
    return HandedOver(unit, withdrawn, new_person.name if new_person else None,
                      new_person.telegram_user_id if new_person else None, created, open_items)  # fmt: skip
