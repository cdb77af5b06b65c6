"""Button data (callback_data) read strictly: ``prefix:field:…`` with exactly the fields declared.

A client can send any string as a button's data, so none is trusted: ids are ASCII digits within
the range of the INTEGER id columns (int4 on PostgreSQL), words come from a fixed set, and data
of any other shape is read as None, which every handler answers as "no longer current".
``str.isdigit`` is not enough: it accepts "²" and "٣", and a 60-digit id overflows the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MAX_BYTES = 64  # Telegram's limit for callback_data; anything longer was not sent by our buttons
MAX_ID = 2**31 - 1  # ids are INTEGER columns: int4 on PostgreSQL, and no larger in SQLite's rows
_ID = re.compile(r"0|[1-9][0-9]{0,9}")  # [0-9] is ASCII only, unlike \d
_TEXT = re.compile(r"[^\x00-\x1f\x7f]+")


class Invalid(ValueError):
    """One field is not what its button would have sent."""


Field = Callable[[str], Any]


def ID(raw: str) -> int:
    """A row id: ASCII digits, no sign or leading zero, at most MAX_ID."""
    if not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        raise Invalid(raw)
    return int(raw)


def one_of(*words: str) -> Field:
    """A word from a fixed set (a role, an action, a language code)."""
    allowed = frozenset(words)

    def word(raw: str) -> str:
        if raw not in allowed:
            raise Invalid(raw)
        return raw

    return word


def TEXT(raw: str) -> str:
    """A name chosen from a form (an option's value, a field's name): any printable text, ':' too."""
    if not _TEXT.fullmatch(raw):
        raise Invalid(raw)
    return raw


def parse(data: str | None, prefix: str, *fields: Field) -> tuple[Any, ...] | None:
    """The values of ``prefix:f1:…:fn``, or None when ``data`` is not exactly that.

    The last field takes the rest of the data (so a TEXT may hold ':'); an extra ':part' after an
    id or a word makes that field invalid, so the field count is fixed.
    """
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    head, sep, rest = data.partition(":")
    if head != prefix:
        return None
    if not fields:
        return () if not sep else None
    if not sep:
        return None
    raws = rest.split(":", len(fields) - 1)
    if len(raws) != len(fields):
        return None
    try:
        return tuple(field(raw) for field, raw in zip(fields, raws, strict=True))
    except Invalid:
        return None


def numeric_tail(raw: str) -> int | None:
    """One id field read on its own (for data whose shape varies by its first words), or None."""
    try:
        return ID(raw)
    except Invalid:
        return None
