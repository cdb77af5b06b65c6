"""The working-day calendar in the chat: /status shows where each year's working days come from, and
an admin loads a year's holiday arrangement (/holidays) as a form the engine runs.

Rectification deadlines are counted in working days, so a year nobody has loaded (and the calendar
package does not know) is counted Monday–Friday; that is said, never silent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import usecases
from domain.filling.purposes import Finishing, Told
from domain.filling.usecases import Moment, Result, refusal
from domain.forms import FormDefinition, load_form_yaml
from domain.kernel import holidays
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from storage.models import CalendarDay, Unit

FORM_ID = "holiday_calendar"


@dataclass(frozen=True)
class CalendarStatus:
    """Each year that matters now and where its working days come from; whether this person may load one."""

    years: list[tuple[int, str]]
    may_load: bool


async def years_of_interest(session: AsyncSession, today: date) -> list[int]:
    loaded = set(await session.scalars(select(CalendarDay.year).distinct().where(CalendarDay.year >= today.year)))
    return sorted({today.year, today.year + 1} | loaded)


async def status(session: AsyncSession, actor: Actor, when: Moment) -> Result:
    """/status: the calendar's years, with a warning for each counted Monday–Friday."""
    if not actor.known:
        return refusal("not_allowed", pressed=False, message="not_allowed")
    await holidays.refresh(session)
    years = holidays.coverage(await years_of_interest(session, when.today))
    return Result([CalendarStatus(years, permissions.may_somewhere(actor, Action.load_holidays))])


async def begin_loading(session: AsyncSession, actor: Actor, when: Moment, *, pressed: bool = False) -> Result:
    """Open the form for a year's arrangement (on the unit where the admin's role is held)."""
    grants = permissions.grants_for(actor, Action.load_holidays)
    if not grants:
        return refusal("not_allowed", pressed=pressed, message="not_allowed")
    unit = await session.get_one(Unit, grants[0].unit_id)
    return await usecases.begin(session, actor, "holidays", FORM_ID, unit, when)


@cache
def _form() -> FormDefinition:
    text = resources.files("domain.problems.definitions").joinpath(f"{FORM_ID}.yaml").read_text("utf-8")
    return load_form_yaml(text)


async def definition(_session: AsyncSession, _form_id: str, _subject_id: int | None,
                     _version: str | None) -> FormDefinition:  # fmt: skip
    return _form()


async def finish(f: Finishing) -> Told:
    """Read the lists; load them, or list every problem and load nothing."""
    try:
        arrangement = holidays.parse_lists(int(f.answers["year"]), f.answers["days_off"], f.answers.get("make_up"))
    except holidays.HolidayFileError as error:
        return Told("form_refused", {"reason": "holidays", "problems": error.problems, "unit": f.unit})
    loaded = await holidays.load(f.session, arrangement, actor_id=f.actor.person_id, at=f.at, update_id=f.update_id)
    return Told("holidays_loaded", {"loaded": loaded, "days_off": sorted(arrangement.days_off),
                                    "make_up": sorted(arrangement.make_up)})  # fmt: skip
