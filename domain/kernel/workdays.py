"""Working days (工作日) on China's statutory calendar, local times and quiet hours (免打扰时段).

The statutory calendar moves days: 2026-10-01…07 are holidays (国庆节) and Saturday 2026-10-10 is a
make-up working day (调休上班). A year's arrangement loaded by an admin (``arrange``, kept in the
database by ``domain.kernel.holidays``) comes first; then ``chinese_calendar``, which knows the
years the State Council had published when it was released; for other years we fall back to
Monday–Friday, log a warning once per year, and ``coverage`` says so for /status and the CLI.
Everything here is pure: no database, no clock (``now`` is passed in).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache

import chinese_calendar

log = logging.getLogger(__name__)

REMINDER_TIME = time(9, 0)  # upcoming-deadline reminders go out at 09:00 local on working days
QUIET_START = time(22, 0)
QUIET_END = time(8, 0)


# Year → (days off 放假, make-up working days 调休上班), as loaded; replaced whole by ``arrange``.
_ARRANGED: dict[int, tuple[frozenset[date], frozenset[date]]] = {}


@cache
def is_working_day(day: date) -> bool:
    arranged = _ARRANGED.get(day.year)
    if arranged is not None:
        days_off, make_up = arranged
        return day in make_up or (day.weekday() < 5 and day not in days_off)
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_fallback(day.year)
        return day.weekday() < 5


def arrange(years: dict[int, tuple[frozenset[date], frozenset[date]]]) -> bool:
    """Use these loaded arrangements (every one; a year left out is no longer arranged). Whether
    anything changed."""
    if years == _ARRANGED:
        return False
    _ARRANGED.clear()
    _ARRANGED.update(years)
    is_working_day.cache_clear()
    return True


def coverage(year: int) -> str:
    """Where ``year``'s working days come from: ``loaded`` (an admin loaded its arrangement),
    ``statutory`` (chinese_calendar knows it) or ``fallback`` (Monday–Friday: not known)."""
    if year in _ARRANGED:
        return "loaded"
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return "fallback"
    return "statutory"


@cache
def _warn_fallback(year: int) -> None:
    log.warning("the statutory calendar does not cover %s; counting Monday–Friday as working days", year)


def next_working_day(day: date, *, include: bool = False) -> date:
    """The first working day after ``day`` (or ``day`` itself when ``include`` and it works)."""
    candidate = day if include else day + timedelta(days=1)
    while not is_working_day(candidate):
        candidate += timedelta(days=1)
    return candidate


def add_working_days(day: date, count: int) -> date:
    """The working day ``count`` working days after ``day`` ("N 个工作日" deadlines); count ≥ 0."""
    if count < 0:
        raise ValueError("count must not be negative")
    result = day
    for _ in range(count):
        result = next_working_day(result)
    return result


def working_days_between(start: date, end: date) -> int:
    """How many working days lie in (start, end]; 0 when end ≤ start."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def local_date(moment: datetime, tz: tzinfo) -> date:
    return as_local(moment, tz).date()


def as_local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime; pass an aware one")
    return moment.astimezone(tz)


def at_local(day: date, clock_time: time, tz: tzinfo) -> datetime:
    """The aware moment ``day`` at ``clock_time`` in ``tz``."""
    return datetime.combine(day, clock_time, tzinfo=tz)


def start_of_day(day: date, tz: tzinfo) -> datetime:
    return at_local(day, time(0, 0), tz)


def is_reminder_time(now: datetime, tz: tzinfo) -> bool:
    """A working day, 09:00 or later local time: when upcoming-deadline reminders may be written."""
    local = as_local(now, tz)
    return is_working_day(local.date()) and local.time() >= REMINDER_TIME


def next_reminder_slot(now: datetime, tz: tzinfo) -> datetime:
    """09:00 on the next working day after today (where a snoozed reminder comes again)."""
    return at_local(next_working_day(local_date(now, tz)), REMINDER_TIME, tz)


def in_quiet_hours(moment: datetime, tz: tzinfo) -> bool:
    """22:00–08:00 local: nothing but an explicit admin broadcast is sent."""
    clock_time = as_local(moment, tz).time()
    return clock_time >= QUIET_START or clock_time < QUIET_END


def quiet_hours_end(moment: datetime, tz: tzinfo) -> datetime:
    """When the quiet hours around ``moment`` end (``moment`` itself outside them)."""
    if not in_quiet_hours(moment, tz):
        return moment
    local = as_local(moment, tz)
    day = local.date() + timedelta(days=1) if local.time() >= QUIET_START else local.date()
    return at_local(day, QUIET_END, tz)
