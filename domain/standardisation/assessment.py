"""The self-assessment (自评) and its evaluation by the committee (组织考评).

```mermaid
stateDiagram-v2
    [*] --> submitted: secretary submits
    draft --> submitted: secretary submits
    submitted --> passed: committee passes (达标)
    submitted --> returned: committee returns with reasons (退回)
    returned --> submitted: secretary resubmits
```

Every item the evaluation finds failing becomes a problem-list item (问题清单) of the branch, with a
due date; it then follows the rectification lifecycle of ``domain.problems.lifecycle`` (整改, 销号).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.org.units import within
from domain.problems import lifecycle
from storage.models import (
    ItemReview,
    ProblemItem,
    ProblemStatus,
    Submission,
    SubmissionStatus,
    Unit,
)

S = SubmissionStatus
TRANSITIONS: dict[tuple[S | None, S], str] = {
    (None, S.submitted): "submit",
    (S.draft, S.submitted): "submit",
    (S.submitted, S.passed): "pass",
    (S.submitted, S.returned): "return",
    (S.returned, S.submitted): "resubmit",
}
RECTIFY_DAYS = 30  # a failing item is to be rectified within 30 days of the evaluation


class NotCurrent(Exception):
    """The submission is not in a state that allows this (e.g. evaluated already)."""


class NotAllowed(Exception):
    """The actor's roles do not cover this submission's unit."""


def move(submission: Submission | None, to: S) -> str:
    """The transition's name, or NotCurrent when the table does not allow it."""
    name = TRANSITIONS.get((submission.status if submission else None, to))
    if name is None:
        raise NotCurrent(f"{submission.status if submission else None} -> {to}")
    return name


async def returned(session: AsyncSession, *, unit_id: int, form_id: str) -> Submission | None:
    """The branch's returned submission of ``form_id``, if there is one (to resubmit)."""
    return await session.scalar(
        select(Submission).where(Submission.unit_id == unit_id, Submission.form_id == form_id,
                                 Submission.status == S.returned).order_by(Submission.id.desc()).limit(1)  # fmt: skip
    )


async def returned_items(session: AsyncSession, submission: Submission) -> dict[str, str | None]:
    """The items the committee found failing in ``submission`` (overridden or not), with its reasons."""
    rows = await session.scalars(
        select(ItemReview).where(ItemReview.submission_id == submission.id, ItemReview.passed.is_(False))
        .order_by(ItemReview.id)
    )  # fmt: skip
    return {row.item: row.reason for row in rows}


async def submit(session: AsyncSession, *, unit_id: int, form_id: str, version: str, answers: dict[str, Any],
                 score: dict[str, Any] | None, actor_id: int, at: datetime, update_id: int | None) -> Submission:  # fmt: skip
    """Submit a self-assessment, or resubmit the branch's returned one."""
    earlier = await returned(session, unit_id=unit_id, form_id=form_id)
    action = move(earlier, S.submitted)
    before = _snapshot(earlier) if earlier else None
    row = earlier or Submission(unit_id=unit_id, form_id=form_id, round=0, submitted_by=actor_id)
    row.version, row.answers, row.score, row.status = version, answers, score, S.submitted
    row.round, row.submitted_by, row.submitted_at = row.round + 1, actor_id, at
    row.decided_by = row.decided_at = row.reasons = None
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action=f"submission.{action}", subject_type="submission",
                       subject_id=row.id, before=before, after=_snapshot(row), update_id=update_id)  # fmt: skip
    return row


def check_reviewer(actor: Actor, unit: Unit) -> None:
    """Only committee reviewers over the branch's unit (or admins) evaluate it."""
    if not permissions.allows(actor, Action.review_submission, unit.path):
        raise NotAllowed(unit.code)


@dataclass(frozen=True)
class Decision:
    submission: Submission
    problems: list[ProblemItem]
    overridden: list[str]


