"""A notice is checked against the present when it is sent, not only when it was written.

Between the sweep that wrote a reminder and the moment it goes out, a role may have been withdrawn
or a branch handed to a new secretary (换届): the outbox row still names the old recipient. The
dispatcher asks ``at_send`` before it renders a row; a notice whose recipient no longer holds the
role it was written for is withdrawn, not sent.

What each kind needs of its recipient (the same people the rules chose):

| kind | recipient must hold, live |
|---|---|
| problem.d*, problem.overdue, campaign.*, orglife.*, submission.decided | secretary on the unit |
| problem.escalated.committee, review.waiting, submission.submitted | committee or admin on the unit or above |
| problem.escalated.admin | admin |

Other notices (broadcasts, group digests, notices about the person themself) are sent as written.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, ProblemItem, Role, RoleAssignment, Submission, Unit


class Need(enum.Enum):
    secretary = "secretary"  # a secretary role on the notice's unit itself
    over = "over"  # a committee or admin role on the unit or one of its ancestors
    admin = "admin"  # an admin role anywhere


NEEDS: tuple[tuple[str, Need], ...] = (  # kind prefixes, the most specific first
    ("problem.escalated.admin", Need.admin),
    ("problem.escalated.", Need.over),
    ("problem.", Need.secretary),
    ("campaign.", Need.secretary),
    ("orglife.", Need.secretary),
    ("submission.decided", Need.secretary),
    ("submission.submitted", Need.over),
    ("review.", Need.over),
)


@dataclass(frozen=True)
class AtSend:
    """``withdrawn``: why the row is not to be sent (None: send it)."""

    withdrawn: str | None = None


def need_of(kind: str) -> Need | None:
    return next((need for prefix, need in NEEDS if kind.startswith(prefix)), None)


async def at_send(session: AsyncSession, row: OutboxMessage, *, now: datetime, tz: tzinfo) -> AtSend:
    """Whether ``row`` may still be sent to its recipient, as things stand at ``now``."""
    if not await still_theirs(session, row):
        return AtSend(withdrawn="the recipient no longer holds the role it was written for")
    return AtSend()


async def still_theirs(session: AsyncSession, row: OutboxMessage) -> bool:
    """Whether the row's recipient still holds the role the notice was written to them for."""
    need = need_of(row.kind)
    if row.person_id is None or need is None:
        return True
    if need is Need.admin:
        return bool(await _live(session, row.person_id, Role.admin))
    unit = await unit_of(session, row)
    if unit is None:
        return True  # nothing to check against; the subject's own rules withdraw it when it is resolved
    if need is Need.secretary:
        return any(unit_id == unit.id for unit_id, _ in await _live(session, row.person_id, Role.secretary))
    return any(unit.path.startswith(path)
               for _, path in await _live(session, row.person_id, Role.committee, Role.admin))  # fmt: skip


async def unit_of(session: AsyncSession, row: OutboxMessage) -> Unit | None:
    """The unit a notice is about, from its subject (``problem:12``, ``submission:3``, ``orglife:u5``)
    or, for a campaign's reminder to one branch, its values."""
    kind, _, raw = (row.subject or "").partition(":")
    unit_id = None
    if kind == "problem" and raw.isdecimal():
        unit_id = await session.scalar(select(ProblemItem.unit_id).where(ProblemItem.id == int(raw)))
    elif kind == "submission" and raw.isdecimal():
        unit_id = await session.scalar(select(Submission.unit_id).where(Submission.id == int(raw)))
    elif kind == "orglife" and raw.startswith("u") and raw[1:].isdecimal():
        unit_id = int(raw[1:])
    elif isinstance((row.values or {}).get("unit_id"), int):
        unit_id = row.values["unit_id"]
    return await session.get(Unit, unit_id) if unit_id is not None else None


async def _live(session: AsyncSession, person_id: int, *roles: Role) -> list[tuple[int, str]]:
    """(unit id, unit path) of the person's live roles among ``roles``."""
    rows = await session.execute(
        select(Unit.id, Unit.path).join(RoleAssignment, RoleAssignment.unit_id == Unit.id)
        .where(RoleAssignment.person_id == person_id, RoleAssignment.role.in_(roles), RoleAssignment.live())
    )  # fmt: skip
    return [(unit_id, path) for unit_id, path in rows.all()]
