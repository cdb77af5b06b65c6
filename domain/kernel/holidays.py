"""A year's official holiday arrangement (节假日安排), loaded by an admin for a year the calendar package
does not know yet: its days off (放假) and make-up working days (调休上班).

From a small file (``parse_file``: YAML or CSV) or from lists typed in the chat (``parse_lists``).
Every date must be a real date of the year in question, and no day may be both; any problem refuses
the whole file and each is listed (``HolidayFileError``). ``load`` keeps the arrangement (replacing
an earlier one of that year) and ``refresh`` hands what is kept to ``workdays`` (each process does
so on every sweep, so a year loaded anywhere is used everywhere within a minute).

YAML::

    year: 2027
    days_off: [2027-01-01, 2027-02-06..2027-02-13]   # or 放假
    make_up: [2027-02-20]                             # or 调休上班

CSV (a ``year`` row is optional; ranges as in YAML)::

    year,2027
    2027-01-01,放假
    2027-02-06..2027-02-13,放假
    2027-02-20,上班
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit, workdays
from storage.models import CalendarDay

MAX_BYTES = 64 * 1024
MAX_RANGE = 60  # days in one range
YEAR_KEYS = ("year", "年份", "年")
OFF_KEYS = ("days_off", "holidays", "放假", "休息")
ON_KEYS = ("make_up", "workdays", "调休上班", "上班")
OFF_WORDS = {"放假", "休", "休息", "假", "off", "holiday", "day off"}
ON_WORDS = {"上班", "班", "调休上班", "补班", "work", "workday", "make-up", "make_up"}
_RANGE = re.compile(r"\s*(?:\.\.|~|～|至|到|—|–)\s*")
_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_SHORT = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where (a line, or the list and item), a code and the text read.

    Codes: ``bad_file``, ``too_big``, ``no_year``, ``bad_year``, ``bad_date``, ``outside_year``,
    ``both`` (a day off and a working day at once), ``long_range``, ``bad_kind``, ``no_days_off``.
    """

    where: str
    code: str
    text: str = ""


class HolidayFileError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.where}: {p.code} {p.text}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Arrangement:
    year: int
    days_off: frozenset[date]
    make_up: frozenset[date] = field(default_factory=frozenset)


