"""Reading a unit-tree spreadsheet (CSV or XLSX, English or Chinese headers) into checked rows.

Pure: bytes in, rows or row errors out. Row numbers are as the spreadsheet shows them (header = 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime

from storage.models import UnitDomain, UnitType

HEADERS = {
    "code": "code", "编码": "code", "单位编码": "code", "组织编码": "code",
    "name": "name", "名称": "name", "单位名称": "name", "组织名称": "name",
    "parent": "parent", "上级编码": "parent", "上级": "parent",
    "type": "type", "类型": "type", "组织类型": "type",
    "domain": "domain", "领域": "domain",
    "founded": "founded", "成立日期": "founded", "成立时间": "founded",
}  # fmt: skip
REQUIRED = ("code", "name", "type")

TYPE_WORDS = {
    "组织部": UnitType.department, "县委组织部": UnitType.department, "市委组织部": UnitType.department,
    "镇党委": UnitType.town_committee, "乡党委": UnitType.town_committee,
    "街道党工委": UnitType.town_committee, "乡镇党委": UnitType.town_committee,
    "直属党委": UnitType.direct_committee, "县直工委": UnitType.direct_committee,
    "机关工委": UnitType.direct_committee, "直属党工委": UnitType.direct_committee,
    "党总支": UnitType.general_branch, "总支": UnitType.general_branch,
    "党支部": UnitType.branch, "支部": UnitType.branch,
}  # fmt: skip
DOMAIN_WORDS = {
    "农村": UnitDomain.rural, "社区": UnitDomain.community, "机关": UnitDomain.government,
    "国企": UnitDomain.soe, "国有企业": UnitDomain.soe, "学校": UnitDomain.school,
    "非公企业": UnitDomain.private_enterprise, "社会组织": UnitDomain.social_org,
    "事业单位": UnitDomain.public_institution,
}  # fmt: skip
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


@dataclass(frozen=True)
class UnitRow:
    row: int
    code: str
    name: str
    parent: str | None
    type: UnitType
    domain: UnitDomain | None
    founded: date | None


@dataclass(frozen=True)
class RowError:
    """One bad row: ``reason`` is a code the templates explain (e.g. ``unknown_parent``)."""

    row: int
    column: str | None
    reason: str
    value: str = ""


class UnitFileError(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} bad row(s)")
        self.errors = errors


def read_table(data: bytes, filename: str) -> list[tuple[int, dict[str, object]]]:
    """Rows keyed by canonical column name; raises UnitFileError for an unreadable file."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raw = _xlsx_rows(data)
    else:
        raw = list(csv.reader(io.StringIO(_decode(data))))
    if not raw:
        raise UnitFileError([RowError(1, None, "empty_file")])
    header = [HEADERS.get(str(h or "").strip().lower()) or HEADERS.get(str(h or "").strip()) for h in raw[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise UnitFileError([RowError(1, c, "missing_column") for c in missing])
    rows = []
    for number, values in enumerate(raw[1:], start=2):
        record = {col: v for col, v in zip(header, values, strict=False) if col}
        if any(_text(v) for v in record.values()):
            rows.append((number, record))
    return rows


def parse_rows(table: list[tuple[int, dict[str, object]]]) -> tuple[list[UnitRow], list[RowError]]:
    """Check each row, and that no code repeats; parents and cycles are checked by the importer."""
    rows: list[UnitRow] = []
    errors: list[RowError] = []
    seen: set[str] = set()
    for number, record in table:
        row_errors: list[RowError] = []
        code, name = _text(record.get("code")), _text(record.get("name"))
        if code in seen:
            row_errors.append(RowError(number, "code", "duplicate_code", code))
        seen.add(code)
        for col, value in (("code", code), ("name", name)):
            if not value:
                row_errors.append(RowError(number, col, "missing_value"))
        if len(name) > 200 or len(code) > 64:
            row_errors.append(RowError(number, "name" if len(name) > 200 else "code", "too_long"))
        type_text = _text(record.get("type"))
        unit_type = _lookup(type_text, UnitType, TYPE_WORDS)
        if unit_type is None:
            row_errors.append(RowError(number, "type", "unknown_type", type_text))
        domain_text = _text(record.get("domain"))
        domain = _lookup(domain_text, UnitDomain, DOMAIN_WORDS) if domain_text else None
        if domain_text and domain is None:
            row_errors.append(RowError(number, "domain", "unknown_domain", domain_text))
        founded, founded_ok = _date(record.get("founded"))
        if not founded_ok:
            row_errors.append(RowError(number, "founded", "bad_date", _text(record.get("founded"))))
        if row_errors:
            errors.extend(row_errors)
            continue
        parent = _text(record.get("parent")) or None
        rows.append(UnitRow(number, code, name, parent, unit_type, domain, founded))
    return rows, errors


def _lookup(text: str, enum_cls, words: dict):
    try:
        return enum_cls(text.lower())
    except ValueError:
        return words.get(text)


def _date(value: object) -> tuple[date | None, bool]:
    if value is None or value == "":
        return None, True
    if isinstance(value, datetime):
        return value.date(), True
    if isinstance(value, date):
        return value, True
    match = _DATE.match(_text(value))
    if not match:
        return None, False
    try:
        return date(*(int(g) for g in match.groups())), True
    except ValueError:
        return None, False


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores codes typed as numbers as floats
    return str(value).strip()


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030; everything else as UTF-8 (with or without BOM).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnitFileError([RowError(1, None, "unreadable_file")])


def _xlsx_rows(data: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise UnitFileError([RowError(1, None, "unreadable_file", type(exc).__name__)]) from exc
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]
