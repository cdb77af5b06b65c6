"""The forms engine driven as a person would: answers, back, skip, albums, review, submit."""

from datetime import date

from domain.forms import (
    Back,
    Cancel,
    Choice,
    Done,
    Edit,
    FormContext,
    FormState,
    Phase,
    Photo,
    PromptKind,
    Review,
    Skip,
    Submit,
    Text,
    UnitFacts,
    Unsupported,
    advance,
    load_form_yaml,
    shipped_form,
    start,
)

FORM = load_form_yaml(
    """
id: visit
title: {zh: 走访, en: Visit}
choices:
  kinds:
    - {name: meeting, label: {zh: 会议, en: Meeting}}
    - {name: lecture, label: {zh: 党课, en: Lecture}}
fields:
  - {name: kind, type: choice, choices: kinds, required: true, label: {zh: 类型, en: Kind}}
  - {name: lecturer, type: text, label: 授课人, relevant: "${kind} == 'lecture'"}
  - {name: held_on, type: date, required: true, max: today, label: 日期}
  - {name: note, type: note, label: 以下为选填}
  - {name: remarks, type: text, label: 备注}
  - {name: photo, type: photo, required: true, label: 照片}
  - {name: attended, type: integer, required: true, min: 0, label: 人数, unit: 人}
"""
)
CTX = FormContext(today=date(2026, 4, 20))


def _run(inputs, defn=FORM, ctx=CTX):
    step = start(defn, ctx)
    for item in inputs:
        step = advance(defn, step.state, item, ctx)
    return step


def test_start__first_field__shows_position_and_buttons():
    step = start(FORM, CTX)
    assert step.prompt.kind is PromptKind.QUESTION
    assert step.prompt.question.name == "kind"
    assert (step.prompt.index, step.prompt.total) == (1, 5)
    assert [(b.value, b.label) for b in step.prompt.choices] == [("meeting", "会议"), ("lecture", "党课")]
    assert step.prompt.can_skip is False and step.prompt.can_back is False


def test_relevance__answer_adds_a_field__numbered_as_a_supplement_and_the_total_stays():
    step = _run([Choice("lecture")])
    assert step.prompt.question.name == "lecturer"
    # Once (2, 6): the total grew as answers were given. Now the added question is part of the one
    # that added it ("第 1/5 题（补充）").
    assert (step.prompt.index, step.prompt.total, step.prompt.supplement) == (1, 5, True)
    step = advance(FORM, step.state, Text("张书记"), CTX)
    assert (step.prompt.question.name, step.prompt.index, step.prompt.total) == ("held_on", 2, 5)
    assert step.prompt.supplement is False


def test_full_run__with_back_skip_edit__reaches_submitted():
    step = _run(
        [
            Choice("lecture"),
            Text("张书记"),
            Text("4月15日"),
            Back(),  # back to held_on
            Back(),  # back to lecturer
            Skip(),  # optional
            Text("2026-04-16"),
            Skip(),  # remarks
            Photo("p1"),
            Text("12人"),
        ]
    )
    assert step.prompt.kind is PromptKind.REVIEW
    answers = {line.name: line.answer for line in step.prompt.review}
    assert answers == {
        "kind": "lecture",
        "lecturer": None,
        "held_on": "2026-04-16",
        "remarks": None,
        "photo": [{"file_id": "p1", "media_group_id": None}],
        "attended": 12,
    }
    assert [line.index for line in step.prompt.review] == [1, 2, 3, 4, 5, 6]
    step = advance(FORM, step.state, Edit("attended"), CTX)
    assert step.prompt.question.name == "attended" and step.prompt.question.answer == 12
    step = advance(FORM, step.state, Text("十五"), CTX)
    assert step.prompt.kind is PromptKind.REVIEW
    step = advance(FORM, step.state, Submit(), CTX)
    assert step.prompt.kind is PromptKind.SUBMITTED
    assert step.state.phase is Phase.SUBMITTED and step.state.answers["attended"] == 15


def test_note__display_only__is_shown_before_the_next_field_and_not_counted():
    step = _run([Choice("meeting"), Text("昨天")])
    assert step.prompt.question.name == "remarks"
    assert step.prompt.question.notes == ("以下为选填",)
    assert step.prompt.total == 5


def test_skip__required_field__is_refused_and_state_unchanged():
    before = start(FORM, CTX)
    step = advance(FORM, before.state, Skip(), CTX)
    assert step.prompt.rejection.code == "required"
    assert step.state == before.state


def test_date__in_the_future_on_a_meeting_date__is_refused():
    step = _run([Choice("meeting"), Text("2026-05-01")])
    assert step.prompt.rejection.code == "future_date"
    assert step.prompt.question.name == "held_on"


def test_input__wrong_kind_or_unsupported__is_refused_with_a_code():
    step = _run([Choice("meeting"), Photo("x")])
    assert step.prompt.rejection.code == "wrong_kind"
    step = advance(FORM, step.state, Unsupported("sticker"), CTX)
    assert step.prompt.rejection.code == "unsupported"
    assert step.prompt.rejection.params == {"kind": "sticker"}


