"""The rule language: parsing, safety limits and evaluation."""

from datetime import date

import pytest

from domain.forms.conditions import evaluate, holds
from domain.forms.rules import RuleEnv, RuleError, parse_rule

TODAY = date(2026, 4, 20)


def _holds(source, answers=None, *, unit=None, facts=None, current=None):
    env = RuleEnv(answers or {}, TODAY, unit or {}, facts or {}, current)
    return holds(parse_rule(source), env)


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('rm -rf /')",
        "open('/etc/passwd')",
        "${a}.__class__",
        "lambda: 1",
        "[x for x in ()]",
        "1; 2",
        "${a} >",
        "(1",
        "selected(${a})",
        "unit.password",
        "",
    ],
)
def test_rule__code_or_malformed_text__is_a_parse_error(source):
    with pytest.raises(RuleError):
        parse_rule(source)


def test_rule__deep_nesting__is_refused():
    with pytest.raises(RuleError):
        parse_rule("(" * 40 + "1" + ")" * 40)


def test_rule__too_long__is_refused():
    with pytest.raises(RuleError):
        parse_rule(" or ".join(["${a} == 1"] * 80))


def test_rule__references__lists_fields_read():
    rule = parse_rule("${a} > 1 and selected(${b}, 'x') or count(${c}) = 0")
    assert rule.references == ("a", "b", "c")


def test_comparison__numbers_and_strings__compare_by_kind():
    assert _holds("${area} >= 100", {"area": 120})
    assert not _holds("${area} >= 100", {"area": 80})
    assert _holds("${area} = '80'", {"area": 80})
    assert _holds("${kind} != 'x'", {"kind": "y"})


def test_comparison__missing_value__is_false_either_way():
    assert not _holds("${area} >= 100")
    assert not _holds("${area} < 100")
    assert not _holds("${area} != 100")
    assert _holds("not (${area} >= 100)")


def test_current_value__dot__reads_the_answer_being_checked():
    assert _holds(". <= ${expected}", {"expected": 20}, current=18)
    assert not _holds(". <= ${expected}", {"expected": 20}, current=25)


def test_in_list__matches_any_option():
    assert _holds("unit.domain in ('rural', 'community')", unit={"domain": "rural"})
    assert not _holds("unit.domain in ('rural', 'community')", unit={"domain": "soe"})
    assert _holds("unit.domain not in ('rural')", unit={"domain": "soe"})
    assert not _holds("unit.domain in ('rural')")


def test_functions__selected_count_if__work_on_answers():
    answers = {"ledgers": ["a", "b"], "photos": [{"file_id": "1"}]}
    assert _holds("selected(${ledgers}, 'b')", answers)
    assert not _holds("selected(${ledgers}, 'z')", answers)
    assert _holds("count(${photos}) = 1 and count(${none}) = 0", answers)
    rule = parse_rule("if(unit.parent_type == 'direct_committee', 60, 100)")
    assert evaluate(rule, RuleEnv({}, TODAY, {"parent_type": "direct_committee"})) == 60
    assert evaluate(rule, RuleEnv({}, TODAY, {"parent_type": "town_committee"})) == 100


def test_facts_and_booleans__dotted_fact_names__are_read():
    assert _holds("fact.activity.monthly_ok == true", facts={"activity.monthly_ok": True})
    assert _holds("fact.activity_months >= 12", facts={"activity_months": 12})
    assert _holds("${ok} = 'yes'", {"ok": True})


def test_dates__compare_with_iso_text_and_today():
    assert _holds("${held} <= today()", {"held": date(2026, 4, 1)})
    assert _holds("${held} >= '2026-01-01'", {"held": date(2026, 4, 1)})
