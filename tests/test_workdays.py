"""Working days on the statutory calendar, quiet hours and reminder slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.kernel import workdays

SHANGHAI = ZoneInfo("Asia/Shanghai")
days = st.dates(min_value=date(2004, 1, 1), max_value=date(2031, 12, 31))


def test_is_working_day__national_day_week__is_a_holiday_and_the_make_up_saturday_works():
    assert not any(workdays.is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert workdays.is_working_day(date(2026, 10, 10))  # Saturday, 调休上班
    assert workdays.is_working_day(date(2026, 9, 30))


def test_is_working_day__a_year_the_calendar_does_not_cover__falls_back_to_monday_to_friday(caplog):
    workdays._warn_fallback.cache_clear()
    workdays.is_working_day.cache_clear()
    assert workdays.is_working_day(date(2031, 1, 1))  # a Wednesday (元旦, but not yet published)
    assert not workdays.is_working_day(date(2031, 1, 4))  # a Saturday
    assert "does not cover 2031" in caplog.text


def test_add_working_days__across_national_day__skips_the_holiday():
    assert workdays.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert workdays.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_working_days_between__holiday_week__counts_only_working_days():
    assert workdays.working_days_between(date(2026, 9, 30), date(2026, 10, 9)) == 2
    assert workdays.working_days_between(date(2026, 10, 9), date(2026, 9, 30)) == 0


def test_next_reminder_slot__friday_evening__is_monday_nine_o_clock_local():
    friday_evening = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # 20:00 in Shanghai
    assert workdays.next_reminder_slot(friday_evening, SHANGHAI) == datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)


def test_quiet_hours__late_evening_and_early_morning__are_quiet_and_end_at_eight():
    late = datetime(2026, 3, 2, 22, 30, tzinfo=SHANGHAI)
    early = datetime(2026, 3, 3, 7, 59, tzinfo=SHANGHAI)
    assert workdays.in_quiet_hours(late, SHANGHAI) and workdays.in_quiet_hours(early, SHANGHAI)
    assert not workdays.in_quiet_hours(datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI), SHANGHAI)
    assert workdays.quiet_hours_end(late, SHANGHAI) == datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)
    assert workdays.quiet_hours_end(early, SHANGHAI) == datetime(2026, 3, 3, 8, 0, tzinfo=SHANGHAI)


@given(days, st.integers(min_value=0, max_value=40))
def test_add_working_days__any_day_and_count__lands_on_a_working_day_exactly_count_away(day, count):
    result = workdays.add_working_days(day, count)
    assert workdays.working_days_between(day, result) == count
    if count:
        assert workdays.is_working_day(result)
        assert workdays.working_days_between(day, result - timedelta(days=1)) == count - 1


@given(days)
def test_next_working_day__any_day__skips_only_days_off(day):
    found = workdays.next_working_day(day)
    assert found > day and workdays.is_working_day(found)
    assert all(not workdays.is_working_day(day + timedelta(days=d)) for d in range(1, (found - day).days))


@settings(deadline=None)  # counts up to 20 years day by day: no wall-clock limit on a busy machine
@given(days, days)
def test_working_days_between__split_anywhere__adds_up(a, b):
    start, end = min(a, b), max(a, b)
    middle = start + (end - start) // 2
    total = workdays.working_days_between(start, end)
    assert total == workdays.working_days_between(start, middle) + workdays.working_days_between(middle, end)
