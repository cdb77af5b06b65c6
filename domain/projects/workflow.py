"""A project's life (项目流程): its statuses and the one table of moves between them.

Glossary: call 申报通知 (a yearly call for plans); plan 项目实施方案; endorse 所属党(工)委审核推荐;
return 退回; review 竞标评审 (the panel 考评验收组 scores forwarded plans); select 立项/中标;
launch 领题启动; quality node 质量节点; acceptance 验收 (前期/中期/后期); rectify 整改;
reward 奖励 (重奖/奖励); accountability 追究责任.

```mermaid
stateDiagram-v2
    [*] --> draft: the plan form is opened (a form in progress)
    draft --> submitted: submit (draft_project)
    returned --> submitted: submit again (draft_project)
    submitted --> endorsed: endorse (endorse_project)
    submitted --> returned: return with reasons (endorse_project)
    endorsed --> under_review: open the review (open_call)
    under_review --> selected: 立项 (decide_project)
    under_review --> not_selected: 不予立项 (decide_project)
    selected --> running: 领题 launch (report_progress)
    running --> accepted: final acceptance passed (decide_project)
    running --> rectifying: final acceptance failed (decide_project)
    rectifying --> accepted: re-check passed (decide_project)
    accepted --> completed: close, no reward (decide_project)
    completed --> rewarded: reward recorded (decide_project)
    running --> accountability: plan not completed (decide_project)
    rectifying --> accountability: plan not completed (decide_project)
    not_selected --> [*]
    rewarded --> [*]
    completed --> [*]
    accountability --> [*]
```

Every move is checked here (``check``: the move exists from the current status, and the permissions
table allows its action on the project's unit) and written with an audit row (``apply``); nothing
else changes a project's status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from domain.kernel import audit
from domain.org import permissions
from domain.org.permissions import Action
from storage.models import Project

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from domain.org.people import Actor


class Status(StrEnum):
    draft = "draft"  # 草稿: the plan form is being filled (no project row yet)
    submitted = "submitted"  # 已提交: waiting for the committee above
    endorsed = "endorsed"  # 已推荐: forwarded to the department
    returned = "returned"  # 已退回: back to the unit with reasons
    under_review = "under_review"  # 评审中: the panel scores it
    selected = "selected"  # 已立项 / 中标
    not_selected = "not_selected"  # 未立项
    running = "running"  # 实施中
    accepted = "accepted"  # 已通过验收
    rectifying = "rectifying"  # 整改中: the final acceptance failed
    completed = "completed"  # 已结项
    rewarded = "rewarded"  # 已奖励
    accountability = "accountability"  # 已追责


class Move(StrEnum):
    submit = "submit"
    endorse = "endorse"
    return_ = "return"
    open_review = "open_review"
    select = "select"
    reject = "reject"
    launch = "launch"
    accept = "accept"
    rectify = "rectify"
    complete = "complete"
    reward = "reward"
    hold_accountable = "hold_accountable"


S, M, A = Status, Move, Action
# (from, move) → (to, the action of the permissions table the mover needs on the project's unit)
TRANSITIONS: dict[tuple[Status, Move], tuple[Status, Action]] = {
    (S.draft, M.submit): (S.submitted, A.draft_project),
    (S.returned, M.submit): (S.submitted, A.draft_project),
    (S.submitted, M.endorse): (S.endorsed, A.endorse_project),
    (S.submitted, M.return_): (S.returned, A.endorse_project),
    (S.endorsed, M.open_review): (S.under_review, A.open_call),
    (S.under_review, M.select): (S.selected, A.decide_project),
    (S.under_review, M.reject): (S.not_selected, A.decide_project),
    (S.selected, M.launch): (S.running, A.report_progress),
    (S.running, M.accept): (S.accepted, A.decide_project),
    (S.running, M.rectify): (S.rectifying, A.decide_project),
    (S.rectifying, M.accept): (S.accepted, A.decide_project),
    (S.accepted, M.complete): (S.completed, A.decide_project),
    (S.completed, M.reward): (S.rewarded, A.decide_project),
    (S.running, M.hold_accountable): (S.accountability, A.decide_project),
    (S.rectifying, M.hold_accountable): (S.accountability, A.decide_project),
}
FINAL = frozenset({S.not_selected, S.rewarded, S.accountability})  # completed may still be rewarded
ACTIVE = frozenset({S.selected, S.running, S.rectifying})  # being carried out: quality nodes count


class WrongState(Exception):
    """The move does not start from the project's current status (decided already, not running, …)."""

    def __init__(self, status: Status, move: Move) -> None:
        super().__init__(f"{move.value} from {status.value}")
        self.status, self.move = status, move


@dataclass(frozen=True)
class Transition:
    before: Status
    move: Move
    after: Status
    action: Action


def check(actor: Actor, status: Status, move: Move, unit_path: str) -> Transition:
    """The transition ``move`` makes from ``status``, when the actor may make it on the unit.

    Raises WrongState when the table has no such move from ``status``, NotAllowed when the
    permissions table does not allow its action there (or the actor is conflicted, 回避)."""
    found = TRANSITIONS.get((status, move))
    if found is None:
        raise WrongState(status, move)
    after, action = found
    permissions.require(actor, action, unit_path)
    return Transition(status, move, after, action)


def moves_from(status: Status) -> list[Move]:
    return [move for (before, move) in TRANSITIONS if before is status]


def possible(actor: Actor, status: Status, unit_path: str) -> list[Move]:
    """The moves the actor may make now (for the buttons on a project's card)."""
    return [move for move in moves_from(status)
            if permissions.allows(actor, TRANSITIONS[status, move][1], unit_path)]  # fmt: skip


def reachable(start: Status = Status.draft) -> set[Status]:
    seen, todo = {start}, [start]
    while todo:
        current = todo.pop()
        for (before, _move), (after, _action) in TRANSITIONS.items():
            if before is current and after not in seen:
                seen.add(after)
                todo.append(after)
    return seen


async def apply(session: AsyncSession, project: Project, move: Move, *, actor: Actor, unit_path: str, at: datetime,
                update_id: int | None, note: dict[str, Any] | None = None) -> Transition:  # fmt: skip
    """Make the move on ``project`` (checked first) and write its audit row; the caller's transaction commits."""
    transition = check(actor, Status(project.status), move, unit_path)
    await session.flush()  # what the caller changed on the project so far goes first
    # One conditional UPDATE: of two people deciding at once, one moves the project, the other is refused.
    moved = await session.execute(
        update(Project).where(Project.id == project.id, Project.status == transition.before.value)
        .values(status=transition.after.value, updated_at=at).execution_options(synchronize_session=False)
    )  # fmt: skip
    if moved.rowcount != 1:
        raise WrongState(transition.before, move)
    set_committed_value(project, "status", transition.after.value)
    set_committed_value(project, "updated_at", at)
    await audit.record(session, at=at, actor_id=actor.person_id, action=f"project.{move.value}",
                       subject_type="project", subject_id=project.id, before={"status": transition.before.value},
                       after={"status": transition.after.value, **(note or {})}, update_id=update_id)  # fmt: skip
    return transition


def label_order(statuses: Iterable[Status]) -> list[Status]:
    """Statuses in the order of the workflow (lists and matrices group by it)."""
    order = list(Status)
    return sorted(statuses, key=order.index)
