"""Load form definitions from YAML or from an XLSForm-like workbook, validating as we go.

Every problem is collected (not just the first) and reported as a DefinitionIssue with a code,
the sheet, the row (1-based as a spreadsheet shows it; for YAML the entry's index + 1) and the
column. Issue codes: ``bad_file``, ``missing_sheet``, ``missing_id``, ``missing_name``,
``bad_name``, ``duplicate_name``, ``unknown_type``, ``missing_label``, ``bad_rule``,
``unknown_reference``, ``forward_reference``, ``unknown_choice_list``, ``empty_choice_list``,
``duplicate_choice``, ``bad_value``, ``bad_group`` (a repeat group without fields, nested in another,
or a ``begin repeat`` row without its ``end repeat``), ``too_large`` (the file is refused before it is parsed, or a
sheet has more rows than are read: see ``bounds``).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from . import bounds
from .bounds import quoted
from .definition import (
    CHOICE_TYPES,
    NUMERIC_TYPES,
    TODAY,
    ChoiceOption,
    DefinitionIssue,
    Field,
    FieldType,
    FormDefinition,
    FormDefinitionError,
)
from .rules import Rule, RuleError, parse_rule
from .text import LocalText
from .wording import placeholders

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Names and option values travel in Telegram button data (64 bytes with the bot's own prefix).
MAX_NAME_BYTES = 40
_TRUE = frozenset({"true", "yes", "y", "1", "是", "必填", "需要", "有", "✅"})
_FALSE = frozenset({"false", "no", "n", "0", "否", "", "不需要", "无"})
_LOCALISED = ("label", "help", "constraint_message", "category", "clause", "unit", "title")

TYPE_ALIASES = {
    **{t.value: t for t in FieldType},
    "string": FieldType.TEXT, "select_one": FieldType.CHOICE,
    "select_multiple": FieldType.MULTI_CHOICE, "image": FieldType.PHOTO,
    "images": FieldType.PHOTOS, "file": FieldType.DOCUMENT, "geopoint": FieldType.LOCATION,
    "文本": FieldType.TEXT, "长文本": FieldType.LONG_TEXT, "整数": FieldType.INTEGER,
    "小数": FieldType.DECIMAL, "数字": FieldType.DECIMAL, "日期": FieldType.DATE,
    "单选": FieldType.CHOICE, "多选": FieldType.MULTI_CHOICE, "是否": FieldType.YES_NO,
    "照片": FieldType.PHOTO, "多张照片": FieldType.PHOTOS, "文件": FieldType.DOCUMENT,
    "位置": FieldType.LOCATION, "说明": FieldType.NOTE, "重复组": FieldType.REPEAT,
}
# XLSForm writes a repeat group as rows between these two (YAML: ``type: repeat`` with ``fields:``).
BEGIN_REPEAT = frozenset({"begin repeat", "begin_repeat", "开始重复组"})
END_REPEAT = frozenset({"end repeat", "end_repeat", "结束重复组"})

SURVEY_HEADERS = {
    "type": "type", "类型": "type", "name": "name", "名称": "name", "label": "label",
    "label::zh": "label", "题目": "label", "label::en": "label::en", "英文题目": "label::en",
    "required": "required", "必填": "required", "relevant": "relevant", "适用条件": "relevant",
    "constraint": "constraint", "校验": "constraint", "constraint_message": "constraint_message",
    "constraint_message::zh": "constraint_message", "校验提示": "constraint_message",
    "constraint_message::en": "constraint_message::en", "weight": "weight", "权重": "weight",
    "evidence": "evidence", "佐证": "evidence", "category": "category", "类别": "category",
    "category::en": "category::en", "pass": "pass", "达标条件": "pass", "clause": "clause",
    "条款": "clause", "clause::en": "clause::en", "unit": "unit", "单位": "unit",
    "unit::en": "unit::en", "min": "min", "最小值": "min", "max": "max", "最大值": "max",
    "help": "help", "hint": "help", "说明": "help", "帮助": "help", "help::en": "help::en",
    "hint::en": "help::en", "prefill": "prefill", "预填": "prefill", "choices": "choices",
    "选项表": "choices",
}
CHOICE_HEADERS = {
    "list_name": "list_name", "选项表": "list_name", "name": "name", "名称": "name",
    "label": "label", "label::zh": "label", "选项": "label", "label::en": "label::en",
    "英文选项": "label::en",
}
SETTINGS_HEADERS = {
    "form_id": "form_id", "id": "form_id", "表单编号": "form_id", "version": "version",
    "版本": "version", "title": "title", "form_title": "title", "title::zh": "title",
    "标题": "title", "title::en": "title::en", "英文标题": "title::en",
}


@dataclass(frozen=True)
class _Row:
    sheet: str
    row: int | None
    values: dict[str, Any]
    columns: dict[str, str]
    children: tuple[_Row, ...] = ()  # a repeat group's own fields

    def column(self, key: str) -> str:
        return self.columns.get(key, key)

    def text(self, key: str) -> LocalText | None:
        raw = self.values.get(key)
        english = self.values.get(f"{key}::en")
        if english not in (None, "") and not isinstance(raw, dict):
            raw = {"zh": raw, "en": english}
        return LocalText.of(raw)


def _msg(zh: str, en: str) -> LocalText:
    return LocalText(zh, en)


# --- entry points ---------------------------------------------------------------------------


def load_form_yaml(text: str) -> FormDefinition:
    """Load a definition written as YAML (``id, version, title, choices, fields``)."""
    bounds.check_yaml(text)
    try:
        doc = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise FormDefinitionError(
            [DefinitionIssue("bad_file", "yaml", None, None, _msg(f"YAML 无法解析：{quoted(exc)}", f"not valid YAML: {quoted(exc)}"))]
        ) from None
    if not isinstance(doc, dict):
        raise FormDefinitionError(
            [DefinitionIssue("bad_file", "yaml", None, None, _msg("YAML 顶层应为映射", "YAML top level must be a mapping"))]
        )
    settings = _Row("settings", None, {"form_id": doc.get("id"), "version": doc.get("version"), "title": doc.get("title")}, {"form_id": "id"})
    choice_rows: list[_Row] = []
    raw_choices = doc.get("choices") or {}
    if isinstance(raw_choices, dict):
        for list_name, options in raw_choices.items():
            for index, option in enumerate(options if isinstance(options, list) else []):
                values = dict(option) if isinstance(option, dict) else {"name": option}
                values["list_name"] = list_name
                choice_rows.append(_Row("choices", index + 1, values, {}))
    fields = doc.get("fields")
    field_rows = [_yaml_row("fields", index + 1, entry) for index, entry in enumerate(fields if isinstance(fields, list) else [])]
    return _Builder().build(settings, field_rows, choice_rows)


def _yaml_row(sheet: str, number: int, entry: Any) -> _Row:
    values = dict(entry) if isinstance(entry, dict) else {}
    inner = values.get("fields")
    children = tuple(_yaml_row(f"{sheet}[{number}].fields", i + 1, child) for i, child in enumerate(inner)) if isinstance(inner, list) else ()
    return _Row(sheet, number, values, {}, children)


def load_form_xlsx(data: bytes) -> FormDefinition:
    """Load an XLSForm-like workbook: sheets "survey", "choices" and optional "settings".

    The workbook is bounded before openpyxl opens it (``bounds.check_workbook``) and while it is read
    (at most ``MAX_ROWS`` rows of ``MAX_COLUMNS`` columns per sheet)."""
    bounds.check_workbook(data)
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise FormDefinitionError(
            [DefinitionIssue("bad_file", "workbook", None, None, _msg(f"无法读取工作簿：{quoted(exc)}", f"cannot read workbook: {quoted(exc)}"))]
        ) from None
    try:
        sheets = {name.strip().lower(): book[name] for name in book.sheetnames}
        survey = sheets.get("survey") or sheets.get("问卷") or sheets.get("题目")
        if survey is None:
            raise FormDefinitionError(
                [DefinitionIssue("missing_sheet", "survey", None, None, _msg("缺少 survey 工作表", "the workbook has no 'survey' sheet"))]
            )
        too_long: list[DefinitionIssue] = []
        field_rows = _sheet_rows(survey, "survey", SURVEY_HEADERS, too_long)
        choices = sheets.get("choices") or sheets.get("选项")
        choice_rows = _sheet_rows(choices, "choices", CHOICE_HEADERS, too_long) if choices is not None else []
        settings_sheet = sheets.get("settings") or sheets.get("设置")
        settings_rows = (
            _sheet_rows(settings_sheet, "settings", SETTINGS_HEADERS, too_long) if settings_sheet is not None else []
        )
    except FormDefinitionError:
        raise
    except Exception as exc:  # a part openpyxl reads only now (a sheet) may be broken too
        raise FormDefinitionError(
            [DefinitionIssue("bad_file", "workbook", None, None, _msg(f"无法读取工作簿：{quoted(exc)}", f"cannot read workbook: {quoted(exc)}"))]
        ) from None
    finally:
        book.close()
    if too_long:  # what was not read cannot be checked: say so rather than publish part of a sheet
        raise FormDefinitionError(too_long)
    settings = settings_rows[0] if settings_rows else _Row("settings", None, {}, {})
    return _Builder().build(settings, field_rows, choice_rows)


def _sheet_rows(sheet: Any, sheet_name: str, headers: dict[str, str], too_long: list[DefinitionIssue]) -> list[_Row]:
    """The sheet's rows with a value, reading at most MAX_ROWS rows of MAX_COLUMNS columns (a sheet's
    stated dimensions are not trusted: a row numbered 1,048,576 would otherwise be padded to)."""
    from openpyxl.utils import get_column_letter

    rows = sheet.iter_rows(max_row=bounds.MAX_ROWS + 1, max_col=bounds.MAX_COLUMNS, values_only=True)
    header = next(rows, None) or ()
    keys: list[str | None] = []
    columns: dict[str, str] = {}
    for index, cell in enumerate(header):
        key = headers.get(str(cell).strip().lower()) if cell is not None else None
        keys.append(key)
        if key:
            columns[key] = get_column_letter(index + 1)
    result = []
    for number, cells in enumerate(rows, start=2):
        values = {
            key: cell
            for key, cell in zip(keys, cells, strict=False)
            if key and cell is not None and str(cell).strip() != ""
        }
        if number > bounds.MAX_ROWS:
            if any(cell is not None for cell in cells):
                too_long.append(bounds.too_large(sheet_name, f"工作表 {sheet_name} 超过 {bounds.MAX_ROWS} 行",
                                                 f"sheet {sheet_name!r} has more than {bounds.MAX_ROWS} rows", row=number))  # fmt: skip
            break
        if values:
            result.append(_Row(sheet_name, number, values, columns))
    return result


# --- building -------------------------------------------------------------------------------


class _Builder:
    def __init__(self) -> None:
        self.issues: list[DefinitionIssue] = []
        self.inner: set[str] = set()  # names of repeat groups' own fields: unique too, but not readable outside

    def issue(self, code: str, row: _Row, key: str | None, zh: str, en: str) -> None:
        column = row.column(key) if key else None
        # Messages repeat the file's own text (a name, a type, a rule): keep each one short.
        message = _msg(quoted(zh, bounds.MAX_MESSAGE), quoted(en, bounds.MAX_MESSAGE))
        self.issues.append(DefinitionIssue(code, row.sheet, row.row, column, message))

    def build(self, settings: _Row, field_rows: list[_Row], choice_rows: list[_Row]) -> FormDefinition:
        form_id = str(settings.values.get("form_id") or "").strip()
        if not form_id:
            self.issue("missing_id", settings, "form_id", "缺少表单编号", "the form has no id")
        version = settings.values.get("version")
        title = settings.text("title") or LocalText(form_id or "?")
        choice_lists = self.choice_lists(choice_rows)
        fields: list[Field] = []
        seen: set[str] = set()
        for row in self.nest(field_rows):
            item = self.field(row, seen, choice_lists)
            if item is not None:
                fields.append(item)
        if not field_rows:
            self.issues.append(
                DefinitionIssue("missing_name", "fields", None, None, _msg("表单没有题目", "the form has no fields"))
            )
        if self.issues:
            raise FormDefinitionError(self.issues)
        return FormDefinition(form_id, str(version if version is not None else "1"), title, tuple(fields), choice_lists)

    def nest(self, rows: list[_Row]) -> list[_Row]:
        """Gather the rows between ``begin repeat`` and ``end repeat`` into their group's row."""
        result: list[_Row] = []
        group: tuple[_Row, list[_Row]] | None = None
        for row in rows:
            kind = str(row.values.get("type") or "").strip().lower()
            if kind in BEGIN_REPEAT:
                if group is not None:
                    self.issue("bad_group", row, "type", "重复组不能嵌套", "a repeat group cannot be inside another")
                    continue
                group = (row, [])
            elif kind in END_REPEAT:
                if group is None:
                    self.issue("bad_group", row, "type", "end repeat 前没有 begin repeat", "end repeat without begin repeat")
                    continue
                head, inner = group
                result.append(_Row(head.sheet, head.row, {**head.values, "type": "repeat"}, head.columns, tuple(inner)))
                group = None
            elif group is not None:
                group[1].append(row)
            else:
                result.append(row)
        if group is not None:
            head, inner = group
            self.issue("bad_group", head, "type", "begin repeat 缺少对应的 end repeat", "begin repeat without its end repeat")
            result.append(_Row(head.sheet, head.row, {**head.values, "type": "repeat"}, head.columns, tuple(inner)))
        return result

    def group_fields(self, row: _Row, name: str, seen: set[str], choice_lists: dict[str, Any]) -> tuple[Field, ...]:
        """A repeat group's own fields: their rules may read the form's earlier fields and the item's."""
        if not row.children:
            self.issue("bad_group", row, "fields", f"重复组 {name} 没有题目", f"repeat group {name!r} has no fields")
            return ()
        readable = set(seen)
        fields: list[Field] = []
        for child in row.children:
            kind = str(child.values.get("type") or "").strip().lower()
            if kind in BEGIN_REPEAT or TYPE_ALIASES.get(kind) is FieldType.REPEAT:
                self.issue("bad_group", child, "type", "重复组不能嵌套", "a repeat group cannot be inside another")
                continue
            item = self.field(child, readable, choice_lists)
            if item is not None:
                fields.append(item)
        self.inner |= {item.name for item in fields}
        return tuple(fields)

    def choice_lists(self, rows: list[_Row]) -> dict[str, tuple[ChoiceOption, ...]]:
        lists: dict[str, list[ChoiceOption]] = {}
        for row in rows:
            list_name = str(row.values.get("list_name") or "").strip()
            value = str(row.values.get("name") if row.values.get("name") is not None else "").strip()
            if not list_name or not value:
                self.issue("missing_name", row, "name" if list_name else "list_name", "选项缺少名称", "the option has no name")
                continue
            label = row.text("label")
            if label is None:
                self.issue("missing_label", row, "label", f"选项 {value} 缺少文字", f"option {value!r} has no label")
                label = LocalText(value)
            if len(value.encode()) > MAX_NAME_BYTES:
                self.issue("bad_name", row, "name", f"选项名称 {value} 过长（最多 {MAX_NAME_BYTES} 字节）",
                           f"option name {value!r} is longer than {MAX_NAME_BYTES} bytes")
                continue
            options = lists.setdefault(list_name, [])
            if any(option.value == value for option in options):
                self.issue("duplicate_choice", row, "name", f"选项 {value} 重复", f"option {value!r} appears twice in {list_name!r}")
                continue
            options.append(ChoiceOption(value, label))
        return {name: tuple(options) for name, options in lists.items()}

    def field(self, row: _Row, seen: set[str], choice_lists: dict[str, Any]) -> Field | None:
        values = row.values
        kind, list_name = self.field_type(row)
        name = str(values.get("name") or "").strip()
        if not name:
            self.issue("missing_name", row, "name", "题目缺少名称", "the field has no name")
            return None
        if not _NAME.fullmatch(name):
            self.issue("bad_name", row, "name", f"名称 {name} 只能用字母、数字和下划线", f"name {name!r} must be letters, digits and underscores")
        elif len(name) > MAX_NAME_BYTES:
            self.issue("bad_name", row, "name", f"名称 {name} 过长（最多 {MAX_NAME_BYTES} 个字符）",
                       f"name {name!r} is longer than {MAX_NAME_BYTES} characters")
        if name in seen or name in self.inner:
            self.issue("duplicate_name", row, "name", f"名称 {name} 重复", f"name {name!r} is used twice")
        label = row.text("label")
        if label is None:
            self.issue("missing_label", row, "label", f"题目 {name} 缺少题目文字", f"field {name!r} has no label")
        if kind in CHOICE_TYPES:
            list_name = list_name or str(values.get("choices") or "").strip() or None
            if not list_name or list_name not in choice_lists:
                self.issue(
                    "unknown_choice_list", row, "choices" if "choices" in values else "type",
                    f"选项表 {list_name or '（未填写）'} 不存在", f"choice list {list_name or '(none)'!r} does not exist",
                )
        self.wording(row, "help", seen)
        relevant = self.rule(row, "relevant", seen, name, allow_self=False)
        constraint = self.rule(row, "constraint", seen, name, allow_self=True)
        pass_rule = self.rule(row, "pass", seen, name, allow_self=True)
        seen.add(name)
        if kind is None:
            return None
        group = self.group_fields(row, name, seen - {name}, choice_lists) if kind is FieldType.REPEAT else ()
        if row.children and kind is not FieldType.REPEAT:
            self.issue("bad_group", row, "fields", f"只有重复组才有自己的题目（{name}）", f"only a repeat group has fields of its own ({name!r})")
        return Field(
            name=name,
            type=kind,
            label=label or LocalText(name),
            help=row.text("help"),
            required=self.flag(row, "required"),
            constraint=constraint,
            constraint_message=row.text("constraint_message"),
            relevant=relevant,
            unit=row.text("unit"),
            minimum=self.bound(row, "min", kind),
            maximum=self.bound(row, "max", kind),
            choices=list_name if kind in CHOICE_TYPES else None,
            category=row.text("category"),
            weight=self.weight(row),
            pass_rule=pass_rule,
            clause=row.text("clause"),
            evidence=self.flag(row, "evidence"),
            prefill=str(values["prefill"]).strip() if values.get("prefill") else None,
            fields=group,
        )

    def field_type(self, row: _Row) -> tuple[FieldType | None, str | None]:
        raw = str(row.values.get("type") or "").strip()
        head, _, rest = raw.partition(" ")
        kind = TYPE_ALIASES.get(head.lower()) or TYPE_ALIASES.get(head)
        if kind is None:
            self.issue("unknown_type", row, "type", f"未知的题型 {raw or '（空）'}", f"unknown field type {raw or '(empty)'!r}")
            return None, None
        return kind, rest.strip() or None

    def rule(self, row: _Row, key: str, earlier: set[str], name: str, *, allow_self: bool) -> Rule | None:
        source = row.values.get(key)
        if source is None or str(source).strip() == "":
            return None
        try:
            rule = parse_rule(str(source))
        except RuleError as exc:
            self.issue("bad_rule", row, key, f"规则有误：{exc.zh}", f"bad rule: {exc.en}")
            return None
        if rule.uses_current and not allow_self:
            self.issue("bad_rule", row, key, "适用条件不能使用 “.”", "a relevance rule cannot use '.'")
        for ref in rule.references:
            if ref in earlier or (allow_self and ref == name):
                continue
            if ref == name:
                self.issue("forward_reference", row, key, f"{key} 规则不能引用本题", f"the {key} rule refers to its own field")
            else:
                self.issue("unknown_reference", row, key, f"规则引用了不存在或在后面的题目 {ref}", f"the rule refers to {ref!r}, which is unknown or comes later")
        return rule

    def wording(self, row: _Row, key: str, earlier: set[str]) -> None:
        """Check the ``{= rule }`` placeholders of a help text (see ``wording``)."""
        text = row.text(key)
        for source in (text.zh, text.en) if text else ():
            try:
                rules = [parse_rule(found) for found in placeholders(source)]
            except (RuleError, ValueError) as exc:
                zh, en = (exc.zh, exc.en) if isinstance(exc, RuleError) else ("占位符 {= … } 没有闭合", str(exc))
                self.issue("bad_rule", row, key, f"文字中的规则有误：{zh}", f"bad rule in the text: {en}")
                return
            for ref in (r for rule in rules for r in rule.references if r not in earlier):
                self.issue("unknown_reference", row, key, f"文字引用了不存在或在后面的题目 {ref}",
                           f"the text refers to {ref!r}, which is unknown or comes later")  # fmt: skip
            if any(rule.uses_current for rule in rules):
                self.issue("bad_rule", row, key, "文字中的规则不能使用 “.”", "a rule in the text cannot use '.'")

    def flag(self, row: _Row, key: str) -> bool:
        raw = row.values.get(key)
        if raw is None or isinstance(raw, bool):
            return bool(raw)
        text = str(raw).strip().lower()
        if text in _TRUE:
            return True
        if text not in _FALSE:
            self.issue("bad_value", row, key, f"{key} 应为 是/否", f"{key} must be yes or no")
        return False

    def weight(self, row: _Row) -> Decimal:
        raw = row.values.get("weight")
        if raw is None:
            return Decimal(1)
        value = _decimal(raw)
        if value is None or value < 0:
            self.issue("bad_value", row, "weight", "权重应为非负数", "weight must be a number ≥ 0")
            return Decimal(1)
        return value

    def bound(self, row: _Row, key: str, kind: FieldType | None) -> Decimal | str | None:
        raw = row.values.get(key)
        if raw is None or kind is None:
            return None
        if kind is FieldType.DATE:
            if isinstance(raw, datetime):
                return raw.date().isoformat()
            if isinstance(raw, date):
                return raw.isoformat()
            text = str(raw).strip().lower()
            if text in (TODAY, "今天"):
                return TODAY
            try:
                return date.fromisoformat(text).isoformat()
            except ValueError:
                self.issue("bad_value", row, key, f"{key} 应为日期或 today", f"{key} must be a date or 'today'")
                return None
        value = _decimal(raw)
        if value is None or (kind not in NUMERIC_TYPES and (value < 0 or value != int(value))):
            self.issue("bad_value", row, key, f"{key} 应为数字", f"{key} must be a number")
            return None
        return value


def _decimal(raw: Any) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None
