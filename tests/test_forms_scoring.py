"""Scoring checklists: the room-area rule, categories and the problem list."""

from datetime import date

import pytest

from domain.forms import FormContext, Outcome, UnitFacts, load_form_yaml, score, shipped_form

TODAY = date(2026, 4, 20)


def _ctx(parent_type=None, domain=None, founded=None, facts=None):
    return FormContext(TODAY, UnitFacts("branch", domain, parent_type, founded), facts or {})


@pytest.mark.parametrize(
    ("parent_type", "area", "outcome"),
    [
        ("town_committee", "100", Outcome.PASSED),
        ("town_committee", "80", Outcome.FAILED),
        ("direct_committee", "80", Outcome.PASSED),
        ("direct_committee", "59.5", Outcome.FAILED),
    ],
)
def test_room_area__by_parent_committee__passes_or_fails(parent_type, area, outcome):
    result = score(shipped_form("demonstration"), {"room_area": area}, _ctx(parent_type))
    item = next(i for i in result.items if i.name == "room_area")
    assert item.outcome is outcome


def test_branch_age__from_unit_founding_date__is_prefilled_and_scored():
    defn = shipped_form("demonstration")
    young = score(defn, {}, _ctx(founded=date(2022, 5, 1)))
    old = score(defn, {}, _ctx(founded=date(2021, 4, 20)))
    assert next(i for i in young.items if i.name == "branch_age_years").outcome is Outcome.FAILED
    assert next(i for i in old.items if i.name == "branch_age_years").outcome is Outcome.PASSED


FORM = load_form_yaml(
    """
id: mini
fields:
  - {name: a, type: yes_no, label: A, pass: ". == true", weight: 2, category: 组织设置, clause: 必须有A}
  - {name: b, type: yes_no, label: B, pass: ". == true", category: 组织设置, clause: 必须有B}
  - {name: c, type: integer, label: C, pass: ". >= 3", category: 组织生活, clause: C至少3}
  - {name: d, type: yes_no, label: D, pass: ". == true", category: 组织生活,
     relevant: "unit.domain == 'rural'"}
  - {name: e, type: text, label: E}
"""
)


def test_score__by_category__sums_weights_and_excludes_not_applicable():
    result = score(FORM, {"a": True, "b": False, "c": 5, "d": False}, _ctx(domain="soe"))
    assert [(i.name, i.outcome) for i in result.items] == [
        ("a", Outcome.PASSED),
        ("b", Outcome.FAILED),
        ("c", Outcome.PASSED),
        ("d", Outcome.NOT_APPLICABLE),
    ]
    setup = result.category("组织设置")
    life = result.category("组织生活")
    assert (setup.score, setup.max_score, setup.passed, setup.failed) == (2, 3, 1, 1)
    assert (life.score, life.max_score, life.not_applicable) == (1, 1, 1)
    assert (result.score, result.max_score, result.percentage) == (3, 4, 75.0)
    assert [(i.name, i.clause.zh) for i in result.failing] == [("b", "必须有B")]


def test_score__unanswered_relevant_item__fails():
    result = score(FORM, {}, _ctx(domain="rural"))
    assert all(i.outcome is Outcome.FAILED for i in result.items)
    assert result.percentage == 0.0


def test_score__to_json__is_plain_data():
    import json

    data = score(FORM, {"a": True}, _ctx()).to_json()
    assert json.loads(json.dumps(data))["score"] == 2


def test_standardisation__domain_variants__change_applicable_items():
    defn = shipped_form("standardisation")
    rural = score(defn, {}, _ctx(domain="rural"))
    school = score(defn, {}, _ctx(domain="school"))
    applicable = lambda r: {i.name for i in r.items if i.outcome is not Outcome.NOT_APPLICABLE}  # noqa: E731
    assert "rural_one_shoulder" in applicable(rural) and "rural_one_shoulder" not in applicable(school)
    assert "double_leader" in applicable(school) and "double_leader" not in applicable(rural)


def test_standardisation__recorded_monthly_activity__passes_the_item():
    defn = shipped_form("standardisation")
    result = score(defn, {}, _ctx(facts={"activity.monthly_ok": True}))
    assert next(i for i in result.items if i.name == "monthly_activity").outcome is Outcome.PASSED
