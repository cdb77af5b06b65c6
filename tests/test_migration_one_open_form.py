"""Migration 0005: a chat left with two open forms keeps the newest open (the one the bot used), and
from then on the database refuses a second open form in a chat."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from storage import database, migrate

ROW = ("INSERT INTO form_sessions (id, person_id, chat_id, form_id, version, unit_id, purpose, state, step, "
       "started_at, updated_at, closed_at) VALUES (?, 1, ?, 'activity_record', '1', 1, 'activity', '{}', 0, "
       "'2026-03-01 00:00:00', ?, ?)")  # fmt: skip


async def test_upgrade__two_open_forms_in_a_chat__the_older_is_closed_and_a_third_is_refused(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    engine = database.create_engine(f"sqlite:///{path}")
    await migrate.upgrade(engine, "0004")
    await engine.dispose()
    raw = sqlite3.connect(path)  # foreign keys are off in a plain connection: no people or units needed
    raw.executemany(ROW, [(1, 501, "2026-03-01 01:00:00", None), (2, 501, "2026-03-01 02:00:00", None),
                          (3, 502, "2026-03-01 03:00:00", None), (4, 501, "2026-03-01 04:00:00", "2026-03-01 05:00:00")])  # fmt: skip
    raw.commit()
    raw.close()

    engine = database.create_engine(f"sqlite:///{path}")
    await migrate.upgrade(engine)
    await engine.dispose()

    raw = sqlite3.connect(path)
    rows = raw.execute("SELECT id, closed_at, revision FROM form_sessions ORDER BY id").fetchall()
    assert rows == [(1, "2026-03-01 01:00:00", 0), (2, None, 0), (3, None, 0), (4, "2026-03-01 05:00:00", 0)]
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        raw.execute(ROW, (5, 502, "2026-03-01 06:00:00", None))
    raw.execute(ROW, (6, 502, "2026-03-01 06:00:00", "2026-03-01 06:00:00"))  # closed ones are not limited
    raw.close()
