"""Who receives what: the unit tree, role holders and bound group chats, loaded once per sweep.

Recipients (收件人): a branch's secretaries (支部书记, Role.secretary on the branch); the committee
reviewers over a unit (党委审核人, Role.committee on the nearest ancestor that has any); the admins
(组织部, Role.admin); a committee's group (党委群, a Chat bound to the unit). A person's private
chat id is their Telegram user id.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import permissions
from storage.models import Chat, Person, Role, RoleAssignment, Unit, UnitType


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: int
    name: str


@dataclass(frozen=True)
class UnitInfo:
    id: int
    code: str
    name: str
    type: UnitType
    path: str

    @property
    def lineage(self) -> list[int]:
        """Ancestor ids from the root down to this unit itself."""
        return [int(part) for part in self.path.strip("/").split("/") if part]


@dataclass(frozen=True)
class Group:
    chat_id: int
    unit_id: int


class Directory:
    def __init__(self, units: list[UnitInfo], holders: list[tuple[Role, int, Recipient]], groups: list[Group]):
        self.units = {u.id: u for u in units}
        self._holders: dict[tuple[Role, int], list[Recipient]] = defaultdict(list)
        self._by_person: dict[int, list[tuple[Role, int]]] = defaultdict(list)
        for role, unit_id, recipient in holders:
            self._holders[role, unit_id].append(recipient)
            self._by_person[recipient.person_id].append((role, unit_id))
        self.groups = groups

    @classmethod
    async def load(cls, session: AsyncSession) -> Directory:
        units = [
            UnitInfo(u.id, u.code, u.name, u.type, u.path)
            for u in (await session.scalars(select(Unit).order_by(Unit.code))).all()
        ]
        rows = (
            await session.execute(
                select(RoleAssignment.role, RoleAssignment.unit_id, Person.id, Person.telegram_user_id, Person.name)
                .join(Person, Person.id == RoleAssignment.person_id)
                .where(RoleAssignment.live(), Person.telegram_user_id.is_not(None))
                .order_by(Person.id)
            )
        ).all()
        holders = [(role, unit_id, Recipient(pid, tg, name)) for role, unit_id, pid, tg, name in rows]
        chats = (await session.execute(select(Chat.id, Chat.unit_id).where(Chat.unit_id.is_not(None)))).all()
        return cls(units, holders, [Group(chat_id, unit_id) for chat_id, unit_id in chats])

    def unit(self, unit_id: int) -> UnitInfo:
        return self.units[unit_id]

    def holders(self, role: Role, unit_id: int) -> list[Recipient]:
        return list(self._holders.get((role, unit_id), []))

    def secretaries(self, unit_id: int) -> list[Recipient]:
        return list(self._holders.get((Role.secretary, unit_id), []))

    def reviewers_over(self, unit_id: int) -> list[Recipient]:
        """Who reviews the unit: the one rule of ``permissions.reviewers_of``, as submission notices use."""
        return permissions.reviewers_of(self.units[unit_id].lineage, lambda role, unit: self._holders.get((role, unit), []))

    def admins(self) -> list[Recipient]:
        seen: dict[int, Recipient] = {}
        for (role, _unit), people in self._holders.items():
            if role is Role.admin:
                for person in people:
                    seen.setdefault(person.person_id, person)
        return list(seen.values())

    def subtree(self, unit_id: int) -> list[UnitInfo]:
        prefix = self.units[unit_id].path
        return [u for u in self.units.values() if u.path.startswith(prefix)]

    def branches_under(self, unit_id: int) -> list[UnitInfo]:
        return [u for u in self.subtree(unit_id) if u.type is UnitType.branch]

    def all_branches(self) -> list[UnitInfo]:
        return [u for u in self.units.values() if u.type is UnitType.branch]

    def groups_over(self, unit_id: int) -> list[Group]:
        """Bound groups whose unit is this unit or one of its ancestors."""
        lineage = set(self.units[unit_id].lineage)
        return [g for g in self.groups if g.unit_id in lineage]

    def nearest_group(self, unit_id: int) -> Group | None:
        by_unit = {g.unit_id: g for g in self.groups}
        for ancestor in reversed(self.units[unit_id].lineage):
            if ancestor in by_unit:
                return by_unit[ancestor]
        return None

    def allows(self, person_id: int, action: permissions.Action, unit_id: int) -> bool:
        """Whether one of the person's roles allows ``action`` on the unit (the permissions table's rule)."""
        path = self.units[unit_id].path
        return any((role, action) in permissions.TABLE and path.startswith(self.units[held].path)
                   for role, held in self._by_person.get(person_id, []) if held in self.units)  # fmt: skip

    def person(self, person_id: int) -> Recipient | None:
        for (_role, _unit), people in self._holders.items():
            for candidate in people:
                if candidate.person_id == person_id:
                    return candidate
        return None

    def inspectors_over(self, unit_id: int) -> list[Recipient]:
        """The inspectors on the nearest unit above (or at) this one that has any."""
        for ancestor in reversed(self.units[unit_id].lineage):
            found = self.holders(Role.inspector, ancestor)
            if found:
                return found
        return []

    def units_of(self, person_id: int) -> list[int]:
        return [unit_id for _role, unit_id in self._by_person.get(person_id, [])]

    def names(self, people: list[Recipient]) -> list[str]:
        return [p.name for p in people]