def test_relevance__answer_changed__drops_answer_of_field_now_irrelevant():
    step = _run([Choice("lecture"), Text("张书记"), Back(), Back(), Choice("meeting")])
    assert "lecturer" not in step.state.answers
    assert step.prompt.question.name == "held_on"


def test_album__several_photos__are_one_answer_and_late_photos_attach():
    step = _run([Choice("meeting"), Text("昨天"), Skip(), Photo("a", "album1")])
    assert step.prompt.question.name == "attended"
    step = advance(FORM, step.state, Photo("b", "album1"), CTX)
    assert step.prompt.quiet is True
    assert step.prompt.question.name == "attended"
    assert [p["file_id"] for p in step.state.answers["photo"]] == ["a", "b"]


def test_photos_field__accumulates_until_done():
    defn = shipped_form("activity_record")
    ctx = FormContext(today=date(2026, 4, 20))
    step = _run(
        [Choice("theme_day"), Text("今天"), Text("学习"), Text("10"), Text("9"), Photo("a", "g"), Photo("b", "g"), Photo("c")],
        defn,
        ctx,
    )
    assert step.prompt.question.name == "signin_photos" and step.prompt.question.pending_count == 3
    step = advance(defn, step.state, Done(), ctx)
    assert step.prompt.question.name == "notes"
    assert len(step.state.answers["signin_photos"]) == 3


def test_photos_field__done_without_photos_when_required__is_refused():
    defn = shipped_form("activity_record")
    step = _run([Choice("theme_day"), Text("今天"), Text("学习"), Text("10"), Text("9"), Done()], defn)
    assert step.prompt.rejection.code == "required"


def test_constraint__attended_more_than_expected__is_refused_with_message():
    defn = shipped_form("activity_record")
    step = _run([Choice("theme_day"), Text("今天"), Text("学习"), Text("10"), Text("11")], defn)
    assert step.prompt.rejection.code == "constraint"
    assert step.prompt.rejection.params["message"] == "实到人数不能多于应到人数"


def test_submit__required_answer_missing__goes_to_that_field():
    step = _run([Choice("meeting"), Review()])
    assert step.prompt.kind is PromptKind.REVIEW
    missing = [line.name for line in step.prompt.review if line.missing]
    assert missing == ["held_on", "photo", "attended"]
    step = advance(FORM, step.state, Submit(), CTX)
    assert step.prompt.rejection.code == "required_missing"
    assert step.prompt.question.name == "held_on"
    step = advance(FORM, step.state, Text("昨天"), CTX)
    assert step.prompt.kind is PromptKind.REVIEW


def test_cancel__any_time__closes_and_later_input_is_refused():
    step = _run([Choice("meeting"), Cancel()])
    assert step.prompt.kind is PromptKind.CANCELLED
    again = advance(FORM, step.state, Text("hi"), CTX)
    assert again.prompt.rejection.code == "form_closed" and again.state == step.state


def test_multi_choice__buttons_toggle_until_done():
    defn = shipped_form("demonstration")
    ctx = FormContext(today=date(2026, 4, 20), unit=UnitFacts(founded=date(2010, 1, 1)), facts={"activity.monthly_ok": True})
    step = start(defn, ctx)
    state = FormState.from_json({**step.state.to_json(), "current": "ledgers"})
    for value in ["member_roster", "signin_book", "member_roster", "screening_log"]:
        step = advance(defn, state, Choice(value), ctx)
        state = step.state
    assert state.pending == ("signin_book", "screening_log")
    assert [b.value for b in step.prompt.choices if b.selected] == ["signin_book", "screening_log"]
    step = advance(defn, state, Done(), ctx)
    assert step.state.answers["ledgers"] == ["signin_book", "screening_log"]


def test_prefill__fact_present__answers_field_without_asking():
    defn = shipped_form("standardisation")
    ctx = FormContext(today=date(2026, 4, 20), facts={"activity.monthly_ok": True})
    asked = start(defn, FormContext(today=date(2026, 4, 20)))
    prefilled = start(defn, ctx)
    assert prefilled.prompt.total == asked.prompt.total - 1
    assert prefilled.state.answers["monthly_activity"] is True
    assert prefilled.state.prefilled == ("monthly_activity",)
    refused = advance(defn, prefilled.state, Edit("monthly_activity"), ctx)
    assert refused.prompt.rejection.code == "prefilled"


def test_state__to_json_and_back__is_equal():
    step = _run([Choice("lecture"), Text("张书记"), Text("昨天"), Photo("x", "g")])
    data = step.state.to_json()
    import json

    assert FormState.from_json(json.loads(json.dumps(data))) == step.state


