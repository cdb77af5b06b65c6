"""Parsers for what people actually type into a chat.

Each parser returns ``Accepted(value)`` or ``Rejection(code, params)`` and never raises on any
text. Values are JSON-native so they can be stored as they are: integers as ``int``, decimals as
a canonical string (``"3.5"``), dates as ISO strings, yes/no as ``bool``.

Rejection codes: ``empty``, ``too_long``, ``not_a_number``, ``not_an_integer``,
``out_of_range``, ``not_a_date``, ``future_date``, ``not_yes_no``, ``not_a_choice``,
``not_a_location``.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import cn2an

TELEGRAM_MESSAGE_LIMIT = 4096
SHORT_TEXT_LIMIT = 200
_MAX_NUMBER_CHARS = 24

# Units people append to numbers; the field's own unit is accepted as well.
COMMON_UNITS = (
    "平方米", "平米", "平方", "平", "m2", "m^2", "sqm", "米", "m", "英寸", "寸", "吋", "inches",
    "inch", "in", "人", "名", "位", "个", "次", "年", "岁", "天", "元", "台", "件", "本", "张",
    "户", "小时", "分钟", "项", "条", "场", "期",
)


@dataclass(frozen=True)
class Accepted:
    value: Any


@dataclass(frozen=True)
class Rejection:
    """Why an input was refused: a code for templates and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


ParseResult = Accepted | Rejection


def normalise_text(text: str) -> str:
    """Fold full-width characters (１２３, ，, ㎡) to their ordinary forms and trim."""
    return unicodedata.normalize("NFKC", text).strip()


# --- text -----------------------------------------------------------------------------------


def parse_text(text: str, *, max_length: int = SHORT_TEXT_LIMIT) -> ParseResult:
    """Trim and length-check free text."""
    value = text.strip()
    if not value:
        return Rejection("empty")
    if len(value) > max_length:
        return Rejection("too_long", {"max": max_length, "length": len(value)})
    return Accepted(value)


# --- numbers --------------------------------------------------------------------------------

_ARABIC = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_CHINESE = re.compile(r"[负零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟\d.]+")


def parse_number(
    text: str,
    *,
    integer: bool = False,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    units: tuple[str, ...] = (),
) -> ParseResult:
    """Read "80", "80平方米", "80㎡", "80 m2", "八十", "1,200", "3.5"; integers as int."""
    raw = normalise_text(text)
    if not raw or len(raw) > 60:
        return Rejection("not_a_number")
    number_text, rest = _split_unit(raw, units)
    if number_text is None:
        return Rejection("not_a_number")
    value = _to_decimal(number_text)
    if value is None:
        return Rejection("not_a_number")
    if integer and value != value.to_integral_value():
        return Rejection("not_an_integer")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return Rejection("out_of_range", {"min": _plain(minimum), "max": _plain(maximum)})
    if integer:
        return Accepted(int(value))
    return Accepted(_plain(value))


def _split_unit(raw: str, units: tuple[str, ...]) -> tuple[str | None, str]:
    lowered = raw.lower()
    known = sorted({u.lower() for u in (*units, *COMMON_UNITS) if u}, key=len, reverse=True)
    for unit in known:
        if lowered.endswith(unit) and len(lowered) > len(unit):
            return lowered[: -len(unit)].strip(), unit
    return lowered, ""


def _to_decimal(text: str) -> Decimal | None:
    if len(text) > _MAX_NUMBER_CHARS or not text:
        return None
    if _ARABIC.fullmatch(text):
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    if _CHINESE.fullmatch(text):
        try:
            converted = cn2an.cn2an(text, "smart")
        except Exception:  # cn2an signals bad input with assorted exception types
            return None
        try:
            value = Decimal(str(converted))
        except InvalidOperation:
            return None
        return value if value.is_finite() else None
    return None