async def decide(session: AsyncSession, *, submission: Submission, unit: Unit, actor: Actor,
                 overrides: dict[str, str], passed: bool, reasons: str | None, at: datetime, today: date,
                 update_id: int | None) -> Decision:  # fmt: skip
    """Record the reviewer's item verdicts (``overrides``: item → reason) and the decision.

    Two reviewers deciding at once: the second waits at the row lock for the first to commit, then
    finds the submission decided (NotCurrent), rather than failing on the first one's item reviews.
    """
    check_reviewer(actor, unit)
    await session.refresh(submission, with_for_update=True)  # SQLite: one writer at a time already
    to = S.passed if passed else S.returned
    action = move(submission, to)
    before = _snapshot(submission)
    items = {i["name"]: i for i in (submission.score or {}).get("items", []) if i["outcome"] != "not_applicable"}
    await session.execute(ItemReview.__table__.delete().where(ItemReview.submission_id == submission.id))
    failing: list[dict[str, Any]] = []
    for name, item in items.items():
        self_passed = item["outcome"] == "passed"
        overridden = name in overrides
        verdict = (not self_passed) if overridden else self_passed
        session.add(ItemReview(submission_id=submission.id, item=name, passed=verdict, overridden=overridden,
                               reason=overrides.get(name), reviewer_id=actor.person_id, reviewed_at=at))  # fmt: skip
        if not verdict:
            failing.append({**item, "reason": overrides.get(name)})
    submission.status, submission.decided_by, submission.decided_at = to, actor.person_id, at
    submission.reasons = reasons
    submission_id = submission.id  # the failed flush below expires the row
    try:
        await session.flush()
    except IntegrityError as exc:  # another reviewer's item reviews got in first all the same
        raise NotCurrent(submission_id) from exc
    problems = await _problem_items(session, submission, failing, actor.person_id, at, today)
    await audit.record(session, at=at, actor_id=actor.person_id, action=f"submission.{action}",
                       subject_type="submission", subject_id=submission.id, before=before,
                       after={**_snapshot(submission), "overridden": sorted(overrides),
                              "problems": [p.item for p in problems]}, update_id=update_id)  # fmt: skip
    return Decision(submission, problems, sorted(overrides))


async def _problem_items(session: AsyncSession, submission: Submission, failing: list[dict[str, Any]],
                         actor_id: int | None, at: datetime, today: date) -> list[ProblemItem]:  # fmt: skip
    """One open problem item per failing checklist item of the branch (not a second for the same item)."""
    open_items = set(
        await session.scalars(
            select(ProblemItem.item).where(ProblemItem.unit_id == submission.unit_id,
                                           ProblemItem.status.in_(lifecycle.ACTIVE))  # fmt: skip
        )
    )
    created = []
    for item in failing:
        if item["name"] in open_items:
            continue
        clause = item.get("clause") or item["label"]
        row = ProblemItem(unit_id=submission.unit_id, source_type="submission", source_id=submission.id,
                          item=item["name"], category=(item.get("category") or {}).get("zh"),
                          clause=clause.get("zh") if isinstance(clause, dict) else str(clause),
                          reason=item.get("reason"), status=ProblemStatus.open,
                          due_on=today + timedelta(days=RECTIFY_DAYS), created_at=at, created_by=actor_id)  # fmt: skip
        session.add(row)
        created.append(row)
    await session.flush()
    for row in created:
        await audit.record(session, at=at, actor_id=actor_id, action="problem.created", subject_type="problem",
                           subject_id=row.id, after={"unit_id": row.unit_id, "item": row.item,
                                                     "due_on": row.due_on.isoformat()})  # fmt: skip
    return created


async def awaiting_review(session: AsyncSession, actor: Actor) -> list[tuple[Submission, Unit]]:
    """Submissions waiting for this reviewer: status submitted, unit within their committee scope."""
    scopes = permissions.scope_paths(actor, Action.review_submission)
    if not scopes:
        return []
    rows = await session.execute(
        select(Submission, Unit).join(Unit, Unit.id == Submission.unit_id)
        .where(Submission.status == S.submitted, within(scopes)).order_by(Submission.submitted_at)
    )  # fmt: skip
    return [(first, second) for first, second in rows]


async def problem_list(session: AsyncSession, actor: Actor) -> list[tuple[ProblemItem, Unit]]:
    """Open problem items the actor may see: their branches', or their committee subtree's."""
    scopes = permissions.scope_paths(actor, Action.see_problems)
    if not scopes:
        return []
    rows = await session.execute(
        select(ProblemItem, Unit).join(Unit, Unit.id == ProblemItem.unit_id)
        .where(ProblemItem.status.in_(lifecycle.ACTIVE), within(scopes))
        .order_by(ProblemItem.due_on, ProblemItem.id)
    )  # fmt: skip
    return [(first, second) for first, second in rows]


def _snapshot(row: Submission) -> dict[str, Any]:
    return {"status": row.status.value if row.status else None, "round": row.round, "version": row.version,
            "reasons": row.reasons}  # fmt: skip


async def reviewable(session: AsyncSession, actor: Actor) -> list[tuple[Submission, Unit]]:
    """/review: the submissions waiting for this reviewer (``permissions.NotAllowed`` for non-reviewers)."""
    if not permissions.may_somewhere(actor, Action.review_submission):
        raise permissions.NotAllowed(Action.review_submission.value)
    return await awaiting_review(session, actor)
