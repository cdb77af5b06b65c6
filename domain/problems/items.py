"""Reading problem items: one item with its history, the owner's list, the verifier's list.

Urgency (紧迫程度): red (overdue) before yellow (10 days or fewer) before green; within a colour the
earliest due date first, then the graver item. An item waiting for its verdict is the verifier's
turn, so it comes after the owner's own work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.org.units import within
from domain.problems import lifecycle
from storage.models import AuditEntry, Person, ProblemItem, ProblemStatus, Severity, Unit

YELLOW_DAYS = 10
SEVERITY_RANK = {Severity.grave: 0, Severity.serious: 1, Severity.general: 2}


def colour(due: date, today: date) -> str:
    if today > due:
        return "red"
    return "yellow" if (due - today).days <= YELLOW_DAYS else "green"


def urgency(item: ProblemItem, today: date) -> tuple:
    waiting = item.status is ProblemStatus.submitted
    return (waiting, item.due_on, SEVERITY_RANK.get(item.severity, 3), item.id)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    who: str | None
    action: str  # created, acknowledge, submit, … (the verb's name)
    before: str | None  # status
    after: str | None
    reason: str | None
    details: dict[str, Any]


async def load(session: AsyncSession, item_id: int) -> tuple[ProblemItem, Unit] | None:
    row = (await session.execute(
        select(ProblemItem, Unit).join(Unit, Unit.id == ProblemItem.unit_id).where(ProblemItem.id == item_id)
    )).first()  # fmt: skip
    return (row[0], row[1]) if row else None


async def history(session: AsyncSession, item_id: int) -> list[HistoryLine]:
    """Every step of the item from the audit log, oldest first, with who took it."""
    rows = await session.execute(
        select(AuditEntry, Person.name).outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.subject_type == "problem", AuditEntry.subject_id == str(item_id))
        .order_by(AuditEntry.id)
    )  # fmt: skip
    lines = []
    for entry, name in rows:
        before, after = entry.before or {}, entry.after or {}
        lines.append(HistoryLine(at=entry.at, who=name, action=entry.action.removeprefix("problem."),
                                 before=before.get("status"), after=after.get("status"), reason=after.get("reason"),
                                 details=after))  # fmt: skip
    return lines


async def in_scope(session: AsyncSession, actor: Actor, action: Action,
                   statuses: tuple[ProblemStatus, ...]) -> list[tuple[ProblemItem, Unit]]:  # fmt: skip
    """Items in ``statuses`` on units where ``actor`` may take ``action``."""
    scopes = permissions.scope_paths(actor, action)
    if not scopes:
        return []
    rows = await session.execute(
        select(ProblemItem, Unit).join(Unit, Unit.id == ProblemItem.unit_id)
        .where(ProblemItem.status.in_(statuses), within(scopes))
    )  # fmt: skip
    return [(item, unit) for item, unit in rows]


async def to_rectify(session: AsyncSession, actor: Actor, today: date) -> list[tuple[ProblemItem, Unit]]:
    """我的整改: the items of the actor's branches not yet closed, most urgent first."""
    found = await in_scope(session, actor, Action.rectify_item, lifecycle.ACTIVE)
    return sorted(found, key=lambda pair: urgency(pair[0], today))


async def to_verify(session: AsyncSession, actor: Actor) -> list[tuple[ProblemItem, Unit]]:
    """待验收: items waiting for a verdict the actor may give (never on their own items), oldest first."""
    found = await in_scope(session, actor, Action.verify_rectification, lifecycle.VERIFIER_TURN)
    mine = [(i, u) for i, u in found if not lifecycle.is_owner(actor, u.path, lifecycle.owners(i))]
    return sorted(mine, key=lambda pair: (pair[0].submitted_at or pair[0].created_at, pair[0].id))


def verbs_for(actor: Actor, item: ProblemItem, unit: Unit) -> list[lifecycle.Verb]:
    """The steps ``actor`` may take on the item now, in the order the card offers them (no 反弹: only
    a revisit reopens an item)."""
    return [v for v in lifecycle.Verb if v is not lifecycle.Verb.reopen and lifecycle.may(actor, v, item, unit)]

