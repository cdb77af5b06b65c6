"""How large a definition file may be, checked before it is parsed: a file from outside is hostile.

A checklist workbook is a zip of XML parts. A few hundred KiB can inflate to hundreds of MiB (a zip
bomb), and openpyxl holds some parts whole (shared strings, styles, a worksheet's merged cells) and
builds every cell of a row before handing it over. So before openpyxl sees a workbook:

- the zip's own directory is read: how many parts, how large each inflates (Python's zipfile never
  inflates a part past the size its directory states), the whole, and each part's compression ratio;
- every XML part is then streamed through expat, which keeps nothing, counting what openpyxl would
  hold: elements outside worksheet rows (a budget for the whole workbook), and cells per row. A
  DOCTYPE (entities, the "billion laughs") has no place in a workbook and is refused.

Rows and columns read are bounded again while loading (``loading.load_form_xlsx``). A YAML file is
bounded in nodes, nesting and aliases by walking its events before anything is built.

With these bounds a workbook that passes costs at most a few tens of MiB to load (measured in
tests/e2e/test_publish.py); one that does not is refused at once, without being inflated.
"""

from __future__ import annotations

import io
import xml.parsers.expat
import zipfile

import yaml

from .definition import DefinitionIssue, FormDefinitionError
from .text import LocalText

MAX_FILE_BYTES = 2 * 1024 * 1024  # the file as sent
MAX_PARTS = 64  # a workbook from Excel or WPS has a dozen or two
MAX_PART_BYTES = 4 * 1024 * 1024  # one part inflated
MAX_INFLATED_BYTES = 16 * 1024 * 1024  # all parts inflated
MAX_RATIO = 100  # inflated : compressed, for parts larger than RATIO_FLOOR
RATIO_FLOOR = 256 * 1024
MAX_HELD_ELEMENTS = 50_000  # elements openpyxl keeps: all but worksheet rows
MAX_ROW_ELEMENTS = 2_000  # elements in one worksheet row (its cells and their values)
MAX_ROWS = 2_000  # rows read from one sheet (a checklist has tens to hundreds)
MAX_COLUMNS = 64  # columns read from one sheet
MAX_YAML_NODES = 50_000
MAX_YAML_DEPTH = 32
MAX_YAML_ALIASES = 100
MAX_QUOTED = 60  # characters of a file's own text repeated in a message
MAX_MESSAGE = 150  # characters of one issue's message: 20 of them fit one Telegram message
REPORTED_ISSUES = 20  # issues listed in a report; the rest are counted

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Exceeded(Exception):
    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.text = LocalText(zh, en)


def quoted(value: object, limit: int = MAX_QUOTED) -> str:
    """A value from the file, cut short to be repeated in a message."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def too_large(sheet: str, zh: str, en: str, *, row: int | None = None) -> DefinitionIssue:
    return DefinitionIssue("too_large", sheet, row, None, LocalText(zh, en))


def check_file_size(size: int, sheet: str) -> None:
    if size > MAX_FILE_BYTES:
        mib = MAX_FILE_BYTES // (1024 * 1024)
        raise FormDefinitionError([too_large(sheet, f"文件超过 {mib} MB", f"the file is larger than {mib} MB")])


def check_workbook(data: bytes) -> None:
    """Refuse a workbook that would cost too much to load (FormDefinitionError, code ``too_large``)."""
    check_file_size(len(data), "workbook")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise FormDefinitionError([DefinitionIssue("bad_file", "workbook", None, None, LocalText(
            "不是 xlsx 工作簿", "not an xlsx workbook"))]) from None  # fmt: skip
    try:
        with archive:
            _check_directory(archive.infolist())
            budget = _Budget()
            for info in archive.infolist():
                if _looks_like_xml(archive, info):  # by content: a part's name proves nothing
                    _scan_xml(archive, info, budget)
    except _Exceeded as exceeded:
        raise FormDefinitionError([DefinitionIssue("too_large", "workbook", None, None, exceeded.text)]) from None
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as error:
        raise FormDefinitionError([DefinitionIssue("bad_file", "workbook", None, None, LocalText(
            f"无法读取工作簿：{quoted(error)}", f"cannot read workbook: {quoted(error)}"))]) from None  # fmt: skip


def _check_directory(parts: list[zipfile.ZipInfo]) -> None:
    if len(parts) > MAX_PARTS:
        raise _Exceeded(f"工作簿的组成部分过多（{len(parts)} 个，上限 {MAX_PARTS}）",
                        f"the workbook has too many parts ({len(parts)}, at most {MAX_PARTS})")  # fmt: skip
    total = 0
    for info in parts:
        name = quoted(info.filename)
        if info.file_size > MAX_PART_BYTES:
            raise _Exceeded(f"工作簿的 {name} 解压后过大（{_mib(info.file_size)}，上限 {_mib(MAX_PART_BYTES)}）",
                            f"{name} inflates to {_mib(info.file_size)} (at most {_mib(MAX_PART_BYTES)})")  # fmt: skip
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Exceeded(f"工作簿的 {name} 压缩比异常（超过 {MAX_RATIO} 倍）",
                            f"{name} is compressed more than {MAX_RATIO} times: not a real workbook")  # fmt: skip
        total += info.file_size
    if total > MAX_INFLATED_BYTES:
        raise _Exceeded(f"工作簿解压后过大（{_mib(total)}，上限 {_mib(MAX_INFLATED_BYTES)}）",
                        f"the workbook inflates to {_mib(total)} (at most {_mib(MAX_INFLATED_BYTES)})")  # fmt: skip


class _Budget:
    """Elements openpyxl would hold, across all parts of one workbook."""

    def __init__(self) -> None:
        self.held = 0

    def hold(self) -> None:
        self.held += 1
        if self.held > MAX_HELD_ELEMENTS:
            raise _Exceeded(f"工作簿内容过多（超过 {MAX_HELD_ELEMENTS} 个元素）",
                            f"the workbook holds too much (more than {MAX_HELD_ELEMENTS} elements)")  # fmt: skip


def _looks_like_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part starts as XML does (images and other binary parts do not)."""
    with archive.open(info) as part:
        head = part.read(64)
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(bom)
    return head.replace(b"\x00", b"").lstrip().startswith(b"<")


