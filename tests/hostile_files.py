"""Hostile checklist files, written part by part (openpyxl would not write them, or not quickly)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
    '<sheets><sheet name="survey" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)


def _cell(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def rows_xml(rows: Iterable[list[str]], *, numbered: dict[int, int] | None = None) -> str:
    """sheetData rows of inline strings; ``numbered`` gives some rows an explicit r= number."""
    out = []
    for index, row in enumerate(rows):
        r = f' r="{numbered[index]}"' if numbered and index in numbered else ""
        out.append(f"<row{r}>{''.join(_cell(value) for value in row)}</row>")
    return "".join(out)


def workbook(
    sheet_rows: str,
    *,
    shared_strings: Iterable[bytes] = (b'<si><t>x</t></si>',),
    extra_parts: dict[str, bytes] | None = None,
    sheet_extra: str = "",
) -> bytes:
    """A one-sheet ("survey") workbook; ``shared_strings`` is streamed in pieces, so it may inflate
    to far more than this process would like to hold at once."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr(
            "xl/worksheets/sheet1.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>{sheet_rows}'
            f"</sheetData>{sheet_extra}</worksheet>",
        )
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
            for piece in shared_strings:
                part.write(piece)
            part.write(b"</sst>")
        for name, data in (extra_parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def padded_string(megabytes: int) -> Iterable[bytes]:
    """One shared string of ``megabytes`` MiB: openpyxl holds the shared strings whole."""
    yield b"<si><t>"
    block = b"A" * (1024 * 1024)
    for _ in range(megabytes):
        yield block
    yield b"</t></si>"


HEADER = ["type", "name", "label"]


def zip_bomb(inflated_mb: int = 150, error_rows: int = 2000) -> bytes:
    """A few hundred KiB that inflate to ``inflated_mb`` MiB, with a survey of ``error_rows`` rows
    each of which is wrong (an unknown field type): what was sent to the bot."""
    rows = [HEADER] + [["bomb", f"q{i}", "?"] for i in range(error_rows)]
    return workbook(rows_xml(rows), shared_strings=padded_string(inflated_mb))