def _one_date(text: str, year: int | None) -> date | None:
    text = text.strip()
    m = _FULL.fullmatch(text)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = _SHORT.fullmatch(text)
        if m and year is not None:
            return date(year, int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


def _dates(value: Any, year: int | None) -> list[date] | str:
    """The days ``value`` names (a date, or a range first..last), or the code of what is wrong."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return [value]
    text = str(value).strip()
    parts = _RANGE.split(text)
    if len(parts) == 1:
        day = _one_date(text, year)
        return [day] if day else "bad_date"
    if len(parts) != 2:
        return "bad_date"
    first, last = _one_date(parts[0], year), _one_date(parts[1], year)
    if first is None or last is None or last < first:
        return "bad_date"
    if (last - first).days >= MAX_RANGE:
        return "long_range"
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class _Collector:
    def __init__(self, year: int | None) -> None:
        self.year = year
        self.off: dict[date, str] = {}
        self.on: dict[date, str] = {}
        self.problems: list[Problem] = []

    def add(self, value: Any, working: bool, where: str) -> None:
        found = _dates(value, self.year)
        if isinstance(found, str):
            self.problems.append(Problem(where, found, str(value)))
            return
        for day in found:
            if self.year is None:
                self.year = day.year
            if day.year != self.year:
                self.problems.append(Problem(where, "outside_year", day.isoformat()))
                continue
            (self.on if working else self.off)[day] = where

    def result(self) -> Arrangement:
        for day in sorted(set(self.off) & set(self.on)):
            self.problems.append(Problem(self.on[day], "both", day.isoformat()))
        if self.year is None and not self.problems:
            self.problems.append(Problem("—", "no_year"))
        elif not self.off and not self.problems:
            self.problems.append(Problem("—", "no_days_off"))
        if self.problems:
            raise HolidayFileError(self.problems)
        return Arrangement(self.year, frozenset(self.off), frozenset(self.on))


def _year(value: Any) -> int | None:
    text = str(value).strip().removesuffix("年")
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else None


def parse_file(data: bytes, filename: str) -> Arrangement:
    """Read a YAML (``.yaml``/``.yml``) or CSV file; HolidayFileError listing every problem."""
    if len(data) > MAX_BYTES:
        raise HolidayFileError([Problem("—", "too_big", str(len(data)))])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gbk")
        except UnicodeDecodeError:
            raise HolidayFileError([Problem("—", "bad_file")]) from None
    if filename.lower().endswith((".yaml", ".yml")):
        return _parse_yaml(text)
    return _parse_csv(text)


class _TextDates(yaml.SafeLoader):
    """YAML without its own dates: an impossible date (2027-02-30) is reported, not raised."""


_TextDates.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _pick(doc: dict, keys: Iterable[str]) -> Any:
    return next((doc[k] for k in keys if k in doc), None)


def _parse_yaml(text: str) -> Arrangement:
    try:
        doc = yaml.load(text, Loader=_TextDates)  # noqa: S506 - a SafeLoader without timestamps
    except yaml.YAMLError:
        raise HolidayFileError([Problem("—", "bad_file")]) from None
    if not isinstance(doc, dict):
        raise HolidayFileError([Problem("—", "bad_file")])
    raw_year = _pick(doc, YEAR_KEYS)
    year = _year(raw_year) if raw_year is not None else None
    if raw_year is not None and year is None:
        raise HolidayFileError([Problem("year", "bad_year", str(raw_year))])
    collect = _Collector(year)
    for keys, working, name in ((OFF_KEYS, False, "days_off"), (ON_KEYS, True, "make_up")):
        values = _pick(doc, keys) or []
        for n, value in enumerate(values if isinstance(values, list) else [values], start=1):
            collect.add(value, working, f"{name} #{n}")
    return collect.result()


def _parse_csv(text: str) -> Arrangement:
    rows = [(n, [c.strip() for c in row]) for n, row in enumerate(csv.reader(io.StringIO(text)), start=1)
            if any(c.strip() for c in row)]  # fmt: skip
    year = None
    body = []
    for n, cells in rows:
        head = cells[0].lower()
        if head in YEAR_KEYS:
            year = _year(cells[1]) if len(cells) > 1 else None
            if year is None:
                raise HolidayFileError([Problem(str(n), "bad_year", ",".join(cells))])
        elif head in ("date", "日期"):
            continue
        else:
            body.append((n, cells))
    collect = _Collector(year)
    for n, cells in body:
        kind = cells[1].lower() if len(cells) > 1 else ""
        if kind not in OFF_WORDS | ON_WORDS:
            collect.problems.append(Problem(str(n), "bad_kind", kind))
            continue
        collect.add(cells[0], kind in ON_WORDS, str(n))
    return collect.result()


def parse_lists(year: int, days_off: str, make_up: str | None) -> Arrangement:
    """Lists typed in the chat: dates or ranges separated by commas, 、, spaces or new lines."""
    collect = _Collector(year)
    for text, working, name in ((days_off, False, "days_off"), (make_up or "", True, "make_up")):
        pieces = [p for p in re.split(r"[,，、;；\s]+", re.sub(r"\s*(\.\.|~|～|至|到)\s*", r"\1", text)) if p]
        for n, piece in enumerate(pieces, start=1):
            collect.add(piece, working, f"{name} #{n}")
    return collect.result()


@dataclass(frozen=True)
class Loaded:
    year: int
    days_off: int
    make_up: int
    replaced: bool


async def load(session: AsyncSession, arrangement: Arrangement, *, actor_id: int | None, at: datetime,
               update_id: int | None = None) -> Loaded:  # fmt: skip
    """Keep ``arrangement`` (replacing the year's earlier one), audited, and use it at once."""
    year = arrangement.year
    before = (await session.scalars(select(CalendarDay).where(CalendarDay.year == year))).all()
    await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.add_all([CalendarDay(day=d, year=year, working=False, loaded_by=actor_id, loaded_at=at)
                     for d in sorted(arrangement.days_off)] +
                    [CalendarDay(day=d, year=year, working=True, loaded_by=actor_id, loaded_at=at)
                     for d in sorted(arrangement.make_up)])  # fmt: skip
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="calendar.loaded", subject_type="calendar",
                       subject_id=year, before={"days": len(before)} if before else None,
                       after={"days_off": [d.isoformat() for d in sorted(arrangement.days_off)],
                              "make_up": [d.isoformat() for d in sorted(arrangement.make_up)]},
                       update_id=update_id)  # fmt: skip
    await refresh(session)
    return Loaded(year, len(arrangement.days_off), len(arrangement.make_up), bool(before))


async def refresh(session: AsyncSession) -> None:
    """Hand every kept arrangement to ``workdays`` (those of other processes included)."""
    years: dict[int, tuple[set[date], set[date]]] = {}
    for day, year, working in (await session.execute(select(CalendarDay.day, CalendarDay.year, CalendarDay.working))):
        off, on = years.setdefault(year, (set(), set()))
        (on if working else off).add(day)
    workdays.arrange({year: (frozenset(off), frozenset(on)) for year, (off, on) in years.items()})


def coverage(years: Iterable[int]) -> list[tuple[int, str]]:
    """Each year and where its working days come from (``workdays.coverage``)."""
    return [(year, workdays.coverage(year)) for year in years]
