"""A project kind is data (项目类型): a folder under ``kinds/`` with ``kind.yaml`` and the forms of its stages.

``kind.yaml`` says: the work blocks (工作板块) a call offers; how many projects a unit may apply for and
the default plan deadline; the stages and the form each one is filled with (``plan``, ``report`` every
quarter, ``midyear``, ``implementation``, ``rectification``) with their deadlines and reminders; the
review panel's criteria and weights for choosing projects (竞标评审), and the acceptance stages
(前期/中期/后期验收) with theirs; the reward grades. ``party_building`` (seeds 000 and 001) is shipped;
another kind is another folder, nothing more.

Everything is checked when loaded, and every problem is reported at once with where it is
(``kind.yaml: panel.criteria[2].weight: …``) in Chinese and English (``KindError``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from domain.forms import FieldType, FormDefinition, FormDefinitionError, LocalText, load_form_yaml

KINDS = Path(__file__).with_name("kinds")
STAGES = ("plan", "report", "midyear", "implementation", "rectification")
REQUIRED_STAGES = ("plan", "report", "implementation", "rectification")
UNIT_TYPES = ("department", "town_committee", "direct_committee", "general_branch", "branch")
# What the domain reads from a plan: these names must be in the plan form, with these types.
PLAN_FIELDS = {"title": FieldType.TEXT, "block": FieldType.CHOICE, "responsible": FieldType.TEXT,
               "budget": FieldType.DECIMAL, "starts_on": FieldType.DATE, "ends_on": FieldType.DATE,
               "nodes": FieldType.REPEAT}  # fmt: skip
NODE_FIELDS = {"node": FieldType.TEXT, "owner": FieldType.TEXT, "due": FieldType.DATE, "done_when": FieldType.TEXT}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_MONTH_DAY = re.compile(r"(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Issue:
    where: str
    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.where}: {self.en}"


class KindError(ValueError):
    """A kind with problems; ``issues`` lists every one."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("\n".join(str(issue) for issue in issues))


@dataclass(frozen=True)
class Choice:
    name: str
    label: LocalText


@dataclass(frozen=True)
class Criterion:
    name: str
    label: LocalText
    weight: Decimal


@dataclass(frozen=True)
class Scoring:
    """How a panel scores: each criterion 0..``scale``; a member's total is weighted to 100."""

    criteria: tuple[Criterion, ...]
    scale: int
    min_scores: int  # fewer scores than this: the result is shown as provisional

    @property
    def weight(self) -> Decimal:
        return sum((c.weight for c in self.criteria), Decimal(0))


@dataclass(frozen=True)
class AcceptanceStage:
    name: str
    label: LocalText
    requires: str | None  # a report stage that must be filed first (the final stage: the implementation report)


@dataclass(frozen=True)
class Stage:
    name: str
    form: FormDefinition
    every: str | None = None  # "quarter" for the quarterly report
    due_days: int | None = None  # days after the period (a quarter, a failed acceptance) it is due
    due: tuple[int, int] | None = None  # (month, day) in the project's year
    opens: tuple[int, int] | None = None  # a window: the mid-year check
    closes: tuple[int, int] | None = None
    remind_days: tuple[int, ...] = ()


@dataclass(frozen=True)
class Kind:
    id: str
    version: str
    name: LocalText
    blocks: tuple[Choice, ...]
    per_unit: int
    plan_deadline: tuple[int, int]
    drafters: tuple[str, ...]
    stages: dict[str, Stage]
    panel: Scoring
    acceptance: Scoring
    pass_mark: Decimal
    acceptance_stages: tuple[AcceptanceStage, ...]
    rewards: tuple[Choice, ...]

    def block(self, name: str) -> Choice | None:
        return next((b for b in self.blocks if b.name == name), None)

    def form(self, stage: str) -> FormDefinition:
        return self.stages[stage].form

    def deadline_in(self, year: int) -> date:
        month, day = self.plan_deadline
        return date(year, month, day)

    def acceptance_stage(self, name: str | None) -> AcceptanceStage | None:
        return next((s for s in self.acceptance_stages if s.name == name), None)

    def next_acceptance_stage(self, name: str | None) -> AcceptanceStage | None:
        names = [s.name for s in self.acceptance_stages]
        if name is None:
            return self.acceptance_stages[0]
        position = names.index(name) + 1 if name in names else len(names)
        return self.acceptance_stages[position] if position < len(names) else None


