"""The outbox (待发消息): notices written once under a unique key, sent later by the dispatcher in bot/.

A notice names its template and plain JSON values, never its text: the text is rendered when it is
sent, in the recipient's language at that moment (domain does not know templates). Writing uses
INSERT … ON CONFLICT DO NOTHING on the key, so any number of sweeps in any number of processes
write each notice once.

A live board (实时看板) is a notice with a ``board_key``: its rows are versions of one group
message; a version is written only when the values changed, and the dispatcher edits the board's
message in place (posting it the first time).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import database
from storage.models import LiveBoard, OutboxMessage, OutboxStatus

BATCH = 500


@dataclass(frozen=True)
class Button:
    """An inline button: ``label`` is a key in templates/strings.py, ``data`` ≤ 64 bytes."""

    label: str
    data: str


@dataclass(frozen=True)
class Notice:
    key: str  # (subject, kind, recipient, occasion), e.g. "problem:12:d3:p7"
    kind: str
    chat_id: int
    template: str
    values: dict[str, Any]
    not_before: datetime
    person_id: int | None = None
    subject: str | None = None
    buttons: Sequence[Sequence[Button]] = field(default_factory=tuple)
    snoozable: bool = False
    bypass_quiet: bool = False
    board_key: str | None = None


def plain(value: Any) -> Any:
    """Values as plain JSON: dates and datetimes become ISO strings (keys ending _on / _at)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(notice: Notice, now: datetime, key: str | None = None) -> dict[str, Any]:
    buttons = [[{"label": b.label, "data": b.data} for b in row] for row in notice.buttons] or None
    return {
        "key": key or notice.key,
        "chat_id": notice.chat_id,
        "person_id": notice.person_id,
        "kind": notice.kind,
        "subject": notice.subject,
        "template": notice.template,
        "values": plain(notice.values),
        "buttons": buttons,
        "not_before": notice.not_before,
        "bypass_quiet": notice.bypass_quiet,
        "snoozable": notice.snoozable,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "created_at": now,
        "board_key": notice.board_key,
    }


async def enqueue(session: AsyncSession, notices: Iterable[Notice], *, now: datetime) -> int:
    """Write the notices not written before; returns how many rows were new."""
    rows, added = [], 0
    for notice in notices:
        if notice.board_key is not None:
            added += await _write_board(session, notice, now)
        else:
            rows.append(_row(notice, now))
    insert = database.insert_for(session.bind.dialect.name)
    for start in range(0, len(rows), BATCH):
        statement = insert(OutboxMessage).values(rows[start : start + BATCH])
        result = await session.execute(statement.on_conflict_do_nothing(index_elements=["key"]))
        added += max(result.rowcount or 0, 0)
    return added


def board_digest(notice: Notice) -> str:
    payload = [notice.template, plain(notice.values), [[b.label, b.data] for r in notice.buttons for b in r]]
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def _write_board(session: AsyncSession, notice: Notice, now: datetime) -> int:
    """Queue a new version of a live board when what it shows changed."""
    insert = database.insert_for(session.bind.dialect.name)
    await session.execute(
        insert(LiveBoard)
        .values(key=notice.board_key, chat_id=notice.chat_id, version=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    # The row lock (PostgreSQL) makes concurrent refreshes take turns; SQLite's write lock does too.
    board = await session.scalar(
        select(LiveBoard).where(LiveBoard.key == notice.board_key).with_for_update().execution_options(
            populate_existing=True)
    )  # fmt: skip
    digest = board_digest(notice)
    if board.digest == digest:
        return 0
    board.version += 1
    board.digest, board.updated_at = digest, now
    await session.flush()
    row = _row(notice, now, key=f"{notice.board_key}#{board.version}")
    result = await session.execute(insert(OutboxMessage).values(row).on_conflict_do_nothing(index_elements=["key"]))
    return max(result.rowcount or 0, 0)
