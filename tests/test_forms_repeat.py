"""Repeat groups: a list of items, each with its own fields, added, edited and removed before submitting."""

from __future__ import annotations

import io
import json
from datetime import date

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.forms import (
    Back,
    Cancel,
    Choice,
    Done,
    Edit,
    FormContext,
    FormDefinitionError,
    FormState,
    Phase,
    Photo,
    PromptKind,
    Skip,
    Submit,
    Text,
    advance,
    load_form_xlsx,
    load_form_yaml,
    start,
)
from domain.forms.repeat import ADD

PLAN = """
id: plan
version: "1"
title: {zh: 项目计划, en: Plan}
fields:
  - {name: title, type: text, required: true, label: {zh: 项目名称, en: Title}}
  - {name: ends_on, type: date, required: true, label: {zh: 结束日期, en: Ends on}}
  - name: nodes
    type: repeat
    required: true
    min: 2
    max: 3
    label: {zh: 子项分解, en: Sub-items}
    fields:
      - {name: node, type: text, required: true, label: {zh: 子项内容, en: Sub-item}}
      - {name: owner, type: text, required: true, label: {zh: 责任人, en: Owner}}
      - {name: due, type: date, required: true, label: {zh: 完成时限, en: Due},
         constraint: ". <= ${ends_on}", constraint_message: {zh: 不能晚于项目结束日期, en: Not after the project ends}}
      - {name: note, type: text, label: {zh: 备注, en: Note}}
  - {name: goals, type: text, label: {zh: 预期目标, en: Goals}}
"""
CTX = FormContext(today=date(2026, 3, 2))


@pytest.fixture(scope="module")
def plan():
    return load_form_yaml(PLAN)


def feed(defn, state, *inputs):
    step = None
    for user_input in inputs:
        step = advance(defn, state, user_input, CTX)
        state = FormState.from_json(json.loads(json.dumps(step.state.to_json())))  # as stored and read back
        assert state == step.state
    return step


def item(node, owner, due, note=None):
    return [Text(node), Text(owner), Text(due), Text(note) if note else Skip()]


def to_group(defn):
    return feed(defn, start(defn, CTX).state, Text("党员积分制"), Text("2026-12-31"))


def test_a_group_is_loaded_with_its_own_fields(plan) -> None:
    nodes = plan.field("nodes")
    assert [f.name for f in nodes.fields] == ["node", "owner", "due", "note"]
    assert plan.group(nodes).id == "plan.nodes" and nodes.minimum == 2 and nodes.maximum == 3


def test_items_are_added_edited_and_removed__and_the_review_lists_them(plan) -> None:
    step = to_group(plan)
    assert step.prompt.question.type == "repeat" and step.prompt.question.display is None
    assert [b.value for b in step.prompt.choices] == [ADD]
    step = feed(plan, step.state, Choice(ADD), *item("建台账", "张三", "2026-06-30"),
                Choice(ADD), *item("开评议会", "李四", "2026-09-30", "每季度"))  # fmt: skip
    assert step.prompt.question.display.splitlines() == [
        "1. 建台账 · 张三 · 2026-06-30", "2. 开评议会 · 李四 · 2026-09-30 · 每季度"]
    assert [b.value for b in step.prompt.choices] == ["~e1", "~d1", "~e2", "~d2", ADD]
    step = feed(plan, step.state, Choice("~e1"))
    assert "#1" in step.prompt.title and step.prompt.question.display == "建台账"
    step = feed(plan, step.state, Done(), Text("王五"), Done(), Text("补充"))  # keep, change, keep, fill
    assert step.prompt.question.display.splitlines()[0] == "1. 建台账 · 王五 · 2026-06-30 · 补充"
    step = feed(plan, step.state, Choice(ADD), *item("三", "赵六", "2026-10-01"))
    assert [b.value for b in step.prompt.choices][-1] != ADD, "no add button once the group is full"
    step = feed(plan, step.state, Choice("~d2"), Done())
    assert step.prompt.question.name == "goals"
    step = feed(plan, step.state, Skip())
    assert step.prompt.kind is PromptKind.REVIEW
    line = next(r for r in step.prompt.review if r.name == "nodes")
    assert line.display.splitlines() == ["1. 建台账 · 王五 · 2026-06-30 · 补充", "2. 三 · 赵六 · 2026-10-01"]
    step = feed(plan, step.state, Submit())
    assert step.state.phase is Phase.SUBMITTED
    assert step.state.answers["nodes"] == [
        {"node": "建台账", "owner": "王五", "due": "2026-06-30", "note": "补充"},
        {"node": "三", "owner": "赵六", "due": "2026-10-01"},
    ]


def test_an_item_due_after_the_project_ends__is_refused_and_changes_nothing(plan) -> None:
    step = feed(plan, to_group(plan).state, Choice(ADD), Text("建台账"), Text("张三"))
    before = step.state
    step = feed(plan, before, Text("2027-01-15"))
    assert step.state == before and step.prompt.rejection.code == "constraint"
    assert step.prompt.rejection.params["message"] == "不能晚于项目结束日期"


