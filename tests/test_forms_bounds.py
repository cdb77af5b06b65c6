"""A hostile definition file is refused before it costs memory or time, with the reason said."""

from __future__ import annotations

import re
import time

import pytest

from domain.forms import FormDefinitionError, bounds, load_form_xlsx, load_form_yaml
from domain.standardisation import checklists
from tests.hostile_files import HEADER, padded_string, rows_xml, workbook, zip_bomb


def _peak_growth_mib(action) -> int:
    """How far this process's peak resident memory rose while ``action`` ran (the kernel's own peak,
    reset first; exact on a loaded machine)."""

    def status(key: str) -> int:
        with open("/proc/self/status") as file:
            return int(re.search(rf"{key}:\s+(\d+)", file.read()).group(1)) // 1024

    with open("/proc/self/clear_refs", "w") as file:
        file.write("5")  # reset VmHWM to the current resident size
    before = status("VmRSS")
    action()
    return status("VmHWM") - before


def _refusal(data: bytes) -> FormDefinitionError:
    with pytest.raises(FormDefinitionError) as caught:
        load_form_xlsx(data)
    return caught.value


def test_xlsx__zip_bomb__is_refused_from_the_zip_directory_without_inflating_it():
    bomb = zip_bomb(inflated_mb=150)
    assert len(bomb) < 1024 * 1024

    def load() -> None:
        error = _refusal(bomb)
        assert [i.code for i in error.issues] == ["too_large"]
        assert "150.0 MB" in error.issues[0].message.zh

    started = time.process_time()
    assert _peak_growth_mib(load) < 16
    assert time.process_time() - started < 1  # CPU time: what the process spent, whatever the load


def test_xlsx__one_part_compressed_beyond_any_spreadsheet__is_refused():
    squeezed = workbook(rows_xml([HEADER]), shared_strings=padded_string(3))  # 3 MiB of one letter
    assert [i.code for i in _refusal(squeezed).issues] == ["too_large"]


def test_xlsx__too_many_parts__is_refused():
    crowded = workbook(rows_xml([HEADER]), extra_parts={f"docProps/p{i}.xml": b"<a/>" for i in range(70)})
    assert "too many parts" in _refusal(crowded).issues[0].message.en


def test_xlsx__shared_strings_beyond_the_element_budget__are_refused():
    strings = [b"<si><t>s%d</t></si>" % i for i in range(bounds.MAX_HELD_ELEMENTS // 2 + 1)]
    assert [i.code for i in _refusal(workbook(rows_xml([HEADER]), shared_strings=strings)).issues] == ["too_large"]


def test_xlsx__merged_cells_beyond_the_element_budget__are_refused():
    merged = "<mergeCells>" + '<mergeCell ref="A1:B1"/>' * bounds.MAX_HELD_ELEMENTS + "</mergeCells>"
    assert [i.code for i in _refusal(workbook(rows_xml([HEADER]), sheet_extra=merged)).issues] == ["too_large"]


def test_xlsx__a_row_far_down_the_sheet__is_refused_without_reading_the_rows_between():
    sparse = workbook(rows_xml([HEADER, ["text", "a", "A"], ["text", "b", "B"]], numbered={2: 1_048_576}))
    started = time.process_time()
    error = _refusal(sparse)
    assert time.process_time() - started < 1
    assert "more than 2000 rows" in error.issues[0].message.en


def test_xlsx__more_rows_than_are_read__is_refused_rather_than_published_in_part():
    rows = [HEADER] + [["text", f"q{i}", "?"] for i in range(bounds.MAX_ROWS)]
    assert "more than 2000 rows" in _refusal(workbook(rows_xml(rows))).issues[0].message.en


def test_xlsx__a_column_past_the_last_read__is_refused():
    far = rows_xml([HEADER]).replace("<c ", '<c r="XFD1" ', 1)
    assert "more than 64 columns" in _refusal(workbook(far)).issues[0].message.en
    wide_row = rows_xml([HEADER, ["x"] * 3000])
    assert [i.code for i in _refusal(workbook(wide_row)).issues] == ["too_large"]


def test_xlsx__doctype_with_entities__is_refused():
    laughs = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "bbbbbbbb">]><a>&b;&b;</a>'
    error = _refusal(workbook(rows_xml([HEADER]), extra_parts={"xl/custom.xml": laughs}))
    assert "DOCTYPE" in error.issues[0].message.en


def test_xlsx__a_long_cell__is_quoted_short_in_its_message():
    rows = [HEADER, ["类型" * 5000, "a", "A"]]
    [issue] = [i for i in _refusal(workbook(rows_xml(rows))).issues if i.code == "unknown_type"]
    assert len(issue.message.zh) <= bounds.MAX_MESSAGE and len(issue.message.en) <= bounds.MAX_MESSAGE


@pytest.mark.parametrize(
    "text",
    [
        "id: f\nfields: " + "[" * 200 + "]" * 200 + "\n",
        "a: &a [x, x]\n" + "".join(f"b{i}: *a\n" for i in range(150)),
        "id: f\nfields:\n" + "  - {name: a, type: text, label: b}\n" * 20_000,
    ],
    ids=["nested", "aliases", "nodes"],
)
def test_yaml__too_deep_or_too_many_aliases_or_nodes__is_refused_before_it_is_built(text):
    with pytest.raises(FormDefinitionError) as caught:
        load_form_yaml(text)
    assert [i.code for i in caught.value.issues] == ["too_large"]


def test_checklist_file__larger_than_the_limit__is_refused_before_it_is_read():
    with pytest.raises(FormDefinitionError) as caught:
        checklists.check(b"x" * (checklists.MAX_FILE_BYTES + 1), "big.yaml")
    assert [i.code for i in caught.value.issues] == ["too_large"]


def test_checklist_report__many_issues__lists_the_first_twenty_and_counts_the_rest():
    rows = [HEADER] + [["bomb", f"q{i}", "?"] for i in range(300)]
    with pytest.raises(FormDefinitionError) as caught:
        checklists.check(workbook(rows_xml(rows)), "bad.xlsx")
    report = checklists.report(caught.value)
    assert len(report.issues) == bounds.REPORTED_ISSUES and report.total == len(caught.value.issues) > 300
    assert report.not_listed == report.total - bounds.REPORTED_ISSUES


def test_xlsx__xml_under_another_name__is_counted_all_the_same():
    strings = b'<sst xmlns="x">' + b"<si><t>s</t></si>" * (bounds.MAX_HELD_ELEMENTS // 2 + 1) + b"</sst>"
    disguised = workbook(rows_xml([HEADER]), extra_parts={"xl/media/image1.png": strings})
    assert [i.code for i in _refusal(disguised).issues] == ["too_large"]
    picture = workbook(rows_xml([HEADER]), extra_parts={"xl/media/image1.png": b"\x89PNG\r\n\x1a\n" + bytes(4096)})
    assert [i.code for i in _refusal(picture).issues] != ["too_large"]  # a real image is not XML: not scanned
