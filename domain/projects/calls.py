"""The yearly call (申报通知): which work blocks, how many projects a unit may apply for, by when.

An admin opens it on a unit (usually the department) from the CLI or the chat; it is announced to the
committee groups bound in its scope and to the secretaries and committee members there (who may
draft). Plans are taken until the end of the deadline day, local time, unless the admin reopens the
call for one unit (``reopen``: seed 000's deadline with an exception the department grants).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor, Grant
from domain.org.permissions import Action
from domain.projects import kind as kinds
from domain.projects import notices
from domain.projects.workflow import Status
from storage.models import CallExtension, Project, ProjectCall, Role, Unit, UnitType

MAX_TOPICS = 20


class CallError(ValueError):
    """``code``: unknown_kind, unit_is_branch, unknown_block, bad_max, bad_year, deadline_passed, call_exists,
    unknown_call, not_in_scope; ``values`` for the message."""

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code, self.values = code, values


@dataclass(frozen=True)
class Opened:
    call: ProjectCall
    unit: Unit
    announced: int  # notices written


async def open_call(session: AsyncSession, *, actor: Actor | None, kind_id: str, unit: Unit, year: int,
                    blocks: list[str] | None, max_per_unit: int | None, deadline: date | None, topics: list[str],
                    today: date, at: datetime, update_id: int | None = None) -> Opened:  # fmt: skip
    """Check and open a call, and announce it. ``actor`` None is the shell (the CLI), which may anything."""
    if actor is not None:
        permissions.require(actor, Action.open_call, unit.path)
    kind = kinds.shipped().get(kind_id)
    if kind is None:
        raise CallError("unknown_kind", kind=kind_id)
    if unit.type is UnitType.branch:
        raise CallError("unit_is_branch", unit=unit.name)
    chosen = list(blocks) if blocks else [b.name for b in kind.blocks]
    for name in chosen:
        if kind.block(name) is None:
            raise CallError("unknown_block", block=name, known=", ".join(b.name for b in kind.blocks))
    most = kind.per_unit if max_per_unit is None else max_per_unit
    if not 1 <= most <= kind.per_unit:
        raise CallError("bad_max", max=kind.per_unit)
    if not today.year - 1 <= year <= today.year + 1:
        raise CallError("bad_year", year=year)
    deadline = deadline or kind.deadline_in(year)
    if deadline < today:
        raise CallError("deadline_passed", deadline=deadline.isoformat())
    existing = await session.execute(select(ProjectCall.id, Unit.path).join(Unit, Unit.id == ProjectCall.unit_id)
                                     .where(ProjectCall.kind == kind_id, ProjectCall.year == year))  # fmt: skip
    for call_id, path in existing:
        if path.startswith(unit.path) or unit.path.startswith(path):  # one call a year over any unit
            raise CallError("call_exists", call_id=call_id, year=year)
    call = ProjectCall(kind=kind_id, year=year, unit_id=unit.id, title=f"{year}年度{kind.name.zh}申报", blocks=chosen,
                       max_per_unit=most, plan_deadline=deadline, topics=[t.strip() for t in topics if t.strip()][:MAX_TOPICS],
                       created_by=actor.person_id if actor else None, created_at=at)  # fmt: skip
    session.add(call)
    await session.flush()
    await audit.record(session, at=at, actor_id=call.created_by, action="project_call.opened", subject_type="project_call",
                       subject_id=call.id, after={"kind": kind_id, "year": year, "unit": unit.code, "blocks": chosen,
                                                  "max_per_unit": most, "deadline": deadline.isoformat(),
                                                  "topics": call.topics}, update_id=update_id)  # fmt: skip
    announced = await notices.call_opened(session, call=call, unit=unit, kind=kind, now=at)
    return Opened(call, unit, announced)


def shell_actor(unit: Unit) -> Actor:
    """The administrator at the shell (the CLI), acting as the department on ``unit``: moves it makes
    are checked through the table like anyone's, and audited without a person."""
    return Actor(telegram_user_id=0, person_id=None, name="shell",
                 grants=(Grant(Role.admin, unit.id, unit.code, unit.name, unit.path, unit.type),))  # fmt: skip


