"""Form definitions: a form is data (表单即数据), one engine runs them all.

Glossary:
    form definition   表单定义 — fields in order plus choice lists, loaded from YAML or XLSX
    field             题目 — one question, or a display-only note (说明)
    checklist item    项目 / 目标任务书中的一项 — a field with a pass rule (达标条件)
    category          类别 — a group of checklist items (组织设置, 队伍建设, …)
    clause            条款 — the requirement shown when an item is not met
    evidence          佐证材料 — photos or documents that back an answer
    relevant          适用条件 — skip logic; the field is asked only when it holds
    constraint        校验 — a rule the answer must satisfy
    prefill           预填 — a fact supplied by the caller that answers the field by itself
    repeat group      重复组 — a field answered by a list of items, each with its own fields (子项)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .rules import Rule
from .text import LocalText


class FieldType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long_text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    YES_NO = "yes_no"
    PHOTO = "photo"
    PHOTOS = "photos"
    DOCUMENT = "document"
    LOCATION = "location"
    NOTE = "note"
    REPEAT = "repeat"  # a list of items with fields of their own: see repeat.py


NUMERIC_TYPES = frozenset({FieldType.INTEGER, FieldType.DECIMAL})
PHOTO_TYPES = frozenset({FieldType.PHOTO, FieldType.PHOTOS})
CHOICE_TYPES = frozenset({FieldType.CHOICE, FieldType.MULTI_CHOICE})

TODAY = "today"
"""A date bound meaning "the day the answer is given": ``max: today`` forbids future dates."""


@dataclass(frozen=True)
class ChoiceOption:
    """One option of a choice list: the stored value and its label."""

    value: str
    label: LocalText


@dataclass(frozen=True)
class Field:
    """One question (or note) of a form.

    ``minimum``/``maximum`` bound a number, a date (an ISO date or ``"today"``), the length of
    text, or how many photos/options may be given.
    """

    name: str
    type: FieldType
    label: LocalText
    help: LocalText | None = None
    required: bool = False
    constraint: Rule | None = None
    constraint_message: LocalText | None = None
    relevant: Rule | None = None
    unit: LocalText | None = None
    minimum: Decimal | str | None = None
    maximum: Decimal | str | None = None
    choices: str | None = None
    category: LocalText | None = None
    weight: Decimal = Decimal(1)
    pass_rule: Rule | None = None
    clause: LocalText | None = None
    evidence: bool = False
    prefill: str | None = None
    fields: tuple[Field, ...] = ()  # a repeat group's own fields (minimum/maximum bound how many items)

    @property
    def is_note(self) -> bool:
        return self.type is FieldType.NOTE

    @property
    def is_item(self) -> bool:
        """A checklist item: it has a pass rule and counts in the score."""
        return self.pass_rule is not None


@dataclass(frozen=True)
class FormDefinition:
    id: str
    version: str
    title: LocalText
    fields: tuple[Field, ...]
    choice_lists: dict[str, tuple[ChoiceOption, ...]] = field(default_factory=dict)

    def field(self, name: str) -> Field | None:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        return None

    def options(self, item: Field) -> tuple[ChoiceOption, ...]:
        """The options offered for a field; yes/no fields get 是/否."""
        if item.type is FieldType.YES_NO:
            return YES_NO_OPTIONS
        if item.choices:
            return self.choice_lists.get(item.choices, ())
        return ()

    @property
    def has_items(self) -> bool:
        return any(item.is_item for item in self.fields)

    def group(self, item: Field) -> FormDefinition:
        """One item of a repeat group as a form of its own (sharing this form's choice lists)."""
        return FormDefinition(f"{self.id}.{item.name}", self.version, item.label, item.fields, self.choice_lists)


YES_NO_OPTIONS = (
    ChoiceOption("yes", LocalText("是", "Yes")),
    ChoiceOption("no", LocalText("否", "No")),
)


@dataclass(frozen=True)
class DefinitionIssue:
    """One problem found while loading a definition, located as a spreadsheet shows it."""

    code: str
    sheet: str
    row: int | None
    column: str | None
    message: LocalText

    def __str__(self) -> str:
        where = f"{self.sheet}"
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" [{self.column}]"
        return f"{where}: {self.code}: {self.message.en}"


class FormDefinitionError(ValueError):
    """A definition with problems; ``issues`` lists every one of them."""

    def __init__(self, issues: list[DefinitionIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in issues))
