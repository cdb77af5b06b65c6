"""Parsing what people type: numbers, dates, yes/no, text and choices."""

from datetime import date

import pytest

from domain.forms.answers import (
    Accepted,
    Rejection,
    parse_choice,
    parse_choices,
    parse_date,
    parse_number,
    parse_text,
    parse_yes_no,
)

TODAY = date(2026, 3, 1)


@pytest.mark.parametrize(
    "text", ["80", "80平方米", "80㎡", "80 m2", "八十", "八十平米", "８０", "８０平米", " 80 ", "80.0"]
)
def test_integer__typed_many_ways__reads_as_80(text):
    assert parse_number(text, integer=True) == Accepted(80)


def test_number__thousands_separator_and_decimal__are_read():
    assert parse_number("1,200", integer=True) == Accepted(1200)
    assert parse_number("3.5") == Accepted("3.5")
    assert parse_number("三点五") == Accepted("3.5")


def test_number__field_unit__is_stripped():
    assert parse_number("34 inch", units=("英寸", "inch")) == Accepted("34")
    assert parse_number("12 members", units=("人", "members")) == Accepted("12")


@pytest.mark.parametrize("text", ["abc", "", "八十abc", "1,20", "1e5", "80 apples", "NaN"])
def test_number__not_a_number__is_refused(text):
    assert parse_number(text) == Rejection("not_a_number")


def test_integer__fraction__is_refused():
    assert parse_number("3.5", integer=True) == Rejection("not_an_integer")


def test_number__outside_bounds__is_out_of_range():
    from decimal import Decimal

    result = parse_number("150", minimum=Decimal(0), maximum=Decimal(100))
    assert isinstance(result, Rejection) and result.code == "out_of_range"
    assert result.params == {"min": "0", "max": "100"}


@pytest.mark.parametrize(
    "text", ["2025-04-15", "2025/4/15", "2025.4.15", "2025年4月15日", "２０２５年４月１５日", "20250415"]
)
def test_date__full_forms__read_as_iso(text):
    assert parse_date(text, today=TODAY) == Accepted("2025-04-15")


def test_date__relative_words__count_back_from_today():
    assert parse_date("今天", today=TODAY) == Accepted("2026-03-01")
    assert parse_date("昨天", today=TODAY) == Accepted("2026-02-28")
    assert parse_date("前天", today=TODAY) == Accepted("2026-02-27")


def test_date__month_and_day__is_this_year_and_refused_when_that_is_future_and_forbidden():
    assert parse_date("4月15日", today=TODAY) == Accepted("2026-04-15")
    # Once silently moved to 2025-04-15; now refused like "2026-04-15" is, with last year suggested.
    assert parse_date("4月15日", today=TODAY, allow_future=False) == Rejection(
        "future_date", {"today": "2026-03-01", "date": "2026-04-15", "last_year": "2025-04-15"})
    assert parse_date("2月1日", today=TODAY, allow_future=False) == Accepted("2026-02-01")


@pytest.mark.parametrize("text", ["12月11日", "12-11", "12/11", "12.11", "１２月１１号"])
def test_date__month_day_typed_on_2026_12_01_for_a_past_date__is_refused_not_moved_to_2025(text):
    result = parse_date(text, today=date(2026, 12, 1), allow_future=False)
    assert result.code == "future_date" and result.params["date"] == "2026-12-11"


def test_date__days_ago__count_back_from_today():
    assert parse_date("大前天", today=TODAY) == Accepted("2026-02-26")
    assert parse_date("3天前", today=TODAY) == Accepted("2026-02-26")
    assert parse_date("十天前", today=TODAY) == Accepted("2026-02-19")


def test_date__in_the_future__is_refused_when_forbidden():
    assert parse_date("2026-04-15", today=TODAY, allow_future=False).code == "future_date"
    assert parse_date("明天", today=TODAY, allow_future=False).code == "future_date"


@pytest.mark.parametrize("text", ["2月30日", "2026-13-01", "下周", "", "hello"])
def test_date__nonsense__is_not_a_date(text):
    assert parse_date(text, today=TODAY) == Rejection("not_a_date")


@pytest.mark.parametrize("text", ["是", "有", "对", "yes", "Y", "✅", "是的。"])
def test_yes_no__affirmative_words__are_true(text):
    assert parse_yes_no(text) == Accepted(True)


@pytest.mark.parametrize("text", ["否", "没有", "不", "no", "N", "❌"])
def test_yes_no__negative_words__are_false(text):
    assert parse_yes_no(text) == Accepted(False)


def test_yes_no__other_text__is_refused():
    assert parse_yes_no("也许") == Rejection("not_yes_no")


def test_text__is_trimmed_and_length_limited():
    assert parse_text("  主题  ") == Accepted("主题")
    assert parse_text("   ") == Rejection("empty")
    assert parse_text("x" * 201).code == "too_long"
    assert parse_text("x" * 4096, max_length=4096) == Accepted("x" * 4096)


OPTIONS = [("red", ["红色", "Red"]), ("blue", ["蓝色", "Blue"])]


def test_choice__value_label_or_number__is_matched():
    assert parse_choice("red", OPTIONS) == Accepted("red")
    assert parse_choice("蓝色", OPTIONS) == Accepted("blue")
    assert parse_choice("2", OPTIONS) == Accepted("blue")
    assert parse_choice("green", OPTIONS) == Rejection("not_a_choice")


def test_choices__list_with_chinese_separators__is_matched():
    assert parse_choices("红色、蓝色", OPTIONS) == Accepted(["red", "blue"])
    assert parse_choices("红色，绿色", OPTIONS).code == "not_a_choice"
