"""The permissions table, walked cell by cell: every role × action × where the unit lies."""

from __future__ import annotations

import itertools

import pytest

from domain.org import permissions
from domain.org.people import Actor, Grant
from domain.org.permissions import Action, Role

# The policy as the organisation department states it, one line per role: what it may do, on the
# unit where the role is held and everything below it. Nothing anywhere else, nothing for others.
POLICY = {
    Role.secretary: {"fill_checklist", "record_activity", "see_problems", "rectify_item", "draft_project",
                     "report_progress", "see_projects"},  # fmt: skip
    Role.committee: {"review_submission", "see_problems", "list_units", "bind_group", "invite_secretary",
                     "invite_inspector", "verify_rectification", "list_problem_ledger", "draft_project",
                     "endorse_project", "report_progress", "see_projects", "see_matrix"},  # fmt: skip
    Role.inspector: {"see_problems", "inspect_unit", "draw_sample", "verify_rectification", "list_problem_ledger",
                     "see_projects"},  # fmt: skip
    Role.panel: {"score_project", "accept_project", "see_projects", "see_matrix"},
    Role.admin: {a.value for a in Action},
}
# Cells that cover only the units below the one where the role is held, not that unit itself: a
# committee forwards its branches' plans, never its own (申报和组织领导由所属党(工)委负责).
BELOW_ONLY = {(Role.committee, "endorse_project")}
# Where the unit lies relative to the unit where the role is held (/1/ county, /1/2/ town, /1/2/3/ branch).
HELD_ON = "/1/2/"
WHERE = {"itself": ("/1/2/", True), "below": ("/1/2/3/", True), "above": ("/1/", False),
         "beside": ("/1/4/", False), "prefix look-alike": ("/1/22/", False)}  # fmt: skip


def actor(role: Role) -> Actor:
    return Actor(telegram_user_id=1, person_id=1, grants=(Grant(role, 2, "T01", "城关镇党委", HELD_ON),))


@pytest.mark.parametrize(("role", "action", "where"), list(itertools.product(Role, Action, WHERE)))
def test_every_cell(role: Role, action: Action, where: str) -> None:
    path, inside = WHERE[where]
    expected = inside and action.value in POLICY[role] and not (where == "itself" and (role, action.value) in BELOW_ONLY)
    assert permissions.allows(actor(role), action, path) is expected
    if expected:
        permissions.require(actor(role), action, path)
    else:
        with pytest.raises(permissions.NotAllowed):
            permissions.require(actor(role), action, path)


def test_the_table_has_no_cell_the_policy_does_not_name() -> None:
    assert {(r, a.value) for r, a in permissions.TABLE} == {(r, a) for r, acts in POLICY.items() for a in acts}


def test_a_stranger_may_do_nothing_anywhere() -> None:
    stranger = Actor(telegram_user_id=9)
    assert not any(permissions.allows(stranger, a, p) for a in Action for p, _ in WHERE.values())


def test_invitable_roles_follow_the_table() -> None:
    assert permissions.invitable_roles(actor(Role.committee)) == [Role.secretary, Role.inspector]
    assert permissions.invitable_roles(actor(Role.admin)) == [Role.secretary, Role.committee, Role.inspector,
                                                              Role.admin, Role.panel]  # fmt: skip
    assert permissions.invitable_roles(actor(Role.secretary)) == []


def test_the_scope_of_each_cell_is_what_the_policy_says() -> None:
    below = {(r, a.value) for (r, a), scope in permissions.TABLE.items() if scope is permissions.Scope.BELOW}
    assert below == BELOW_ONLY


@pytest.mark.parametrize("action", [Action.score_project, Action.accept_project])
@pytest.mark.parametrize(("own_role", "own_path", "project_path", "refused"), [
    (Role.secretary, "/1/2/3/", "/1/2/3/", True),  # their own branch
    (Role.committee, "/1/2/", "/1/2/3/", True),  # a branch their committee endorses
    (Role.secretary, "/1/2/3/", "/1/2/5/", False),  # a sibling branch is not theirs
    (Role.inspector, "/1/2/", "/1/2/3/", False),  # an inspector's units are not "their own"
    (Role.admin, "/1/", "/1/2/3/", False),  # the department reviews, it does not apply
])
def test_a_panel_member_never_scores_a_project_of_their_own_unit(action, own_role, own_path, project_path,
                                                                 refused) -> None:  # fmt: skip
    member = Actor(telegram_user_id=1, person_id=1, grants=(
        Grant(Role.panel, 1, "D001", "组织部", "/1/"), Grant(own_role, 9, "X", "本单位", own_path)))
    assert permissions.allows(member, action, project_path) is not refused
    assert permissions.conflicted(member, action, project_path) is refused
    assert permissions.allows(member, Action.see_projects, project_path), "seeing is not scoring"


def _people(**held: list[str]):
    """holders(role, unit) from {"committee_2": [...], "admin_1": [...]}."""
    return lambda role, unit_id: held.get(f"{role.value}_{unit_id}", [])


@pytest.mark.parametrize(
    ("held", "reviewers"),
    [
        ({"committee_2": ["李"], "committee_1": ["县"]}, ["李"]),  # the nearest committee level
        ({"committee_1": ["县"]}, ["县"]),  # through a level with nobody
        ({"admin_1": ["组织部"]}, ["组织部"]),  # no committee above: the admins
        ({"committee_1": ["县"], "admin_2": ["镇管理员"]}, ["县"]),  # committees first, at any level
        ({"committee_3": ["自己"]}, []),  # the unit's own role does not review itself
        ({}, []),
    ],
)
def test_one_rule_for_who_reviews_a_unit(held: dict, reviewers: list[str]) -> None:
    assert permissions.reviewers_of([1, 2, 3], _people(**held)) == reviewers
