"""Button data is hostile: whatever a client sends back is parsed strictly here."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # row ids are 32-bit INTEGER columns on PostgreSQL


def numeric_tail(raw: str) -> int | None:
    """An id from button data: ASCII digits only, no sign or spaces, within a database integer."""
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
