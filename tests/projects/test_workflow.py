"""The project workflow: one table of moves, its diagram, and random people acting on random projects."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.org import permissions
from domain.org.people import Actor, Grant
from domain.projects import workflow
from domain.projects.workflow import Move, Status
from storage.models import Role
from tests.test_permissions import BELOW_ONLY, POLICY


def test_the_diagram_beside_the_table_shows_exactly_the_table() -> None:
    drawn = set(re.findall(r"^\s+(\w+) --> (\w+): .*\((\w+)\)$", workflow.__doc__, re.MULTILINE))
    table = {(before.value, after.value, action.value) for (before, _), (after, action) in workflow.TRANSITIONS.items()}
    assert drawn == table


def test_every_status_is_reached_from_a_draft_and_the_final_ones_lead_nowhere() -> None:
    assert workflow.reachable() == set(Status)
    for status in workflow.FINAL:
        assert workflow.moves_from(status) == []


def test_the_issue_s_path_is_in_the_table() -> None:
    path = [(Move.submit, Status.submitted), (Move.endorse, Status.endorsed), (Move.open_review, Status.under_review),
            (Move.select, Status.selected), (Move.launch, Status.running), (Move.rectify, Status.rectifying),
            (Move.accept, Status.accepted), (Move.complete, Status.completed), (Move.reward, Status.rewarded)]  # fmt: skip
    status = Status.draft
    for move, expected in path:
        status = workflow.TRANSITIONS[status, move][0]
        assert status is expected
    assert workflow.TRANSITIONS[Status.running, Move.hold_accountable][0] is Status.accountability
    assert workflow.TRANSITIONS[Status.submitted, Move.return_][0] is Status.returned
    assert workflow.TRANSITIONS[Status.under_review, Move.reject][0] is Status.not_selected


def admin() -> Actor:
    return Actor(1, 1, grants=(Grant(Role.admin, 1, "D001", "组织部", "/1/"),))


def test_a_second_decision_on_a_decided_project_is_refused() -> None:
    with pytest.raises(workflow.WrongState):
        workflow.check(admin(), Status.selected, Move.select, "/1/2/3/")
    with pytest.raises(workflow.WrongState):
        workflow.check(admin(), Status.not_selected, Move.select, "/1/2/3/")


def test_a_branch_cannot_send_a_plan_straight_to_the_department() -> None:
    secretary = Actor(2, 2, grants=(Grant(Role.secretary, 3, "T0102", "红旗村党支部", "/1/2/3/"),))
    committee_of_itself = Actor(3, 3, grants=(Grant(Role.committee, 2, "T01", "城关镇党委", "/1/2/"),))
    with pytest.raises(permissions.NotAllowed):
        workflow.check(secretary, Status.submitted, Move.endorse, "/1/2/3/")
    with pytest.raises(permissions.NotAllowed):  # a committee's own plan goes to the unit above it
        workflow.check(committee_of_itself, Status.submitted, Move.endorse, "/1/2/")
    assert workflow.check(committee_of_itself, Status.submitted, Move.endorse, "/1/2/3/").after is Status.endorsed


# A county: /1/ department, /1/2/ town committee with branches /1/2/3/ and /1/2/4/, /1/5/ direct committee with /1/5/6/.
PATHS = ["/1/", "/1/2/", "/1/2/3/", "/1/2/4/", "/1/5/", "/1/5/6/"]
GRANTS = st.builds(lambda role, path: Grant(role, int(path.strip("/").split("/")[-1]), "X", "单位", path),
                   st.sampled_from(list(Role)), st.sampled_from(PATHS))  # fmt: skip
PEOPLE = st.builds(lambda grants: Actor(1, 1, grants=tuple(grants)), st.lists(GRANTS, min_size=0, max_size=3))


def oracle(actor: Actor, action: permissions.Action, path: str) -> bool:
    """What the policy says, worked out separately from the table: held on the unit or above it
    (strictly above for a below-only cell), and never one's own unit for an impartial action."""
    own = any(g.role in (Role.secretary, Role.committee) and path.startswith(g.unit_path) for g in actor.grants)
    if action in (permissions.Action.score_project, permissions.Action.accept_project) and own:
        return False
    return any(action.value in POLICY[g.role] and path.startswith(g.unit_path)
               and not ((g.role, action.value) in BELOW_ONLY and path == g.unit_path) for g in actor.grants)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PATHS[1:]), st.lists(st.tuples(PEOPLE, st.sampled_from(list(Move))), max_size=30))
def test_random_people_making_random_moves_never_leave_the_table_or_their_role_and_scope(path, attempts) -> None:
    status = Status.draft
    for actor, move in attempts:
        listed = move in workflow.possible(actor, status, path)
        try:
            transition = workflow.check(actor, status, move, path)
        except workflow.WrongState:
            assert (status, move) not in workflow.TRANSITIONS and not listed
            continue
        except permissions.NotAllowed:
            assert not oracle(actor, workflow.TRANSITIONS[status, move][1], path) and not listed
            continue
        assert (status, move) in workflow.TRANSITIONS and listed
        assert oracle(actor, transition.action, path), f"{actor.grants} made {move} on {path}"
        assert transition.before is status and transition.after is workflow.TRANSITIONS[status, move][0]
        status = transition.after
    assert status in workflow.reachable()


def test_nothing_but_the_workflow_writes_a_project_status() -> None:
    """Every status change goes through ``workflow.apply`` (checked and audited): no other code assigns it."""
    from pathlib import Path

    root = Path(workflow.__file__).parents[2]
    writers = [path.relative_to(root).as_posix() for folder in ("domain", "handlers", "bot")
               for path in (root / folder).rglob("*.py")
               if re.search(r"\bproject\.status\s*=(?!=)|\bstatus=Status\.(?!draft)|update\(Project\)",
                            path.read_text(encoding="utf-8"))]  # fmt: skip
    assert writers == ["domain/projects/workflow.py"]