def test_the_items_are_checked_again_on_submit_against_the_answers_then(plan) -> None:
    step = feed(plan, to_group(plan).state, Choice(ADD), *item("一", "甲", "2026-11-30"),
                Choice(ADD), *item("二", "乙", "2026-06-30"), Done(), Skip(), Edit("ends_on"), Text("2026-09-30"))  # fmt: skip
    assert step.prompt.kind is PromptKind.REVIEW
    step = feed(plan, step.state, Submit())
    assert step.state.phase is Phase.ASKING and step.state.current == "nodes"
    assert step.prompt.rejection.code == "item_invalid" and step.prompt.rejection.params["item"] == 1
    step = feed(plan, step.state, Choice("~e1"), Done(), Done(), Text("2026-09-01"), Skip(), Done())
    assert step.prompt.kind is PromptKind.REVIEW
    assert feed(plan, step.state, Submit()).state.phase is Phase.SUBMITTED


def test_counts_and_buttons_are_bounded(plan) -> None:
    step = feed(plan, to_group(plan).state, Done())
    assert step.prompt.rejection.code == "required"
    step = feed(plan, step.state, Choice(ADD), *item("一", "甲", "2026-11-30"), Done())
    assert step.prompt.rejection.code == "too_few" and step.prompt.rejection.params == {"min": 2}
    for stale in ("~e9", "~d0", "~dx", "~e", "bogus"):
        assert feed(plan, step.state, Choice(stale)).prompt.rejection.code == "not_a_choice"
    refused = feed(plan, step.state, Text("随便写点"))
    assert refused.state == step.state and refused.prompt.rejection.code == "use_buttons"


def test_back_on_an_items_first_question_leaves_it_unchanged(plan) -> None:
    step = feed(plan, to_group(plan).state, Choice(ADD), *item("一", "甲", "2026-11-30"))
    listed = step.state
    step = feed(plan, listed, Choice(ADD), Back())
    assert step.state.answers == listed.answers and step.state.pending == ()
    step = feed(plan, listed, Choice("~e1"), Text("改过"), Back(), Back())
    assert step.state.answers == listed.answers, "an edit left before its end keeps the item as it was"


def test_cancel_inside_an_item_cancels_the_whole_form(plan) -> None:
    step = feed(plan, to_group(plan).state, Choice(ADD), Text("一"), Cancel())
    assert step.state.phase is Phase.CANCELLED


YAML_ERRORS = [
    ("- {name: g, type: repeat, label: 组}", "bad_group"),
    ("- {name: g, type: repeat, label: 组, fields: [{name: h, type: repeat, label: 内, fields: [{name: x, type: text, label: x}]}]}", "bad_group"),
    ("- {name: a, type: text, label: a}\n- {name: g, type: repeat, label: 组, fields: [{name: a, type: text, label: 重}]}", "duplicate_name"),
    ("- {name: g, type: repeat, label: 组, fields: [{name: x, type: text, label: x, constraint: '. != ${later}'}]}\n- {name: later, type: text, label: l}", "unknown_reference"),
    ("- {name: g, type: repeat, label: 组, fields: [{name: x, type: text, label: x}]}\n- {name: y, type: text, label: y, relevant: '${x} = 1'}", "unknown_reference"),
    ("- {name: t, type: text, label: t, fields: [{name: x, type: text, label: x}]}", "bad_group"),
]


@pytest.mark.parametrize(("fields", "code"), YAML_ERRORS)
def test_a_bad_group_is_refused_with_a_clear_code(fields: str, code: str) -> None:
    text = "id: f\nversion: '1'\ntitle: 表\nfields:\n" + "\n".join("  " + line for line in fields.splitlines())
    with pytest.raises(FormDefinitionError) as raised:
        load_form_yaml(text)
    assert code in {issue.code for issue in raised.value.issues}


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label"])
    for row in rows:
        sheet.append(list(row))
    settings_sheet = book.create_sheet("settings")
    settings_sheet.append(["form_id", "title"])
    settings_sheet.append(["plan", "计划"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_writes_a_group_between_begin_repeat_and_end_repeat() -> None:
    defn = load_form_xlsx(_workbook([("text", "title", "名称"), ("begin repeat", "nodes", "子项"),
                                     ("text", "node", "内容"), ("date", "due", "时限"), ("end repeat", "", ""),
                                     ("text", "goals", "目标")]))  # fmt: skip
    assert [f.name for f in defn.fields] == ["title", "nodes", "goals"]
    assert [f.name for f in defn.field("nodes").fields] == ["node", "due"]
    with pytest.raises(FormDefinitionError) as raised:
        load_form_xlsx(_workbook([("begin repeat", "nodes", "子项"), ("text", "node", "内容")]))
    assert [i.code for i in raised.value.issues] == ["bad_group"] and raised.value.issues[0].row == 2


INPUTS = st.one_of(
    st.sampled_from([Choice(ADD), Choice("~e1"), Choice("~e2"), Choice("~d1"), Choice("~d3"), Back(), Skip(),
                     Done(), Submit(), Edit("nodes"), Edit("ends_on"), Photo("p1")]),  # fmt: skip
    st.builds(Text, st.sampled_from(["一", "甲", "2026-06-30", "2027-02-01", "明天", "x", ""])),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(INPUTS, max_size=40))
def test_any_inputs_keep_a_valid_state_and_items_with_their_required_fields(inputs) -> None:
    defn = load_form_yaml(PLAN)
    state = to_group(defn).state
    for user_input in inputs:
        step = advance(defn, state, user_input, CTX)
        state = FormState.from_json(json.loads(json.dumps(step.state.to_json())))
        items = state.answers.get("nodes", [])
        assert isinstance(items, list) and len(items) <= 3
        for values in items:
            assert {"node", "owner", "due"} <= set(values) and values["due"] <= "2026-12-31"
        if state.phase is Phase.SUBMITTED:
            assert 2 <= len(items) <= 3
            break
