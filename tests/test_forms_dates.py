"""Dates mean what was typed: a month-day is this year's, whatever day it is typed on.

Every month-day of a year typed on every day of a year: the year is never changed behind the
person's back; a future date on a past-date question is refused, as the full date would be.
"""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.forms.answers import Accepted, Rejection, months_before, parse_date

FORMATS = ("{m}月{d}日", "{m}月{d}号", "{m}-{d}", "{m}/{d}", "{m}.{d}", "{m:02d}-{d:02d}", "{m}月{d}")


def _days(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def _expected(typed: date, today: date, allow_future: bool) -> Accepted | str:
    """This year's date; when it does not exist this year (29 February), not a date."""
    try:
        value = typed.replace(year=today.year)
    except ValueError:
        return "not_a_date"
    if value > today and not allow_future:
        return "future_date"
    return Accepted(value.isoformat())


@pytest.mark.parametrize("year", [2026, 2028])  # a common year and a leap year
def test_every_month_day__typed_on_every_day_of_the_year__is_this_year_or_refused(year):
    days = _days(year)
    for today in days:
        for typed in days:
            result = parse_date(f"{typed.month}月{typed.day}日", today=today, allow_future=False)
            expected = _expected(typed, today, allow_future=False)
            if isinstance(expected, Accepted):
                assert result == expected, (today, typed)
            else:
                assert isinstance(result, Rejection) and result.code == expected, (today, typed, result)


@settings(max_examples=2000, deadline=None)
@given(
    today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    typed=st.dates(min_value=date(2028, 1, 1), max_value=date(2028, 12, 31)),  # a leap year: every month-day
    fmt=st.sampled_from(FORMATS),
    allow_future=st.booleans(),
)
def test_month_day__any_format_any_day__never_changes_the_year(today, typed, fmt, allow_future):
    result = parse_date(fmt.format(m=typed.month, d=typed.day), today=today, allow_future=allow_future)
    expected = _expected(typed, today, allow_future)
    if isinstance(expected, Accepted):
        assert result == expected
    else:
        assert isinstance(result, Rejection) and result.code == expected
    if isinstance(result, Accepted):
        assert date.fromisoformat(result.value).year == today.year


@settings(max_examples=500, deadline=None)
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_month_day__refused_as_future__suggests_last_years_date(today):
    tomorrow = today + timedelta(days=1)
    if tomorrow.year != today.year:
        return
    result = parse_date(f"{tomorrow.month}月{tomorrow.day}日", today=today, allow_future=False)
    assert result.code == "future_date" and result.params["date"] == tomorrow.isoformat()
    if (tomorrow.month, tomorrow.day) != (2, 29):
        assert result.params["last_year"] == tomorrow.replace(year=today.year - 1).isoformat()


@settings(max_examples=500, deadline=None)
@given(today=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)))
def test_relative_words__are_counted_from_today(today):
    assert parse_date("今天", today=today) == Accepted(today.isoformat())
    assert parse_date("昨天", today=today) == Accepted((today - timedelta(days=1)).isoformat())
    assert parse_date("5天前", today=today) == Accepted((today - timedelta(days=5)).isoformat())


@pytest.mark.parametrize(
    ("today", "expected"),
    [(date(2026, 3, 2), date(2025, 9, 2)), (date(2026, 8, 31), date(2026, 2, 28)),
     (date(2028, 8, 31), date(2028, 2, 29)), (date(2026, 1, 15), date(2025, 7, 15))],
)
def test_six_months_before__keeps_the_day_or_the_months_last_day(today, expected):
    assert months_before(today, 6) == expected