def _plain(value: Decimal | None) -> str | None:
    """Canonical decimal text without exponent or trailing zeros ("3.50" -> "3.5")."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


# --- dates ----------------------------------------------------------------------------------

_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_DAYS_AGO = re.compile(r"(\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:天|日)(?:以)?前")
_RELATIVE = {
    "今天": 0, "今日": 0, "today": 0,
    "昨天": 1, "昨日": 1, "yesterday": 1,
    "前天": 2,
    "大前天": 3,
    "明天": -1, "明日": -1, "tomorrow": -1,
    "后天": -2,
}


def parse_date(
    text: str,
    *,
    today: date,
    allow_future: bool = True,
    minimum: date | None = None,
    maximum: date | None = None,
) -> ParseResult:
    """Read "2026-04-15", "2026/4/15", "2026.4.15", "2026年4月15日", "4月15日", "4-15", "今天", "昨天",
    "前天", "3天前", against ``today`` (the bot's local date).

    A date without a year is in the current year, always: when that is in the future and the field
    forbids future dates it is refused like the full date would be (``future_date``, with
    ``last_year`` to suggest), never moved to another year behind the person's back.
    """
    raw = normalise_text(text).lower()
    if not raw or len(raw) > 40:
        return Rejection("not_a_date")
    no_year = False
    if raw in _RELATIVE:
        value: date | None = today - timedelta(days=_RELATIVE[raw])
    elif m := _DAYS_AGO.fullmatch(raw):
        value = _days_ago(today, m.group(1))
    elif m := (_FULL_DATE.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)):
        value = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    elif m := _MONTH_DAY.fullmatch(raw):
        value = _make_date(today.year, int(m.group(1)), int(m.group(2)))
        no_year = True
    else:
        value = None
    if value is None:
        return Rejection("not_a_date")
    if not allow_future and value > today:
        params: dict[str, Any] = {"today": today.isoformat(), "date": value.isoformat()}
        if no_year and (last_year := _make_date(value.year - 1, value.month, value.day)) is not None:
            params["last_year"] = last_year.isoformat()  # what to type when last year was meant
        return Rejection("future_date", params)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        return Rejection(
            "out_of_range",
            {"min": minimum.isoformat() if minimum else None, "max": maximum.isoformat() if maximum else None},
        )
    return Accepted(value.isoformat())


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _days_ago(today: date, count: str) -> date | None:
    days = int(count) if count.isdigit() else _to_decimal(count)
    if days is None:
        return None
    try:
        return today - timedelta(days=int(days))
    except OverflowError:
        return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- yes / no -------------------------------------------------------------------------------

_YES_WORDS = frozenset(
    {"是", "是的", "有", "对", "对的", "已", "已经", "好", "yes", "y", "true", "ok", "✅", "✔", "✔️", "👍"}
)
_NO_WORDS = frozenset(
    {"否", "不", "不是", "没有", "没", "无", "不对", "未", "no", "n", "false", "❌", "✖", "✖️", "✗", "👎"}
)


def parse_yes_no(text: str) -> ParseResult:
    """Read 是/否/有/没有/对/不/yes/no/y/n/✅/❌ as True or False."""
    raw = normalise_text(text).lower().strip("。.!！?？ ")
    if raw in _YES_WORDS:
        return Accepted(True)
    if raw in _NO_WORDS:
        return Accepted(False)
    return Rejection("not_yes_no")


# --- choices --------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[,，、;；\s]+")


def parse_choice(text: str, options: list[tuple[str, list[str]]]) -> ParseResult:
    """Match typed text to one option: its value, any of its labels, or its 1-based number.

    ``options`` is ``[(value, [label, ...]), ...]``.
    """
    raw = normalise_text(text).lower()
    if not raw:
        return Rejection("not_a_choice")
    if raw.isdigit() and len(raw) <= 3 and 1 <= int(raw) <= len(options):
        return Accepted(options[int(raw) - 1][0])
    for value, labels in options:
        if raw == value.lower() or raw in (normalise_text(label).lower() for label in labels):
            return Accepted(value)
    return Rejection("not_a_choice")


def parse_choices(text: str, options: list[tuple[str, list[str]]]) -> ParseResult:
    """Match a list typed as "a、b、c" (or separated by commas/spaces) to several options."""
    whole = parse_choice(text, options)
    if isinstance(whole, Accepted):
        return Accepted([whole.value])
    picked: list[str] = []
    for part in _SEPARATORS.split(normalise_text(text))[:50]:
        if not part:
            continue
        result = parse_choice(part, options)
        if isinstance(result, Rejection):
            return Rejection("not_a_choice", {"text": part[:50]})
        if result.value not in picked:
            picked.append(result.value)
    if not picked:
        return Rejection("not_a_choice")
    return Accepted(picked)


# --- location -------------------------------------------------------------------------------

_LAT_LON = re.compile(r"([+-]?\d{1,3}(?:\.\d+)?)\s*[,，\s]\s*([+-]?\d{1,3}(?:\.\d+)?)")


def parse_location(text: str) -> ParseResult:
    """Read "31.23, 121.47" as a latitude/longitude pair."""
    m = _LAT_LON.fullmatch(normalise_text(text))
    if not m:
        return Rejection("not_a_location")
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return Rejection("not_a_location")
    return Accepted({"lat": lat, "lon": lon})
