"""Who may do what, on which unit: one table, asked by every use case (权限表).

A role is held on a unit (``RoleAssignment``). Each cell of ``TABLE`` says, for a role and an action,
on which units the action is allowed, relative to the unit where the role is held:

- ``Scope.SUBTREE``: that unit and every unit below it (a committee reviewer on 城关镇党委 reviews
  its branches; an admin on the department acts anywhere below it);
- ``Scope.BELOW``: only the units below it, not the unit itself (a committee endorses its branches'
  project plans, never its own: the unit above it, or the department, endorses those);
- no cell: never.

Impartial actions (``IMPARTIAL``: a review panel's scores and acceptance, 考评验收组) are refused,
whatever the cell says, on a unit inside one where the actor holds a role of their own unit
(``OWN_UNIT_ROLES``: a secretary's branch, a committee's subtree): a member never scores a project
of their own unit (回避). ``conflicted`` says when that is why.

The review panel (考评验收组: party-school teachers, members of the organisation committee) is a role,
``Role.panel``, held on the unit whose projects its member reviews (usually the department): a member
is invited like anyone else, and the table, not a per-call list, says what they may do.

Nothing else in the code decides who may do what: handlers ask the use case, the use case asks
``allows`` / ``require`` / ``units_for`` here. "Who reviews this unit" is one rule too
(``reviewers_of``), used by submission notices and by review reminders alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

from storage.models import Role

if TYPE_CHECKING:
    from domain.org.people import Actor, Grant


class Action(StrEnum):
    fill_checklist = "fill_checklist"  # 自评 and 示范阵地 self-assessment of a branch
    record_activity = "record_activity"  # 组织生活记录
    review_submission = "review_submission"  # 组织考评
    see_problems = "see_problems"  # 问题清单
    list_units = "list_units"  # /units
    bind_group = "bind_group"  # a committee's group chat
    publish_checklist = "publish_checklist"  # a new checklist version
    manage_people = "manage_people"  # withdraw a role, hand a branch over (换届)
    invite_secretary = "invite_secretary"
    invite_committee = "invite_committee"
    invite_inspector = "invite_inspector"
    invite_admin = "invite_admin"
    rectify_item = "rectify_item"  # 整改: acknowledge a problem item, submit its evidence, ask for more time
    verify_rectification = "verify_rectification"  # 验收: close (销号) or return an item; decide extensions
    inspect_unit = "inspect_unit"  # 现场检查 and 回头看 on site
    draw_sample = "draw_sample"  # 随机抽查: draw branches to inspect
    list_problem_ledger = "list_problem_ledger"  # 问题台账 of a subtree, by status, branch and source
    load_holidays = "load_holidays"  # the year's official holiday arrangement (放假, 调休上班)
    invite_panel = "invite_panel"
    # 党建项目 (domain.projects): the yearly call, a plan, its endorsement, panel review, running, acceptance.
    open_call = "open_call"  # 申报通知: open a yearly call, open its review, reopen it for a unit
    draft_project = "draft_project"  # 项目实施方案: draft and submit a plan
    endorse_project = "endorse_project"  # 所属党(工)委 endorses and forwards, or returns
    score_project = "score_project"  # a panel member's score sheet on a forwarded plan (impartial)
    decide_project = "decide_project"  # 立项/中标, acceptance conclusions, rewards, accountability
    report_progress = "report_progress"  # 领题, quarterly reports, the implementation report, rectification
    accept_project = "accept_project"  # a panel member's acceptance and mid-year check (impartial)
    see_projects = "see_projects"  # the project list and cards
    see_matrix = "see_matrix"  # 矩阵管理图: projects × quality nodes


class Scope(StrEnum):
    SUBTREE = "subtree"  # the unit where the role is held and every unit below it
    BELOW = "below"  # every unit below the one where the role is held, not that unit itself


A, S = Action, Scope
TABLE: dict[tuple[Role, Action], Scope] = {
    (Role.secretary, A.fill_checklist): S.SUBTREE,
    (Role.secretary, A.record_activity): S.SUBTREE,
    (Role.secretary, A.see_problems): S.SUBTREE,
    (Role.secretary, A.rectify_item): S.SUBTREE,
    (Role.committee, A.review_submission): S.SUBTREE,
    (Role.committee, A.see_problems): S.SUBTREE,
    (Role.committee, A.list_units): S.SUBTREE,
    (Role.committee, A.bind_group): S.SUBTREE,
    (Role.committee, A.invite_secretary): S.SUBTREE,
    (Role.committee, A.invite_inspector): S.SUBTREE,
    (Role.committee, A.verify_rectification): S.SUBTREE,
    (Role.committee, A.list_problem_ledger): S.SUBTREE,
    (Role.inspector, A.see_problems): S.SUBTREE,
    (Role.inspector, A.inspect_unit): S.SUBTREE,
    (Role.inspector, A.draw_sample): S.SUBTREE,
    (Role.inspector, A.verify_rectification): S.SUBTREE,
    (Role.inspector, A.list_problem_ledger): S.SUBTREE,
    (Role.secretary, A.draft_project): S.SUBTREE,
    (Role.secretary, A.report_progress): S.SUBTREE,
    (Role.secretary, A.see_projects): S.SUBTREE,
    (Role.committee, A.draft_project): S.SUBTREE,
    (Role.committee, A.endorse_project): S.BELOW,
    (Role.committee, A.report_progress): S.SUBTREE,
    (Role.committee, A.see_projects): S.SUBTREE,
    (Role.committee, A.see_matrix): S.SUBTREE,
    (Role.inspector, A.see_projects): S.SUBTREE,
    (Role.panel, A.score_project): S.SUBTREE,
    (Role.panel, A.accept_project): S.SUBTREE,
    (Role.panel, A.see_projects): S.SUBTREE,
    (Role.panel, A.see_matrix): S.SUBTREE,
    **{(Role.admin, action): S.SUBTREE for action in Action},
}
INVITE = {Role.secretary: A.invite_secretary, Role.committee: A.invite_committee,
          Role.inspector: A.invite_inspector, Role.admin: A.invite_admin,
          Role.panel: A.invite_panel}  # fmt: skip
IMPARTIAL = frozenset({A.score_project, A.accept_project})
OWN_UNIT_ROLES = frozenset({Role.secretary, Role.committee})


class NotAllowed(Exception):
    """The actor's roles do not allow this action on this unit."""


