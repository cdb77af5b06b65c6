"""The unit tree (组织架构): import, listing, ancestry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.unit_file import RowError, UnitFileError, UnitRow, parse_rows, read_table
from storage.models import Unit

if TYPE_CHECKING:
    from domain.org.people import Actor


@dataclass(frozen=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


async def import_units(
    session: AsyncSession, *, data: bytes, filename: str, actor_id: int | None, at: datetime
) -> ImportResult:
    """Import a unit file all-or-nothing: any bad row raises UnitFileError listing every bad row."""
    rows, errors = parse_rows(read_table(data, filename))
    existing = {u.code: u for u in (await session.scalars(select(Unit))).all()}
    by_id = {u.id: u for u in existing.values()}
    errors += _relation_errors(rows, existing, by_id)
    if errors:
        raise UnitFileError(sorted(errors, key=lambda e: (e.row, e.column or "")))

    added = updated = 0
    units = dict(existing)
    for row in rows:  # create first, so parents later in the file exist when linking
        if row.code not in units:
            unit = Unit(code=row.code, name=row.name, type=row.type, domain=row.domain,
                        founded=row.founded, path="/")  # fmt: skip
            session.add(unit)
            units[row.code] = unit
            added += 1
    await session.flush()
    for row in rows:
        unit = units[row.code]
        before = _snapshot(unit) if row.code in existing else None
        parent_id = units[row.parent].id if row.parent else None
        unit.name, unit.type, unit.domain, unit.founded = row.name, row.type, row.domain, row.founded
        unit.parent_id = parent_id
        after = _snapshot(unit)
        if before == after:
            continue
        if before is not None:
            updated += 1
        action = "unit.created" if before is None else "unit.updated"
        await audit.record(session, at=at, actor_id=actor_id, action=action, subject_type="unit",
                           subject_id=unit.code, before=before, after=after)  # fmt: skip
    _assign_paths(list(units.values()))
    await session.flush()
    return ImportResult(added=added, updated=updated, unchanged=len(rows) - added - updated)


def _relation_errors(rows: list[UnitRow], existing: dict[str, Unit], by_id: dict[int, Unit]) -> list[RowError]:
    errors: list[RowError] = []
    codes = {r.code for r in rows}
    for row in rows:
        if row.parent and row.parent not in codes and row.parent not in existing:
            errors.append(RowError(row.row, "parent", "unknown_parent", row.parent))
    # The tree after import: the file's parents, and the database's for units the file leaves out.
    parent_of = {code: (by_id[u.parent_id].code if u.parent_id else None) for code, u in existing.items()}
    parent_of.update({r.code: r.parent for r in rows})
    for row in rows:
        if row.parent and _in_cycle(row.code, parent_of):
            errors.append(RowError(row.row, "parent", "cycle", row.parent))
    return errors


def _in_cycle(code: str, parent_of: dict[str, str | None]) -> bool:
    """Whether following parents up from ``code`` comes back to it."""
    seen: set[str] = set()
    current = parent_of.get(code)
    while current is not None and current not in seen:
        if current == code:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


def _assign_paths(units: list[Unit]) -> None:
    by_id = {u.id: u for u in units}
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in by_id else None, []).append(unit)
    stack = [(u, "/") for u in children.get(None, [])]
    while stack:
        unit, prefix = stack.pop()
        unit.path = f"{prefix}{unit.id}/"
        stack.extend((child, unit.path) for child in children.get(unit.id, []))


def _snapshot(unit: Unit) -> dict[str, object]:
    return {
        "name": unit.name,
        "type": unit.type.value if unit.type else None,
        "domain": unit.domain.value if unit.domain else None,
        "founded": unit.founded.isoformat() if unit.founded else None,
        "parent_id": unit.parent_id,
    }


@dataclass(frozen=True)
class TreeLine:
    depth: int
    unit: Unit


async def tree(session: AsyncSession) -> list[TreeLine]:
    """Every unit in depth-first order, children sorted by code."""
    units = (await session.scalars(select(Unit).order_by(Unit.code))).all()
    children: dict[int | None, list[Unit]] = {}
    for unit in units:
        children.setdefault(unit.parent_id, []).append(unit)
    lines: list[TreeLine] = []
    stack = [(u, 0) for u in reversed(children.get(None, []))]
    while stack:
        unit, depth = stack.pop()
        lines.append(TreeLine(depth, unit))
        stack.extend((c, depth + 1) for c in reversed(children.get(unit.id, [])))
    return lines


async def by_code(session: AsyncSession, code: str) -> Unit | None:
    return await session.scalar(select(Unit).where(Unit.code == code))


def within(paths: list[str]):
    """An SQL condition: the unit lies in one of the subtrees rooted at ``paths`` (prefix match)."""
    return or_(*(Unit.path.startswith(p, autoescape=True) for p in paths))


def ancestor_ids(unit: Unit) -> list[int]:
    """The unit's ancestors and itself, root first, read from its materialised path."""
    return [int(p) for p in unit.path.strip("/").split("/") if p]


async def by_id(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def visible_tree(session: AsyncSession, actor: Actor) -> list[TreeLine]:
    """/units: the tree within the subtrees where the actor may list units (NotAllowed if nowhere)."""
    scopes = permissions.scope_paths(actor, permissions.Action.list_units)
    if not scopes:
        raise permissions.NotAllowed(permissions.Action.list_units.value)
    return [line for line in await tree(session) if any(line.unit.path.startswith(p) for p in scopes)]
