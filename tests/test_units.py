"""Unit tree import: all-or-nothing, every bad row reported, re-import idempotent."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from domain.org import units
from domain.org.unit_file import UnitFileError
from storage.models import AuditEntry, Unit, UnitDomain, UnitType

NOW = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
EXAMPLE = (Path(__file__).parents[1] / "examples" / "units.csv").read_bytes()


async def _import(session, data: bytes, filename: str = "units.csv"):
    return await units.import_units(session, data=data, filename=filename, actor_id=None, at=NOW)


async def _count(session, model) -> int:
    return await session.scalar(select(func.count()).select_from(model))


async def test_import__chinese_headers__builds_the_tree(session):
    result = await _import(session, EXAMPLE)
    assert (result.added, result.updated, result.unchanged) == (8, 0, 0)
    branch = await units.by_code(session, "T0102")
    assert branch.type is UnitType.branch and branch.domain is UnitDomain.rural
    assert branch.founded == date(1998, 3, 15)
    town = await units.by_code(session, "T01")
    assert branch.path.startswith(town.path)
    lines = await units.tree(session)
    assert [(line.depth, line.unit.code) for line in lines][:3] == [(0, "D001"), (1, "T01"), (2, "T0101")]


async def test_import__same_file_twice__changes_nothing(session):
    await _import(session, EXAMPLE)
    audits = await _count(session, AuditEntry)
    result = await _import(session, EXAMPLE)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 8)
    assert await _count(session, AuditEntry) == audits


async def test_import__later_file__adds_and_renames(session):
    await _import(session, EXAMPLE)
    later = "code,name,parent,type,domain\nT01,城关镇党委（新）,D001,town_committee,\nT0104,城关镇西街社区党支部,T01,branch,community\n"
    result = await _import(session, later.encode())
    assert (result.added, result.updated) == (1, 1)
    assert (await units.by_code(session, "T01")).name == "城关镇党委（新）"
    assert await _count(session, Unit) == 9
    renamed = await session.scalar(select(AuditEntry).where(AuditEntry.action == "unit.updated"))
    assert renamed.before["name"] == "城关镇党委" and renamed.after["name"] == "城关镇党委（新）"


async def test_import__bad_rows__imports_nothing_and_reports_every_row(session):
    bad = (
        "code,name,parent,type,domain,founded\n"
        "D,组织部,,department,,\n"
        "B1,支部一,NOPE,branch,rural,\n"  # row 3: unknown parent
        "B2,支部二,D,branch,farm,\n"  # row 4: unknown domain
        "B2,支部二again,D,branch,rural,\n"  # row 5: duplicate code
        "C1,甲,C2,branch,rural,\n"  # rows 6–7: a cycle
        "C2,乙,C1,branch,rural,\n"
        "X,某单位,D,club,,\n"  # row 8: unknown type
        "Y,某支部,D,branch,rural,2001-13-40\n"  # row 9: bad date
    )
    with pytest.raises(UnitFileError) as raised:
        await _import(session, bad.encode())
    reported = {(e.row, e.reason) for e in raised.value.errors}
    assert reported == {(3, "unknown_parent"), (4, "unknown_domain"), (5, "duplicate_code"), (6, "cycle"),
                        (7, "cycle"), (8, "unknown_type"), (9, "bad_date")}  # fmt: skip
    assert await _count(session, Unit) == 0


async def test_import__xlsx_with_english_headers__is_read(session):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "parent", "type", "domain", "founded"])
    sheet.append(["D", "组织部", None, "department", None, None])
    sheet.append([101, "一支部", "D", "branch", "school", datetime(2001, 9, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    await _import(session, buffer.getvalue(), "units.xlsx")
    unit = await units.by_code(session, "101")
    assert unit.founded == date(2001, 9, 1) and unit.domain is UnitDomain.school


async def test_import__gbk_csv_from_excel__is_read(session):
    await _import(session, EXAMPLE.decode("utf-8").encode("gb18030"))
    assert (await units.by_code(session, "D001")).name == "某县委组织部"


async def test_import__missing_column__names_it(session):
    with pytest.raises(UnitFileError) as raised:
        await _import(session, "编码,名称\nA,甲\n".encode())
    assert [(e.row, e.column, e.reason) for e in raised.value.errors] == [(1, "type", "missing_column")]


async def test_import__damaged_xlsx__is_refused_not_crashed(session):
    with pytest.raises(UnitFileError) as raised:
        await _import(session, b"not a workbook", "units.xlsx")
    assert raised.value.errors[0].reason == "unreadable_file"