class _Reader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.issues: list[Issue] = []

    def issue(self, where: str, zh: str, en: str) -> None:
        self.issues.append(Issue(where if re.match(r"\w+\.yaml", where) else f"kind.yaml: {where}", zh, en))

    def text(self, raw: Any, where: str) -> LocalText:
        found = LocalText.of(raw)
        if found is None:
            self.issue(where, "缺少文字", "text is missing")
            return LocalText("?")
        return found

    def name(self, raw: Any, where: str) -> str:
        value = str(raw or "").strip()
        if not _NAME.fullmatch(value):
            self.issue(where, f"名称 {value or '（空）'} 应为小写字母、数字和下划线（至多 32 个）",
                       f"name {value or '(empty)'!r} must be lower-case letters, digits and underscores (at most 32)")  # fmt: skip
        return value

    def whole(self, raw: Any, where: str, *, low: int, high: int) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            self.issue(where, f"应为 {low} 到 {high} 之间的整数", f"must be a whole number from {low} to {high}")
            return low
        return raw

    def number(self, raw: Any, where: str, *, positive: bool) -> Decimal:
        try:
            value = Decimal(str(raw)) if not isinstance(raw, bool) and raw is not None else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or (positive and value == 0):
            self.issue(where, "应为正数" if positive else "应为非负数", "must be a positive number" if positive else "must be a number ≥ 0")
            return Decimal(1)
        return value

    def month_day(self, raw: Any, where: str) -> tuple[int, int]:
        match = _MONTH_DAY.fullmatch(str(raw or ""))
        if match:
            month, day = int(match[1]), int(match[2])
            try:
                date(2024, month, day)  # a leap year: 02-29 is a day
                return month, day
            except ValueError:
                pass
        self.issue(where, f"{raw!r} 应为 月-日，例如 \"04-15\"", f"{raw!r} must be a month and day such as \"04-15\"")
        return 1, 1

    def choices(self, raw: Any, where: str) -> tuple[Choice, ...]:
        if not isinstance(raw, list) or not raw:
            self.issue(where, "应为非空列表", "must be a non-empty list")
            return ()
        found: list[Choice] = []
        for index, entry in enumerate(raw):
            entry = entry if isinstance(entry, dict) else {}
            name = self.name(entry.get("name"), f"{where}[{index + 1}].name")
            if any(c.name == name for c in found):
                self.issue(f"{where}[{index + 1}].name", f"名称 {name} 重复", f"name {name!r} is used twice")
            found.append(Choice(name, self.text(entry.get("label"), f"{where}[{index + 1}].label")))
        return tuple(found)

    def scoring(self, raw: Any, where: str) -> Scoring:
        raw = raw if isinstance(raw, dict) else {}
        criteria: list[Criterion] = []
        entries = raw.get("criteria")
        if not isinstance(entries, list) or not entries:
            self.issue(f"{where}.criteria", "评分标准应为非空列表", "the criteria must be a non-empty list")
            entries = []
        for index, entry in enumerate(entries):
            entry = entry if isinstance(entry, dict) else {}
            at = f"{where}.criteria[{index + 1}]"
            name = self.name(entry.get("name"), f"{at}.name")
            if any(c.name == name for c in criteria):
                self.issue(f"{at}.name", f"评分项 {name} 重复", f"criterion {name!r} is used twice")
            criteria.append(Criterion(name, self.text(entry.get("label"), f"{at}.label"),
                                      self.number(entry.get("weight"), f"{at}.weight", positive=True)))  # fmt: skip
        return Scoring(tuple(criteria), self.whole(raw.get("scale"), f"{where}.scale", low=1, high=100),
                       self.whole(raw.get("min_scores", 1), f"{where}.min_scores", low=1, high=50))  # fmt: skip

    def form(self, file: Any, where: str, blocks: tuple[Choice, ...]) -> FormDefinition | None:
        path = self.folder / str(file or "")
        if not file or not path.is_file() or path.parent != self.folder:
            self.issue(where, f"表单文件 {file or '（未填写）'} 不存在", f"form file {file or '(none)'!r} does not exist")
            return None
        text = path.read_text(encoding="utf-8")
        if path.name == "plan.yaml":  # the plan's work blocks are the kind's
            doc = yaml.safe_load(text)
            if isinstance(doc, dict):
                doc["choices"] = {**(doc.get("choices") or {}),
                                  "blocks": [{"name": b.name, "label": {"zh": b.label.zh, "en": b.label.en}} for b in blocks]}  # fmt: skip
                text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        try:
            return load_form_yaml(text)
        except FormDefinitionError as error:
            for problem in error.issues:
                self.issues.append(Issue(f"{path.name}: {problem.sheet}" + (f" row {problem.row}" if problem.row else "")
                                         + (f" [{problem.column}]" if problem.column else ""),
                                         problem.message.zh, problem.message.en))  # fmt: skip
            return None


