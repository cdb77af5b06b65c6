"""What every reminder rule is given: the moment, the local time zone and the directory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Notice
from domain.reminders.directory import Directory


@dataclass(frozen=True)
class SweepContext:
    now: datetime
    tz: tzinfo
    directory: Directory

    @cached_property
    def today(self) -> date:
        return workdays.local_date(self.now, self.tz)

    @cached_property
    def reminder_time(self) -> bool:
        """A working day at 09:00 or later: upcoming-deadline reminders may be written."""
        return workdays.is_reminder_time(self.now, self.tz)

    @cached_property
    def slot(self) -> datetime:
        """Today 09:00 local: when today's reminders are due."""
        return workdays.at_local(self.today, workdays.REMINDER_TIME, self.tz)


Rule = Callable[[AsyncSession, SweepContext], Awaitable[list[Notice]]]


def deadline_stage(deadline: date, today: date, *, near: int, far: int) -> str | None:
    """Which upcoming-deadline reminder is current on the working day ``today``.

    "d0" on the deadline day, or on the last working day before it when it falls on days off
    (a reminder that waited for a working day past the deadline would be pointless); "near"
    within ``near`` days; "far" within ``far`` days; None when further off or past.
    The "far" stage's days (``far`` down to ``near + 1`` days left) may all be days off, as a
    7-day nudge is over National Day: it is then current on the last working day before them,
    rather than lost. (The "near" stage cannot be lost that way: its last working day before the
    deadline is "d0"'s.)
    """
    left = (deadline - today).days
    if left < 0:
        return None
    if left == 0 or workdays.next_working_day(today) > deadline:
        return "d0"
    if left <= near:
        return f"d{near}"
    if left <= far:
        return f"d{far}"
    if workdays.next_working_day(today) > deadline - timedelta(days=near + 1):
        return f"d{far}"  # the next working day is past the far stage's days: give its warning now
    return None