def test_date__more_than_six_months_back__is_asked_to_confirm_then_taken_on_yes():
    step = _run([Choice("meeting"), Text("2025-10-19")])  # six months and a day before 2026-04-20
    assert step.prompt.kind is PromptKind.QUESTION and step.prompt.question.name == "held_on"
    assert step.prompt.confirm == "2025-10-19"
    assert [b.value for b in step.prompt.choices] == ["yes", "no"] and not step.prompt.can_skip
    assert "held_on" not in step.state.answers
    assert FormState.from_json(step.state.to_json()) == step.state

    confirmed = advance(FORM, step.state, Choice("yes"), CTX)
    assert confirmed.state.answers["held_on"] == "2025-10-19" and confirmed.state.confirm is None
    assert confirmed.prompt.question.name == "remarks"


def test_date__six_months_back_exactly__is_taken_without_asking():
    step = _run([Choice("meeting"), Text("2025-10-20")])
    assert step.state.answers["held_on"] == "2025-10-20" and step.prompt.confirm is None


def test_date__confirmation_answered_no_or_back__asks_the_question_again():
    for reply in (Choice("no"), Text("不对"), Back()):
        step = _run([Choice("meeting"), Text("2024年5月1日"), reply])
        assert step.prompt.question.name == "held_on" and step.prompt.confirm is None
        assert "held_on" not in step.state.answers


def test_date__another_date_typed_while_confirming__answers_the_question_afresh():
    step = _run([Choice("meeting"), Text("2024-05-01"), Text("昨天")])
    assert step.state.answers["held_on"] == "2026-04-19" and step.prompt.question.name == "remarks"


def test_date__sticker_while_confirming__is_refused_and_the_confirmation_stays():
    step = _run([Choice("meeting"), Text("2024-05-01"), Unsupported("sticker")])
    assert step.prompt.rejection.code == "unsupported" and step.prompt.confirm == "2024-05-01"
    step = advance(FORM, step.state, Text("是"), CTX)
    assert step.state.answers["held_on"] == "2024-05-01"


def test_date__confirmed_while_editing_from_the_review__returns_to_the_review():
    step = _run([Choice("meeting"), Text("昨天"), Skip(), Photo("p"), Text("12")])
    assert step.prompt.kind is PromptKind.REVIEW
    for item in (Edit("held_on"), Text("2025-01-01"), Choice("yes")):
        step = advance(FORM, step.state, item, CTX)
    assert step.prompt.kind is PromptKind.REVIEW and step.state.answers["held_on"] == "2025-01-01"


def _returned_start(returned, answers=None):
    from domain.forms import Earlier

    earlier = answers or {"kind": "meeting", "held_on": "2026-04-19", "remarks": "好", "photo": [{"file_id": "p"}],
                          "attended": 12}  # fmt: skip
    return start(FORM, CTX, Earlier(earlier, returned))


def test_resubmitting__only_returned_items_are_asked_first_then_the_summary_marks_changes():
    step = _returned_start({"attended": "人数不对", "held_on": None})
    assert step.prompt.question.name == "held_on" and step.prompt.question.returned
    assert step.prompt.question.reason is None and step.prompt.returned_left == 2
    assert step.state.answers["photo"] == [{"file_id": "p"}]  # photos already sent stay
    assert FormState.from_json(step.state.to_json()) == step.state
    step = advance(FORM, step.state, Done(), CTX)  # keep the date as it was
    assert step.prompt.question.name == "attended" and step.prompt.question.reason == "人数不对"
    step = advance(FORM, step.state, Text("15"), CTX)
    assert step.prompt.kind is PromptKind.REVIEW
    lines = {line.name: line for line in step.prompt.review}
    assert lines["attended"].changed and lines["attended"].returned
    assert not lines["held_on"].changed and lines["held_on"].returned
    assert not any(line.changed for name, line in lines.items() if name != "attended")
    step = advance(FORM, step.state, Submit(), CTX)
    assert step.state.phase is Phase.SUBMITTED and step.state.answers["attended"] == 15


def test_resubmitting__an_answer_that_adds_a_required_question__asks_it_before_the_summary():
    from domain.forms import Earlier

    room = load_form_yaml("""
id: room
fields:
  - {name: has_room, type: yes_no, required: true, label: 有活动室}
  - {name: area, type: integer, required: true, label: 面积, relevant: "${has_room} == true"}
  - {name: signage, type: yes_no, required: true, label: 标识上墙}
""")
    step = start(room, CTX, Earlier({"has_room": False, "signage": True}, {"has_room": "应有活动室"}))
    assert step.prompt.question.name == "has_room"
    step = advance(room, step.state, Choice("yes"), CTX)
    assert step.prompt.question.name == "area" and step.prompt.supplement
    step = advance(room, step.state, Text("120"), CTX)
    assert step.prompt.kind is PromptKind.REVIEW
    assert [(line.name, line.changed) for line in step.prompt.review] == [
        ("has_room", True), ("area", True), ("signage", False)]


def test_resubmitting__a_returned_item_no_longer_asked__is_dropped_and_the_summary_shown():
    step = _returned_start({"gone": "这一项已删除"})
    assert step.prompt.kind is PromptKind.REVIEW and step.state.returned == {}
