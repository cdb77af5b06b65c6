"""Holiday arrangements read from a file or typed lists: every problem listed, nothing half-read."""

from __future__ import annotations

from datetime import date

import pytest

from domain.kernel import holidays, workdays
from domain.kernel.holidays import HolidayFileError

YAML = b"""
year: 2027
days_off: [2027-01-01, 2027-02-06..2027-02-13, "2027\xe5\xb9\xb44\xe6\x9c\x885\xe6\x97\xa5"]
make_up: [2027-02-20]
"""
CSV = "year,2027\n日期,类型\n2027-01-01,放假\n2027-02-06~2027-02-13,放假\n2027-02-20,上班\n".encode("gbk")


@pytest.fixture(autouse=True)
def _no_arrangement_left_behind():
    yield
    workdays.arrange({})


def test_a_yaml_file__ranges_and_chinese_dates__are_read_whole():
    arranged = holidays.parse_file(YAML, "2027.yaml")
    assert arranged.year == 2027 and len(arranged.days_off) == 10 and date(2027, 4, 5) in arranged.days_off
    assert arranged.make_up == {date(2027, 2, 20)}


def test_a_csv_file_in_gbk__with_a_year_row_and_a_header__is_read_whole():
    arranged = holidays.parse_file(CSV, "2027.csv")
    assert (arranged.year, len(arranged.days_off), sorted(arranged.make_up)) == (2027, 9, [date(2027, 2, 20)])


def test_a_file_with_an_unknown_date_a_date_of_another_year_and_a_day_both_off_and_working__lists_each():
    bad = b"year: 2027\ndays_off: [2027-02-30, 2028-01-01, 2027-02-20, 2027-13-01]\nmake_up: [2027-02-20]\n"
    with pytest.raises(HolidayFileError) as refused:
        holidays.parse_file(bad, "2027.yml")
    assert [(p.where, p.code, p.text) for p in refused.value.problems] == [
        ("days_off #1", "bad_date", "2027-02-30"), ("days_off #2", "outside_year", "2028-01-01"),
        ("days_off #4", "bad_date", "2027-13-01"), ("make_up #1", "both", "2027-02-20")]  # fmt: skip


def test_a_csv_row_of_an_unknown_kind__is_named_by_its_line():
    with pytest.raises(HolidayFileError) as refused:
        holidays.parse_file("2027-01-01,放假\n2027-01-02,调班吧\n".encode(), "x.csv")
    assert [(p.where, p.code) for p in refused.value.problems] == [("2", "bad_kind")]


def test_typed_lists__commas_spaces_and_ranges_with_spaces__are_read():
    arranged = holidays.parse_lists(2027, "1月1日，2027-02-06 ~ 2027-02-13、4月5日", "2月20日")
    assert len(arranged.days_off) == 10 and arranged.make_up == {date(2027, 2, 20)}
    with pytest.raises(HolidayFileError) as refused:
        holidays.parse_lists(2027, "2026-12-31", "")
    assert refused.value.problems[0].code == "outside_year"


def test_an_arranged_year__counts_its_days_off_and_make_up_days__and_says_where_it_came_from():
    assert workdays.coverage(2027) == "fallback" and workdays.coverage(2026) == "statutory"
    assert workdays.add_working_days(date(2027, 2, 3), 5) == date(2027, 2, 10)  # Monday–Friday
    arranged = holidays.parse_file(YAML, "2027.yaml")
    workdays.arrange({2027: (arranged.days_off, arranged.make_up)})
    assert workdays.coverage(2027) == "loaded"
    assert workdays.add_working_days(date(2027, 2, 3), 5) == date(2027, 2, 17)  # across 春节
    assert workdays.is_working_day(date(2027, 2, 20))  # a make-up Saturday
