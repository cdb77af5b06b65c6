"""The rectification lifecycle (整改销号) of a problem-list item: one enum, one table of transitions.

```mermaid
stateDiagram-v2
    [*] --> open: raised by a committee evaluation or an inspection
    open --> acknowledged: acknowledge with measures and a date (owner)
    reopened --> acknowledged: acknowledge (owner)
    acknowledged --> submitted: submit evidence (owner)
    returned --> submitted: resubmit evidence (owner)
    acknowledged --> extension_requested: ask for more time (owner)
    returned --> extension_requested: ask for more time (owner)
    extension_requested --> acknowledged: grant, the due date moves (verifier)
    extension_requested --> acknowledged: refuse with a reason (verifier)
    submitted --> closed: close 销号 (verifier)
    submitted --> returned: return with a reason (verifier)
    closed --> reopened: a revisit finds it again 反弹 (inspector)
```

Who may take a transition is the permissions table's (``ACTS``: the action each verb needs on the
item's branch) plus one separation of duties: a verifier never decides on an item they own (a
secretary whose role covers the branch, or whoever acknowledged or submitted it). Every transition
is one conditional UPDATE on the item's version (so two people pressing at once cannot both act,
and a button shown before a change is stale) and one audit row: who, when, before → after, reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from storage.models import ProblemItem, ProblemStatus, Role, Severity, Unit

P = ProblemStatus


class Verb(StrEnum):
    acknowledge = "acknowledge"  # 确认整改: measures and a date
    submit = "submit"  # 提交验收: evidence
    request_extension = "request_extension"  # 申请延期
    grant_extension = "grant_extension"  # 同意延期
    refuse_extension = "refuse_extension"  # 不同意延期
    close = "close"  # 销号
    return_ = "return"  # 退回重改
    reopen = "reopen"  # 反弹


V = Verb
TABLE: dict[tuple[ProblemStatus, Verb], ProblemStatus] = {
    (P.open, V.acknowledge): P.acknowledged,
    (P.reopened, V.acknowledge): P.acknowledged,
    (P.acknowledged, V.submit): P.submitted,
    (P.returned, V.submit): P.submitted,
    (P.acknowledged, V.request_extension): P.extension_requested,
    (P.returned, V.request_extension): P.extension_requested,
    (P.extension_requested, V.grant_extension): P.acknowledged,
    (P.extension_requested, V.refuse_extension): P.acknowledged,
    (P.submitted, V.close): P.closed,
    (P.submitted, V.return_): P.returned,
    (P.closed, V.reopen): P.reopened,
}
ACTS: dict[Verb, Action] = {
    V.acknowledge: Action.rectify_item,
    V.submit: Action.rectify_item,
    V.request_extension: Action.rectify_item,
    V.grant_extension: Action.verify_rectification,
    V.refuse_extension: Action.verify_rectification,
    V.close: Action.verify_rectification,
    V.return_: Action.verify_rectification,
    V.reopen: Action.inspect_unit,
}
VERDICTS = frozenset({V.grant_extension, V.refuse_extension, V.close, V.return_})  # never by an owner

ACTIVE = tuple(s for s in P if s is not P.closed)  # on the problem list (未销号)
OWNER_TURN = (P.open, P.acknowledged, P.returned, P.reopened, P.extension_requested)  # the deadline runs
VERIFIER_TURN = (P.submitted, P.extension_requested)  # waiting for a verdict


class Refused(Exception):
    """A transition that may not happen; ``code`` names why, for the message:

    ``not_allowed`` (role or scope), ``own_item`` (a verdict on one's own item), ``wrong_state``
    (the table has no such transition from the item's state; ``closed`` when the item is closed),
    ``stale`` (the item changed since the button was shown), ``date_not_after_due`` (an extension
    to a date not after the current due date), ``date_in_past``.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def is_owner(actor: Actor, unit_path: str, people: Iterable[int | None] = ()) -> bool:
    """Whether ``actor`` owns an item of the unit at ``unit_path``: a secretary over it, or one of
    ``people`` (who acknowledged or submitted it)."""
    if any(g.role is Role.secretary and unit_path.startswith(g.unit_path) for g in actor.grants):
        return True
    return actor.person_id is not None and actor.person_id in set(people)


def check(actor: Actor, verb: Verb, status: ProblemStatus, unit_path: str,
          people: Iterable[int | None] = ()) -> ProblemStatus:  # fmt: skip
    """The state ``verb`` takes an item to, or Refused: role and scope first (someone without them
    learns nothing of the item), then who owns it, then the table."""
    if not permissions.allows(actor, ACTS[verb], unit_path):
        raise Refused("not_allowed")
    if verb in VERDICTS and is_owner(actor, unit_path, people):
        raise Refused("own_item")
    target = TABLE.get((status, verb))
    if target is None:
        raise Refused("closed" if status is P.closed else "wrong_state", status=status.value)
    return target


def may(actor: Actor, verb: Verb, item: ProblemItem, unit: Unit) -> bool:
    """Whether ``actor`` may take ``verb`` on the item now (for the buttons offered on its card)."""
    try:
        check(actor, verb, item.status, unit.path, owners(item))
    except Refused:
        return False
    return True


def owners(item: ProblemItem) -> tuple[int | None, ...]:
    return (item.acknowledged_by, item.submitted_by)


@dataclass(frozen=True)
class Moved:
    item: ProblemItem
    verb: Verb
    before: ProblemStatus


async def _move(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, verb: Verb, at: datetime,
                update_id: int | None, version: int | None, reason: str | None = None,
                changes: dict[str, Any] | None = None) -> Moved:  # fmt: skip
    if version is not None and version != item.version:
        raise Refused("stale")
    before = item.status
    target = check(actor, verb, before, unit.path, owners(item))
    values = {**(changes or {}), "status": target, "version": item.version + 1}
    result = await session.execute(
        update(ProblemItem).where(ProblemItem.id == item.id, ProblemItem.version == item.version).values(**values)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if result.rowcount != 1:  # someone else moved it between our read and this write
        raise Refused("stale")
    snapshot_before = _snapshot(item, values)
    for name, value in values.items():
        set_committed_value(item, name, value)
    after = {**_snapshot(item, values), "reason": reason}
    await audit.record(session, at=at, actor_id=actor.person_id, action=f"problem.{verb.value}",
                       subject_type="problem", subject_id=item.id, before=snapshot_before,
                       after={k: v for k, v in after.items() if v is not None}, update_id=update_id)  # fmt: skip
    return Moved(item, verb, before)


def _snapshot(item: ProblemItem, values: dict[str, Any]) -> dict[str, Any]:
    """The item's status and the fields a transition changes, as plain JSON."""
    names = ["status", *(n for n in values if n not in ("status", "version", "evidence"))]
    out = {n: _plain(getattr(item, n)) for n in names}
    if "evidence" in values:
        out["evidence"] = len(item.evidence or [])
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


# --- the transitions, one function each ---------------------------------------------------


async def acknowledge(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, plan: str,
                      planned_on: date, today: date, at: datetime, update_id: int | None = None,
                      version: int | None = None) -> Moved:  # fmt: skip
    """The branch accepts the item and sets out its measures (整改措施) and the date it expects to finish."""
    if planned_on < today:
        raise Refused("date_in_past")
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.acknowledge, at=at, update_id=update_id,
                       version=version, changes={"plan": plan, "planned_on": planned_on,
                                                 "acknowledged_by": actor.person_id})  # fmt: skip


async def submit(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, description: str,
                 evidence: list[dict[str, Any]], at: datetime, update_id: int | None = None,
                 version: int | None = None) -> Moved:  # fmt: skip
    """Submit the rectification for verification, with its evidence (Telegram file ids)."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.submit, at=at, update_id=update_id,
                       version=version, changes={"description": description, "evidence": evidence,
                                                 "submitted_by": actor.person_id, "submitted_at": at})  # fmt: skip


async def request_extension(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, until: date,
                            reason: str, at: datetime, update_id: int | None = None,
                            version: int | None = None) -> Moved:  # fmt: skip
    """Ask for more time: a new due date after the current one, with a reason."""
    if until <= item.due_on:
        raise Refused("date_not_after_due", due_on=item.due_on)
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.request_extension, at=at,
                       update_id=update_id, version=version, reason=reason,
                       changes={"extension_until": until, "extension_reason": reason})  # fmt: skip


async def grant_extension(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, at: datetime,
                          update_id: int | None = None, version: int | None = None) -> Moved:  # fmt: skip
    """Grant the extension asked for: the due date moves to it."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.grant_extension, at=at,
                       update_id=update_id, version=version,
                       changes={"due_on": item.extension_until or item.due_on, "verified_by": actor.person_id,
                                "verified_at": at})  # fmt: skip


async def refuse_extension(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, reason: str,
                           at: datetime, update_id: int | None = None, version: int | None = None) -> Moved:  # fmt: skip
    """Refuse the extension: the due date stands."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.refuse_extension, at=at,
                       update_id=update_id, version=version, reason=reason,
                       changes={"verified_by": actor.person_id, "verified_at": at})  # fmt: skip


async def close(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, at: datetime,
                revisit_on: date | None = None, revisit_by: int | None = None, update_id: int | None = None,
                version: int | None = None) -> Moved:  # fmt: skip
    """Close the item (销号); a revisit (回头看) falls due on ``revisit_on``."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.close, at=at, update_id=update_id,
                       version=version, changes={"closed_at": at, "verified_by": actor.person_id, "verified_at": at,
                                                 "return_reason": None, "revisit_on": revisit_on,
                                                 "revisit_by": revisit_by, "revisited_at": None})  # fmt: skip


