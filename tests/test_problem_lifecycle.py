"""The rectification lifecycle's table, and random people doing random things to random items."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.org.people import Actor, Grant
from domain.problems import lifecycle
from domain.problems.lifecycle import TABLE, Refused, Verb
from storage.models import ProblemStatus, Role

P = ProblemStatus
# A county (/1/), a town (/1/2/) with two branches, a directly affiliated committee (/1/5/) with one.
UNITS = ["/1/", "/1/2/", "/1/2/3/", "/1/2/4/", "/1/5/", "/1/5/6/"]
BRANCHES = ["/1/2/3/", "/1/2/4/", "/1/5/6/"]

# The policy as the organisation department states it, written out again here rather than read
# from the code: who may take each step.
OWNER_ROLES = {Role.secretary, Role.admin}
VERIFIER_ROLES = {Role.committee, Role.inspector, Role.admin}
REOPEN_ROLES = {Role.inspector, Role.admin}
ROLES_FOR = {Verb.acknowledge: OWNER_ROLES, Verb.submit: OWNER_ROLES, Verb.request_extension: OWNER_ROLES,
             Verb.grant_extension: VERIFIER_ROLES, Verb.refuse_extension: VERIFIER_ROLES,
             Verb.close: VERIFIER_ROLES, Verb.return_: VERIFIER_ROLES, Verb.reopen: REOPEN_ROLES}  # fmt: skip


def actor(person_id: int, *held: tuple[Role, str]) -> Actor:
    grants = tuple(Grant(role, int(path.strip("/").split("/")[-1]), f"U{path}", "单位", path) for role, path in held)
    return Actor(telegram_user_id=person_id, person_id=person_id, grants=grants)


def test_every_state_but_the_start_is_reached_and_every_state_is_left() -> None:
    reached = {target for target in TABLE.values()}
    left = {source for source, _ in TABLE}
    assert reached == set(P) - {P.open}
    assert left == set(P)


def test_the_workflow_the_issue_names_is_in_the_table() -> None:
    assert TABLE[P.open, Verb.acknowledge] is P.acknowledged
    assert TABLE[P.acknowledged, Verb.submit] is P.submitted
    assert TABLE[P.submitted, Verb.close] is P.closed
    assert TABLE[P.submitted, Verb.return_] is P.returned
    assert TABLE[P.returned, Verb.submit] is P.submitted
    assert TABLE[P.extension_requested, Verb.grant_extension] is P.acknowledged
    assert TABLE[P.extension_requested, Verb.refuse_extension] is P.acknowledged
    assert TABLE[P.closed, Verb.reopen] is P.reopened


def test_a_closed_item__takes_nothing_but_reopening() -> None:
    admin = actor(1, (Role.admin, "/1/"))
    for verb in Verb:
        if verb is Verb.reopen:
            assert lifecycle.check(admin, verb, P.closed, "/1/2/3/") is P.reopened
            continue
        with pytest.raises(Refused) as refused:
            lifecycle.check(admin, verb, P.closed, "/1/2/3/")
        assert refused.value.code in ("closed", "own_item")


def test_a_verifier_who_is_the_branch_secretary__may_not_close() -> None:
    both = actor(7, (Role.committee, "/1/2/"), (Role.secretary, "/1/2/3/"))
    with pytest.raises(Refused) as refused:
        lifecycle.check(both, Verb.close, P.submitted, "/1/2/3/")
    assert refused.value.code == "own_item"
    assert lifecycle.check(both, Verb.close, P.submitted, "/1/2/4/") is P.closed  # another branch of the town


def test_whoever_submitted_an_item__may_not_close_it_even_as_admin() -> None:
    admin = actor(3, (Role.admin, "/1/"))
    with pytest.raises(Refused) as refused:
        lifecycle.check(admin, Verb.close, P.submitted, "/1/2/3/", people=(None, 3))
    assert refused.value.code == "own_item"


def test_verifying_an_item_not_submitted__is_refused_as_wrong_state() -> None:
    li = actor(2, (Role.committee, "/1/2/"))
    with pytest.raises(Refused) as refused:
        lifecycle.check(li, Verb.close, P.acknowledged, "/1/2/3/")
    assert refused.value.code == "wrong_state"


def test_out_of_scope__is_refused_before_anything_about_the_item_is_said() -> None:
    other = actor(4, (Role.committee, "/1/5/"))
    with pytest.raises(Refused) as refused:
        lifecycle.check(other, Verb.close, P.closed, "/1/2/3/")
    assert refused.value.code == "not_allowed"


# --- random sequences ----------------------------------------------------------------------


@dataclass
class Item:
    path: str
    status: P = P.open
    owners: set[int] = field(default_factory=set)


grants = st.lists(st.tuples(st.sampled_from(list(Role)), st.sampled_from(UNITS)), max_size=3)
people = st.lists(grants, min_size=1, max_size=6)
items = st.lists(st.sampled_from(BRANCHES), min_size=1, max_size=4)
# A step's verb: below len(Verb), one the table has from the item's state (so sequences go deep);
# above it, any verb at all (so refusals are tried everywhere).
steps = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 2 * len(Verb) - 1), st.integers(0, 3)), max_size=60)


def covers(held: list[tuple[Role, str]], roles: set[Role], path: str) -> bool:
    return any(role in roles and path.startswith(where) for role, where in held)


@settings(max_examples=400, deadline=None)
@given(people=people, branches=items, steps=steps)
def test_random_actions_by_random_people__never_leave_the_table_nor_act_outside_role_and_scope(
    people: list[list[tuple[Role, str]]], branches: list[str], steps: list[tuple[int, int, int]]
) -> None:
    actors = [actor(n + 1, *held) for n, held in enumerate(people)]
    model = [Item(path) for path in branches]
    for who, choice, which in steps:
        person, held = actors[who % len(actors)], people[who % len(people)]
        item = model[which % len(model)]
        possible = [v for (state, v) in TABLE if state is item.status]
        verb = possible[choice % len(possible)] if choice < len(Verb) else list(Verb)[choice - len(Verb)]
        before = item.status
        owns = covers(held, {Role.secretary}, item.path) or person.person_id in item.owners
        in_role = covers(held, ROLES_FOR[verb], item.path)
        try:
            after = lifecycle.check(person, verb, item.status, item.path, item.owners)
        except Refused as refused:
            assert (
                not in_role
                or (verb in lifecycle.VERDICTS and owns)
                or (before, verb) not in TABLE
            ), f"{verb} by {held} on {before} at {item.path} refused as {refused.code}"
            continue
        assert (before, verb) in TABLE and after is TABLE[before, verb]
        assert in_role, f"{held} took {verb} at {item.path} outside their role or scope"
        assert not (verb in lifecycle.VERDICTS and owns), f"{held} decided on their own item"
        assert after in P
        item.status = after
        if verb in (Verb.acknowledge, Verb.submit):
            item.owners.add(person.person_id)
        elif verb is Verb.reopen:  # a regression starts afresh: whoever answers it owns it
            item.owners.clear()