def _covers(scope: Scope, grant_path: str, unit_path: str) -> bool:
    if scope is Scope.SUBTREE:
        return unit_path.startswith(grant_path)
    if scope is Scope.BELOW:
        return unit_path.startswith(grant_path) and unit_path != grant_path
    return False  # pragma: no cover - every Scope is handled above


def conflicted(actor: Actor, action: Action, unit_path: str) -> bool:
    """An impartial action on a unit of the actor's own (回避): inside a unit where they hold a
    secretary's or a committee's role."""
    return action in IMPARTIAL and any(
        grant.role in OWN_UNIT_ROLES and unit_path.startswith(grant.unit_path) for grant in actor.grants
    )


def allows(actor: Actor, action: Action, unit_path: str) -> bool:
    """Whether one of the actor's roles allows ``action`` on the unit with materialised ``unit_path``."""
    return not conflicted(actor, action, unit_path) and any(
        (scope := TABLE.get((grant.role, action))) is not None and _covers(scope, grant.unit_path, unit_path)
        for grant in actor.grants
    )


def require(actor: Actor, action: Action, unit_path: str) -> None:
    if not allows(actor, action, unit_path):
        raise NotAllowed(action.value)


def grants_for(actor: Actor, action: Action) -> list[Grant]:
    """The actor's grants that allow ``action`` somewhere (one per unit, in the order held)."""
    seen: dict[int, Grant] = {}
    for grant in actor.grants:
        if (grant.role, action) in TABLE:
            seen.setdefault(grant.unit_id, grant)
    return list(seen.values())


def scope_paths(actor: Actor, action: Action) -> list[str]:
    """Materialised paths of the subtrees where ``action`` is allowed (for queries: ``units.within``)."""
    return [g.unit_path for g in grants_for(actor, action)]


def may_somewhere(actor: Actor, action: Action) -> bool:
    return bool(grants_for(actor, action))


def invitable_roles(actor: Actor) -> list[Role]:
    """The roles the actor may invite people to, somewhere."""
    return [role for role, action in INVITE.items() if may_somewhere(actor, action)]


T = TypeVar("T")


def reviewers_of(lineage: Sequence[int], holders: Callable[[Role, int], Iterable[T]]) -> list[T]:
    """Who reviews the unit whose ``lineage`` (ancestor ids, root first, the unit itself last) is given.

    The committee reviewers on the nearest unit above it that has any; when no unit above has one,
    the admins on the nearest unit above that has any (the department reviews what no committee
    does). ``holders(role, unit_id)`` lists the people holding ``role`` on one unit.
    """
    above = list(lineage[:-1])
    for role in (Role.committee, Role.admin):
        for unit_id in reversed(above):
            found = list(holders(role, unit_id))
            if found:
                return found
    return []