async def project_rows(session: AsyncSession, call_id: int | None = None) -> list[tuple[Project, Unit]]:
    query = select(Project, Unit).join(Unit, Unit.id == Project.unit_id).order_by(Project.call_id, Project.id)
    if call_id is not None:
        query = query.where(Project.call_id == call_id)
    return [(p, u) for p, u in await session.execute(query)]


def covers(call_unit_path: str, unit_path: str) -> bool:
    return unit_path.startswith(call_unit_path)


async def open_calls_for(session: AsyncSession, unit: Unit, kind_id: str | None = None) -> list[ProjectCall]:
    """Calls whose scope covers ``unit`` (newest first), open or not."""
    ancestors = [int(part) for part in unit.path.strip("/").split("/") if part]
    query = select(ProjectCall).where(ProjectCall.unit_id.in_(ancestors)).order_by(ProjectCall.year.desc(),
                                                                                    ProjectCall.id.desc())  # fmt: skip
    if kind_id is not None:
        query = query.where(ProjectCall.kind == kind_id)
    return list(await session.scalars(query))


async def deadline_for(session: AsyncSession, call: ProjectCall, unit_id: int) -> date:
    """The last day ``unit_id`` may submit a plan: the call's, or the later one the admin reopened it to."""
    extended = await session.scalar(select(CallExtension.deadline).where(CallExtension.call_id == call.id,
                                                                         CallExtension.unit_id == unit_id))  # fmt: skip
    return max(call.plan_deadline, extended) if extended else call.plan_deadline


async def applied(session: AsyncSession, call: ProjectCall, unit_id: int) -> int:
    """How many projects the unit has in the call (every status counts: one returned is to be resubmitted)."""
    return await session.scalar(select(func.count(Project.id)).where(Project.call_id == call.id,
                                                                      Project.unit_id == unit_id)) or 0  # fmt: skip


@dataclass(frozen=True)
class Availability:
    """Whether ``unit`` may submit a plan to a call today, and why not."""

    call: ProjectCall | None
    refusal: str | None  # no_open_call, deadline_passed, quota_full
    deadline: date | None = None
    used: int = 0


async def availability(session: AsyncSession, unit: Unit, kind_id: str, today: date) -> Availability:
    """The newest call of the kind covering the unit, and whether a plan may go to it now."""
    calls = await open_calls_for(session, unit, kind_id)
    if not calls:
        return Availability(None, "no_open_call")
    call = calls[0]
    deadline = await deadline_for(session, call, unit.id)
    if today > deadline:
        return Availability(call, "deadline_passed", deadline)
    used = await applied(session, call, unit.id)
    if used >= call.max_per_unit:
        return Availability(call, "quota_full", deadline, used)
    return Availability(call, None, deadline, used)


async def reopen(session: AsyncSession, *, actor: Actor | None, call_id: int, unit: Unit, until: date, today: date,
                 at: datetime, update_id: int | None = None) -> CallExtension:  # fmt: skip
    """Let one unit submit until ``until`` although the call's deadline passed."""
    call = await session.get(ProjectCall, call_id)
    if call is None:
        raise CallError("unknown_call", call_id=call_id)
    scope = await session.get_one(Unit, call.unit_id)
    if actor is not None:
        permissions.require(actor, Action.open_call, scope.path)
    if not covers(scope.path, unit.path):
        raise CallError("not_in_scope", unit=unit.name)
    if until < today:
        raise CallError("deadline_passed", deadline=until.isoformat())
    row = await session.scalar(select(CallExtension).where(CallExtension.call_id == call.id,
                                                           CallExtension.unit_id == unit.id))  # fmt: skip
    before = row.deadline.isoformat() if row else None
    if row is None:
        row = CallExtension(call_id=call.id, unit_id=unit.id, deadline=until, created_by=actor.person_id if actor else None,
                            created_at=at)  # fmt: skip
        session.add(row)
    else:
        row.deadline = until
    await session.flush()
    await audit.record(session, at=at, actor_id=actor.person_id if actor else None, action="project_call.reopened",
                       subject_type="project_call", subject_id=call.id, before={"unit": unit.code, "until": before},
                       after={"unit": unit.code, "until": until.isoformat()}, update_id=update_id)  # fmt: skip
    return row


async def endorsed_in(session: AsyncSession, call_id: int) -> list[Project]:
    return list(await session.scalars(select(Project).where(Project.call_id == call_id,
                                                            Project.status == Status.endorsed.value)
                                      .order_by(Project.id)))  # fmt: skip