async def return_(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, reason: str, at: datetime,
                  update_id: int | None = None, version: int | None = None) -> Moved:  # fmt: skip
    """Return the rectification as insufficient, with the reason (退回重改)."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.return_, at=at, update_id=update_id,
                       version=version, reason=reason,
                       changes={"return_reason": reason, "verified_by": actor.person_id, "verified_at": at})  # fmt: skip


async def reopen(session: AsyncSession, *, item: ProblemItem, unit: Unit, actor: Actor, due_on: date, reason: str,
                 at: datetime, severity: Severity | None = None, update_id: int | None = None,
                 version: int | None = None) -> Moved:  # fmt: skip
    """A revisit found the problem again (反弹): the item is open to rectification once more, counted."""
    return await _move(session, item=item, unit=unit, actor=actor, verb=V.reopen, at=at, update_id=update_id,
                       version=version, reason=reason,
                       changes={"due_on": due_on, "regressions": item.regressions + 1, "closed_at": None,
                                "revisited_at": at, "severity": severity or item.severity, "plan": None,
                                "planned_on": None, "acknowledged_by": None, "submitted_by": None,
                                "submitted_at": None, "extension_until": None, "extension_reason": None})  # fmt: skip


async def raise_item(session: AsyncSession, *, unit: Unit, source_type: str, source_id: int, item: str,
                     category: str | None, clause: str, reason: str | None, severity: Severity, due_on: date,
                     actor_id: int | None, at: datetime, update_id: int | None = None) -> ProblemItem:  # fmt: skip
    """A new item on the branch's problem list, open."""
    row = ProblemItem(unit_id=unit.id, source_type=source_type, source_id=source_id, item=item, category=category,
                      clause=clause, reason=reason, severity=severity, status=P.open, due_on=due_on, created_at=at,
                      created_by=actor_id, version=0, regressions=0)  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="problem.created", subject_type="problem",
                       subject_id=row.id, after={"status": P.open.value, "unit_id": unit.id, "item": item,
                                                 "severity": severity.value, "due_on": due_on.isoformat(),
                                                 "source": f"{source_type}:{source_id}"},
                       update_id=update_id)  # fmt: skip
    return row
