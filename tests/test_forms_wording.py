"""Help text that depends on the unit: ``{= rule }`` placeholders, checked at load, filled when shown."""

from datetime import date

import pytest

from domain.forms import (
    Choice,
    FormContext,
    FormDefinitionError,
    UnitFacts,
    advance,
    load_form_yaml,
    start,
)
from domain.forms.rules import RuleEnv
from domain.forms.wording import fill, placeholders

FORM = """
id: room
fields:
  - {name: has_room, type: yes_no, label: 有活动室吗}
  - name: area
    type: decimal
    label: 面积
    help:
      zh: "不少于 {= if(unit.parent_type == 'direct_committee', 60, 100)} 平方米（{= if(unit.parent_type == 'direct_committee', '直属党委下属', '镇党委下属')}）"
      en: "At least {= if(unit.parent_type == 'direct_committee', 60, 100)} m²"
"""


def _help(parent_type, locale="zh"):
    defn = load_form_yaml(FORM)
    ctx = FormContext(today=date(2026, 3, 2), unit=UnitFacts(parent_type=parent_type), locale=locale)
    return advance(defn, start(defn, ctx).state, Choice("yes"), ctx).prompt.question.help


def test_help__threshold_depends_on_the_committee__quotes_only_the_one_that_applies():
    assert _help("town_committee") == "不少于 100 平方米（镇党委下属）"
    assert _help("direct_committee") == "不少于 60 平方米（直属党委下属）"
    assert _help("direct_committee", "en") == "At least 60 m²"
    assert _help(None) == "不少于 100 平方米（镇党委下属）"  # as the pass rule reads a missing parent


def test_fill__answers_decimals_and_missing_values__are_shown_plainly():
    env = RuleEnv(answers={"n": 3}, today=date(2026, 3, 2))
    assert fill("共 {= ${n} } 人，{= fact.none }。", env) == "共 3 人，。"
    assert fill("no placeholder {x}", env) == "no placeholder {x}"
    assert placeholders("{= 'a}b' } and {= ${n} }") == ["'a}b'", "${n}"]


@pytest.mark.parametrize(
    ("help_text", "code"),
    [("{= __import__('os') }", "bad_rule"), ("{= 1 + ", "bad_rule"), ("{= ${later} }", "unknown_reference"),
     ("{= . > 1 }", "bad_rule")],
)
def test_help__bad_placeholder__is_refused_when_loading(help_text, code):
    text = ("id: x\nfields:\n  - name: a\n    type: integer\n    label: A\n"
            f"    help: \"{help_text}\"\n  - {{name: later, type: integer, label: B}}\n")  # fmt: skip
    with pytest.raises(FormDefinitionError) as caught:
        load_form_yaml(text)
    assert [(i.code, i.column) for i in caught.value.issues] == [(code, "help")]
