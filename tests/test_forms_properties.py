"""Property tests: parsers never raise; the engine survives any sequence of inputs."""

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.forms import (
    SHIPPED_FORMS,
    Back,
    Cancel,
    Choice,
    Document,
    Done,
    Edit,
    FormContext,
    FormState,
    Location,
    Photo,
    PromptKind,
    Review,
    Skip,
    Submit,
    Text,
    UnitFacts,
    Unsupported,
    advance,
    shipped_form,
    start,
)
from domain.forms.answers import (
    Accepted,
    Rejection,
    parse_choices,
    parse_date,
    parse_location,
    parse_number,
    parse_text,
    parse_yes_no,
)

SETTINGS = settings(max_examples=200, deadline=None)
TODAY = date(2026, 4, 20)
SAMPLES = ["80", "八十", "是", "否", "昨天", "4月15日", "2026-13-40", "2024-05-01", "12人", "", "x" * 300, "1,200", "✅"]


@SETTINGS
@given(st.text(max_size=80) | st.sampled_from(SAMPLES))
def test_parsers__any_text__return_a_result_and_never_raise(text):
    results = [
        parse_number(text),
        parse_number(text, integer=True, units=("平方米",)),
        parse_date(text, today=TODAY, allow_future=False),
        parse_yes_no(text),
        parse_text(text),
        parse_choices(text, [("a", ["甲"]), ("b", ["乙"])]),
        parse_location(text),
    ]
    assert all(isinstance(result, Accepted | Rejection) for result in results)


def _inputs(field_names):
    return st.one_of(
        st.builds(Text, st.text(max_size=20) | st.sampled_from(SAMPLES)),
        st.builds(Choice, st.sampled_from(["yes", "no", "theme_day", "party_lecture", "member_roster", "signin_book", "bogus"])),
        st.builds(Photo, st.sampled_from(["p1", "p2", "p3"]), st.sampled_from([None, "g1", "g2"])),
        st.builds(Document, st.just("d1"), st.just("a.pdf")),
        st.builds(Location, st.just(31.2), st.just(121.4)),
        st.builds(Unsupported, st.sampled_from(["sticker", "voice"])),
        st.sampled_from([Back(), Skip(), Cancel(), Done(), Review(), Submit()]),
        st.builds(Edit, st.sampled_from([*field_names, "nope"])),
    )


CONTEXTS = st.builds(
    FormContext,
    st.just(TODAY),
    st.builds(
        UnitFacts,
        st.sampled_from([None, "branch"]),
        st.sampled_from([None, "rural", "community", "soe", "school", "government"]),
        st.sampled_from([None, "town_committee", "direct_committee"]),
        st.sampled_from([None, date(2010, 1, 1), date(2024, 1, 1)]),
    ),
    st.sampled_from([{}, {"activity.monthly_ok": True}, {"activity.monthly_ok": "junk"}]),
    st.sampled_from(["zh", "en"]),
)


def _check(defn, step):
    state = step.state
    data = json.loads(json.dumps(state.to_json()))
    assert FormState.from_json(data) == state
    prompt = step.prompt
    json.dumps(prompt.to_json())
    if prompt.kind is PromptKind.QUESTION:
        assert state.current is not None and defn.field(state.current) is not None
        assert 1 <= prompt.index <= prompt.total
    else:
        assert state.current is None


@SETTINGS
@given(st.sampled_from(SHIPPED_FORMS), CONTEXTS, st.data())
def test_engine__any_input_sequence__keeps_a_valid_state_that_round_trips(form_id, ctx, data):
    defn = shipped_form(form_id)
    names = [item.name for item in defn.fields]
    step = start(defn, ctx)
    _check(defn, step)
    for user_input in data.draw(st.lists(_inputs(names), max_size=40)):
        step = advance(defn, step.state, user_input, ctx)
        _check(defn, step)


@SETTINGS
@given(st.sampled_from(SHIPPED_FORMS), CONTEXTS, st.data())
def test_engine__answers_given_in_order__the_total_never_changes_and_the_number_never_goes_back(form_id, ctx, data):
    defn = shipped_form(form_id)
    step = start(defn, ctx)
    seen = []
    answers = st.one_of(st.builds(Choice, st.sampled_from(["yes", "no", "theme_day", "party_lecture",
                                                          "member_roster"])),
                        st.builds(Text, st.sampled_from(["80", "3", "昨天", "张书记"])),
                        st.builds(Photo, st.sampled_from(["p1", "p2"])), st.just(Done()), st.just(Skip()))  # fmt: skip
    for user_input in data.draw(st.lists(answers, max_size=60)):
        if step.prompt.kind is PromptKind.QUESTION:
            seen.append((step.prompt.index, step.prompt.total))
        step = advance(defn, step.state, user_input, ctx)
    assert len({total for _, total in seen}) <= 1
    assert [index for index, _ in seen] == sorted(index for index, _ in seen)


@SETTINGS
@given(st.sampled_from(SHIPPED_FORMS), CONTEXTS, st.data())
def test_engine__resubmitting_from_any_earlier_answers__keeps_a_valid_state(form_id, ctx, data):
    from domain.forms import Earlier

    defn = shipped_form(form_id)
    names = [item.name for item in defn.fields]
    step = start(defn, ctx)
    for user_input in data.draw(st.lists(_inputs(names), max_size=30)):
        step = advance(defn, step.state, user_input, ctx)
    returned = data.draw(st.dictionaries(st.sampled_from([*names, "gone"]), st.none() | st.just("理由"), max_size=5))
    step = start(defn, ctx, Earlier(dict(step.state.answers), returned))
    _check(defn, step)
    for user_input in data.draw(st.lists(_inputs(names), max_size=30)):
        step = advance(defn, step.state, user_input, ctx)
        _check(defn, step)