def load_kind(folder: Path) -> Kind:
    """Read and check a kind's folder; KindError lists every problem found."""
    reader = _Reader(folder)
    try:
        doc = yaml.safe_load((folder / "kind.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KindError([Issue("kind.yaml", f"无法读取：{error}", f"cannot be read: {error}")]) from None
    if not isinstance(doc, dict):
        raise KindError([Issue("kind.yaml", "顶层应为映射", "the top level must be a mapping")])
    kind_id = reader.name(doc.get("id"), "id")
    if kind_id and kind_id != folder.name:
        reader.issue("id", f"编号 {kind_id} 应与文件夹名 {folder.name} 相同", f"id {kind_id!r} must be the folder's name {folder.name!r}")
    blocks = reader.choices(doc.get("blocks"), "blocks")
    call = doc.get("call") if isinstance(doc.get("call"), dict) else {}
    per_unit = reader.whole(call.get("per_unit"), "call.per_unit", low=1, high=10)
    deadline = reader.month_day(call.get("plan_deadline"), "call.plan_deadline")
    drafters = call.get("drafters") if isinstance(call.get("drafters"), list) else []
    for index, unit_type in enumerate(drafters):
        if unit_type not in UNIT_TYPES:
            reader.issue(f"call.drafters[{index + 1}]", f"未知的单位类型 {unit_type}", f"unknown unit type {unit_type!r}")
    if not drafters:
        reader.issue("call.drafters", "应列出可以申报的单位类型", "must list the unit types that may apply")
    stages = _stages(reader, doc.get("stages"), blocks)
    panel = reader.scoring(doc.get("panel"), "panel")
    acceptance_raw = doc.get("acceptance") if isinstance(doc.get("acceptance"), dict) else {}
    acceptance = reader.scoring(acceptance_raw, "acceptance")
    pass_mark = reader.number(acceptance_raw.get("pass_mark"), "acceptance.pass_mark", positive=True)
    if pass_mark > 100:
        reader.issue("acceptance.pass_mark", "及格线应在 0 到 100 之间", "the pass mark must lie between 0 and 100")
    acceptance_stages = _acceptance_stages(reader, acceptance_raw.get("stages"), stages)
    rewards = reader.choices(doc.get("rewards"), "rewards")
    if rewards and not any(r.name == "none" for r in rewards):
        reader.issue("rewards", "应有一个名为 none 的“不予奖励”", "must include one named 'none' (no reward)")
    if "plan" in stages:
        _check_plan(reader, stages["plan"].form)
    if reader.issues:
        raise KindError(reader.issues)
    return Kind(kind_id, str(doc.get("version") or "1"), reader.text(doc.get("name"), "name"), blocks, per_unit,
                deadline, tuple(drafters), stages, panel, acceptance, pass_mark, acceptance_stages, rewards)  # fmt: skip


def _stages(reader: _Reader, raw: Any, blocks: tuple[Choice, ...]) -> dict[str, Stage]:
    raw = raw if isinstance(raw, dict) else {}
    for name in raw:
        if name not in STAGES:
            reader.issue(f"stages.{name}", f"未知的阶段 {name}（可用：{'、'.join(STAGES)}）",
                         f"unknown stage {name!r} (known: {', '.join(STAGES)})")  # fmt: skip
    for name in REQUIRED_STAGES:
        if name not in raw:
            reader.issue("stages", f"缺少阶段 {name}", f"stage {name!r} is missing")
    stages: dict[str, Stage] = {}
    for name in STAGES:
        entry = raw.get(name)
        if name not in raw:
            continue
        entry = entry if isinstance(entry, dict) else {}
        at = f"stages.{name}"
        form = reader.form(entry.get("form"), f"{at}.form", blocks)
        every = entry.get("every")
        if every not in (None, "quarter"):
            reader.issue(f"{at}.every", "目前只支持 quarter（每季度）", "only 'quarter' is supported")
        reminders = entry.get("remind_days", [])
        remind = tuple(reader.whole(d, f"{at}.remind_days", low=0, high=60) for d in reminders) if isinstance(reminders, list) else ()
        stage = Stage(
            name, form or FormDefinition(name, "1", LocalText(name), ()), every=every,
            due_days=reader.whole(entry["due_days"], f"{at}.due_days", low=0, high=366) if "due_days" in entry else None,
            due=reader.month_day(entry["due"], f"{at}.due") if "due" in entry else None,
            opens=reader.month_day(entry["from"], f"{at}.from") if "from" in entry else None,
            closes=reader.month_day(entry["until"], f"{at}.until") if "until" in entry else None,
            remind_days=remind,
        )  # fmt: skip
        if name == "report" and (stage.every is None or stage.due_days is None):
            reader.issue(at, "季度汇报需要 every: quarter 和 due_days", "the report needs every: quarter and due_days")
        if name == "implementation" and stage.due is None:
            reader.issue(at, "实施报告需要 due（月-日）", "the implementation report needs a due month-day")
        if name == "midyear" and (stage.opens is None or stage.closes is None or stage.opens > stage.closes):
            reader.issue(at, "年中检查需要 from 和 until（from 不晚于 until）", "the mid-year check needs from ≤ until")
        if name == "rectification" and stage.due_days is None:
            reader.issue(at, "整改需要 due_days", "rectification needs due_days")
        stages[name] = stage
    return stages


def _acceptance_stages(reader: _Reader, raw: Any, stages: dict[str, Stage]) -> tuple[AcceptanceStage, ...]:
    if not isinstance(raw, list) or not raw:
        reader.issue("acceptance.stages", "验收阶段应为非空列表", "the acceptance stages must be a non-empty list")
        return ()
    found: list[AcceptanceStage] = []
    for index, entry in enumerate(raw):
        entry = entry if isinstance(entry, dict) else {}
        at = f"acceptance.stages[{index + 1}]"
        name = reader.name(entry.get("name"), f"{at}.name")
        if name == "selection" or any(s.name == name for s in found):
            reader.issue(f"{at}.name", f"阶段名 {name} 重复或保留", f"stage name {name!r} is repeated or reserved")
        requires = entry.get("requires")
        if requires is not None and requires not in stages:
            reader.issue(f"{at}.requires", f"需要的阶段 {requires} 不存在", f"required stage {requires!r} does not exist")
        found.append(AcceptanceStage(name, reader.text(entry.get("label"), f"{at}.label"), requires))
    return tuple(found)


def _check_plan(reader: _Reader, plan: FormDefinition) -> None:
    if not plan.fields:
        return  # its own problems were reported
    for name, kind in PLAN_FIELDS.items():
        found = plan.field(name)
        if found is None or found.type is not kind:
            reader.issue(f"plan.yaml: {name}", f"计划表单需要 {kind.value} 类型的题目 {name}",
                         f"the plan form needs a {kind.value} field named {name!r}")  # fmt: skip
    nodes = plan.field("nodes")
    if nodes is not None and nodes.type is FieldType.REPEAT:
        for name, kind in NODE_FIELDS.items():
            found = next((f for f in nodes.fields if f.name == name), None)
            if found is None or found.type is not kind:
                reader.issue(f"plan.yaml: nodes.{name}", f"子项需要 {kind.value} 类型的题目 {name}",
                             f"a sub-item needs a {kind.value} field named {name!r}")  # fmt: skip


@cache
def shipped() -> dict[str, Kind]:
    """Every kind shipped under ``kinds/``, loaded once."""
    return {folder.name: load_kind(folder) for folder in sorted(KINDS.iterdir())
            if folder.is_dir() and (folder / "kind.yaml").is_file()}  # fmt: skip


def get(kind_id: str) -> Kind:
    return shipped()[kind_id]
