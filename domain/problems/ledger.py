"""The problem ledger (问题台账) of a committee's subtree: by status, by source, by branch, overdue first,
and one branch's whole ledger with each item's history; and how often self-assessments were inflated.

Sources: ``submission`` (组织考评 of a self-assessment), ``inspection`` (现场检查), ``revisit`` (回头看).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.org.units import within
from domain.problems import items, lifecycle
from domain.problems.items import HistoryLine
from storage.models import Inspection, ProblemItem, ProblemStatus, Unit, UnitType

PAGE = 8
SOURCES = ("submission", "inspection", "revisit")


@dataclass(frozen=True)
class BranchLine:
    unit: Unit
    open: int  # not closed
    overdue: int
    closed: int
    regressions: int  # 反弹
    inflated: int  # 自评虚高 findings, over every inspection of the branch


@dataclass(frozen=True)
class Summary:
    by_status: dict[str, int]
    by_source: dict[str, int]
    overdue: int
    branches: int


@dataclass(frozen=True)
class Page:
    """One page of a listing: ``kind`` (s status, o overdue, src source, b branches) and its ``value``."""

    kind: str
    value: str
    rows: list
    page: int
    pages: int
    total: int
    today: date


@dataclass(frozen=True)
class BranchLedger:
    line: BranchLine
    entries: list[tuple[ProblemItem, list[HistoryLine]]]
    today: date


def _scopes(actor: Actor) -> list[str]:
    scopes = permissions.scope_paths(actor, Action.list_problem_ledger)
    if not scopes:
        raise permissions.NotAllowed(Action.list_problem_ledger.value)
    return scopes


def _page(kind: str, value: str, rows: list, page: int, today: date) -> Page:
    pages = max((len(rows) + PAGE - 1) // PAGE, 1)
    page = min(max(page, 0), pages - 1)
    return Page(kind, value, rows[page * PAGE:(page + 1) * PAGE], page, pages, len(rows), today)


async def summary(session: AsyncSession, actor: Actor, today: date) -> Summary:
    scopes = _scopes(actor)
    rows = (await session.execute(
        select(ProblemItem.status, ProblemItem.source_type, ProblemItem.due_on)
        .join(Unit, Unit.id == ProblemItem.unit_id).where(within(scopes))
    )).all()  # fmt: skip
    by_status = Counter(status.value for status, _source, _due in rows)
    by_source = Counter(source for status, source, _due in rows if status is not ProblemStatus.closed)
    overdue = sum(1 for status, _source, due in rows if status in lifecycle.OWNER_TURN and due < today)
    branches = await session.scalar(select(func.count()).select_from(Unit).where(within(scopes),
                                                                                 Unit.type == UnitType.branch))  # fmt: skip
    return Summary({s.value: by_status.get(s.value, 0) for s in ProblemStatus},
                   {s: by_source.get(s, 0) for s in SOURCES}, overdue, branches or 0)  # fmt: skip


async def listing(session: AsyncSession, actor: Actor, *, kind: str, value: str, page: int, today: date) -> Page:
    """Items by status (``s``: a status or ``active``), overdue (``o``) or source (``src``): overdue
    first, then by due date; closed ones most recently closed first."""
    query = select(ProblemItem, Unit).join(Unit, Unit.id == ProblemItem.unit_id).where(within(_scopes(actor)))
    if kind == "s" and value == "active":
        query = query.where(ProblemItem.status.in_(lifecycle.ACTIVE))
    elif kind == "s":
        query = query.where(ProblemItem.status == ProblemStatus(value))
    elif kind == "o":
        query = query.where(ProblemItem.status.in_(lifecycle.OWNER_TURN), ProblemItem.due_on < today)
    elif kind == "src":
        query = query.where(ProblemItem.source_type == value, ProblemItem.status.in_(lifecycle.ACTIVE))
    overdue_first = case((ProblemItem.due_on < today, 0), else_=1)
    if kind == "s" and value == ProblemStatus.closed.value:
        query = query.order_by(ProblemItem.closed_at.desc(), ProblemItem.id)
    else:
        query = query.order_by(overdue_first, ProblemItem.due_on, ProblemItem.id)
    rows = [(item, unit) for item, unit in await session.execute(query)]
    return _page(kind, value, rows, page, today)


async def _branch_lines(session: AsyncSession, units: list[Unit], today: date) -> list[BranchLine]:
    ids = [u.id for u in units]
    found = (await session.execute(
        select(ProblemItem.unit_id, ProblemItem.status, ProblemItem.due_on, ProblemItem.regressions)
        .where(ProblemItem.unit_id.in_(ids))
    )).all() if ids else []  # fmt: skip
    inflated = dict((await session.execute(
        select(Inspection.unit_id, func.sum(Inspection.inflated)).where(Inspection.unit_id.in_(ids),
                                                                       Inspection.submitted_at.is_not(None))
        .group_by(Inspection.unit_id)
    )).all()) if ids else {}  # fmt: skip
    lines = []
    for unit in units:
        mine = [r for r in found if r[0] == unit.id]
        lines.append(BranchLine(
            unit=unit, open=sum(1 for r in mine if r[1] is not ProblemStatus.closed),
            overdue=sum(1 for r in mine if r[1] in lifecycle.OWNER_TURN and r[2] < today),
            closed=sum(1 for r in mine if r[1] is ProblemStatus.closed), regressions=sum(r[3] for r in mine),
            inflated=int(inflated.get(unit.id) or 0)))  # fmt: skip
    return lines


async def branches(session: AsyncSession, actor: Actor, *, page: int, today: date) -> Page:
    """Branches with items or inflated self-assessments, most overdue first."""
    units = (await session.scalars(select(Unit).where(within(_scopes(actor)), Unit.type == UnitType.branch)
                                   .order_by(Unit.code))).all()  # fmt: skip
    lines = [line for line in await _branch_lines(session, list(units), today)
             if line.open or line.closed or line.inflated]  # fmt: skip
    lines.sort(key=lambda line: (-line.overdue, -line.open, line.unit.code))
    return _page("b", "0", lines, page, today)


async def branch(session: AsyncSession, actor: Actor, unit_id: int, today: date) -> BranchLedger | None:
    """One branch's whole ledger: every item, open ones first, each with its history."""
    scopes = _scopes(actor)
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    if not any(unit.path.startswith(s) for s in scopes):
        raise permissions.NotAllowed(Action.list_problem_ledger.value)
    rows = (await session.scalars(select(ProblemItem).where(ProblemItem.unit_id == unit.id))).all()
    rows = sorted(rows, key=lambda i: (i.status is ProblemStatus.closed, *items.urgency(i, today)))
    entries = [(item, await items.history(session, item.id)) for item in rows]
    [line] = await _branch_lines(session, [unit], today)
    return BranchLedger(line, entries, today)
