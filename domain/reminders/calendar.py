"""In December, the admins are reminded while next year's holiday arrangement is still unknown.

Rectification deadlines are counted in working days; a year neither loaded nor known to the calendar
package would be counted Monday–Friday. Once a week (on its first working day at 09:00) from
1 December until the arrangement is loaded.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Button, Notice
from domain.reminders.sweep_context import SweepContext


async def notices(_session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if ctx.today.month != 12 or not ctx.reminder_time:
        return []
    year = ctx.today.year + 1
    if workdays.coverage(year) != "fallback":
        return []
    iso_year, week, _ = ctx.today.isocalendar()
    return [
        Notice(key=f"holidays:{year}:{iso_year}-W{week:02d}:p{admin.person_id}", kind="holidays.unknown",
               chat_id=admin.chat_id, person_id=admin.person_id, subject=f"holidays:{year}",
               template="reminder_holidays.html.j2", values={"year": year}, not_before=ctx.slot,
               buttons=((Button("reminder.btn.holidays", "hol:new"),),))
        for admin in ctx.directory.admins()
    ]  # fmt: skip