def _scan_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> None:
    """Stream one part through expat, counting; nothing of it is kept."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    worksheet = info.filename.startswith("xl/worksheets/")
    name = quoted(info.filename)
    path: list[str] = []  # local names of the open elements (as deep as the budget allows)
    row_level = 0  # len(path) inside a worksheet row (sheetData > row), else 0
    in_row = rows = row_number = column = 0

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal row_level, in_row, rows, row_number, column
        local = tag.rsplit(" ", 1)[-1]
        if row_level:
            in_row += 1  # openpyxl builds a row, hands it over and clears it: counted per row
            if in_row > MAX_ROW_ELEMENTS:
                raise _Exceeded(f"{name} 的一行内容过多（超过 {MAX_ROW_ELEMENTS} 个元素）",
                                f"a row of {name} holds too much (more than {MAX_ROW_ELEMENTS} elements)")  # fmt: skip
            if local == "c" and len(path) == row_level:
                column = _column(attrs.get("r"), column + 1)
                if column > MAX_COLUMNS:
                    raise _Exceeded(f"{name} 超过 {MAX_COLUMNS} 列", f"{name} has more than {MAX_COLUMNS} columns")
        elif worksheet and local == "row" and path[-1:] == ["sheetData"]:
            # Rows past MAX_ROWS would not be read: refuse them rather than publish part of a sheet.
            rows += 1
            given = attrs.get("r", "")
            row_number = int(given) if given.isascii() and given.isdigit() else row_number + 1
            if rows > MAX_ROWS or row_number > MAX_ROWS:
                raise _Exceeded(f"{name} 超过 {MAX_ROWS} 行", f"{name} has more than {MAX_ROWS} rows")
            row_level, in_row, column = len(path) + 1, 0, 0
        else:
            budget.hold()
        path.append(local)

    def end(_tag: str) -> None:
        nonlocal row_level
        if len(path) == row_level:
            row_level = 0
        path.pop()

    def doctype(*_args) -> None:
        raise _Exceeded("工作簿含有 DOCTYPE 声明", "the workbook declares a DOCTYPE")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        with archive.open(info) as part:
            while chunk := part.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise FormDefinitionError([DefinitionIssue("bad_file", "workbook", None, None, LocalText(
            f"工作簿的 {quoted(info.filename)} 不是有效的 XML：{error}",
            f"{quoted(info.filename)} is not valid XML: {error}"))]) from None  # fmt: skip


def check_yaml(text: str) -> None:
    """Refuse YAML too large, too deep or with too many aliases, before anything is built from it."""
    check_file_size(len(text.encode("utf-8", "surrogatepass")), "yaml")
    depth = nodes = aliases = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if isinstance(event, yaml.AliasEvent):
                    aliases += 1
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if nodes > MAX_YAML_NODES or depth > MAX_YAML_DEPTH or aliases > MAX_YAML_ALIASES:
                raise FormDefinitionError([too_large(
                    "yaml", f"YAML 过大或嵌套过深（至多 {MAX_YAML_NODES} 个节点、{MAX_YAML_DEPTH} 层、{MAX_YAML_ALIASES} 个别名）",
                    f"the YAML is too large or too deep (at most {MAX_YAML_NODES} nodes, {MAX_YAML_DEPTH} levels, "
                    f"{MAX_YAML_ALIASES} aliases)")])  # fmt: skip
    except yaml.YAMLError as exc:
        raise FormDefinitionError([DefinitionIssue("bad_file", "yaml", None, None, LocalText(
            f"YAML 无法解析：{quoted(exc)}", f"not valid YAML: {quoted(exc)}"))]) from None  # fmt: skip


def _column(reference: str | None, following: int) -> int:
    """The column number of a cell reference such as "BZ5"; ``following`` when it has none."""
    letters = (reference or "").rstrip("0123456789")
    if not letters or not letters.isascii() or not letters.isalpha() or len(letters) > 3:
        return following
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
