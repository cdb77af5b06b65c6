"""Forms made from a kind and a project: the call, endorsement, score sheets, decisions, quarterly reports.

The kind's own forms (the plan, the implementation report, …) are files; these are made from its data
(the panel's criteria and weights, the reward grades, the project's quality nodes), so a kind says a
thing once. Each is built as a definition document and loaded by the forms engine like any file (so
it is checked the same way), and kept: the same document gives the same definition.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml

from domain.forms import Field, FieldType, FormDefinition, LocalText, load_form_yaml
from domain.projects.kind import Kind, Scoring


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _lt(label: LocalText) -> dict[str, str]:
    return {"zh": label.zh, "en": label.en or label.zh}


@lru_cache(maxsize=512)
def _load(document: str) -> FormDefinition:
    return load_form_yaml(yaml.safe_dump(json.loads(document), allow_unicode=True, sort_keys=False))


def build(form_id: str, title: dict[str, str], fields: list[dict[str, Any]], choices: dict | None = None) -> FormDefinition:
    doc = {"id": form_id, "version": "1", "title": title, "choices": choices or {}, "fields": fields}
    return _load(json.dumps(doc, ensure_ascii=False, sort_keys=True))


def call_form(kind: Kind) -> FormDefinition:
    blocks = [{"name": b.name, "label": _lt(b.label)} for b in kind.blocks]
    return build(f"{kind.id}.call", _t(f"发布{kind.name.zh}申报通知", f"Open a call for {kind.name.en or kind.name.zh}"), [
        {"name": "year", "type": "integer", "required": True, "min": 2000, "max": 2100, "label": _t("年度", "Year")},
        {"name": "blocks", "type": "multi_choice", "choices": "blocks", "required": True,
         "label": _t("工作板块（可多选）", "Work blocks")},
        {"name": "max_per_unit", "type": "integer", "required": True, "min": 1, "max": kind.per_unit,
         "label": _t(f"每个单位可申报的项目数（1–{kind.per_unit}）", f"Projects a unit may apply for (1–{kind.per_unit})")},
        {"name": "deadline", "type": "date", "required": True, "min": "today",
         "label": _t("方案报送截止日期", "Deadline for plans"),
         "help": _t(f"按通知一般为 {kind.plan_deadline[0]}月{kind.plan_deadline[1]}日", "")},
        {"name": "topics", "type": "long_text", "label": _t("参考选题（每行一个，可不填）", "Reference topics, one a line (optional)")},
    ], {"blocks": blocks})  # fmt: skip


def _note(name: str, zh: str, en: str) -> dict[str, Any]:
    return {"name": name, "type": "note", "label": _t(zh, en)}


def endorsement_form(kind: Kind, summary: tuple[str, str]) -> FormDefinition:
    return build(f"{kind.id}.endorse", _t("项目审核推荐", "Endorse a project plan"), [
        _note("plan", *summary),
        {"name": "verdict", "type": "choice", "choices": "verdict", "required": True,
         "label": _t("审核意见", "Your decision")},
        {"name": "reasons", "type": "long_text", "required": True, "relevant": "${verdict} = 'return'",
         "label": _t("退回理由和修改要求", "Why it is returned, and what to change")},
        {"name": "comment", "type": "long_text", "relevant": "${verdict} = 'endorse'",
         "label": _t("推荐意见（可不填）", "Comment (optional)")},
    ], {"verdict": [{"name": "endorse", "label": _t("同意，推荐报组织部", "Endorse and forward")},
                    {"name": "return", "label": _t("退回修改", "Return for changes")}]})  # fmt: skip


def score_fields(scoring: Scoring) -> list[dict[str, Any]]:
    return [{"name": c.name, "type": "integer", "required": True, "min": 0, "max": scoring.scale,
             "label": _t(f"{c.label.zh}（权重 {c.weight}，0–{scoring.scale} 分）",
                         f"{c.label.en or c.label.zh} (weight {c.weight}, 0–{scoring.scale})")}
            for c in scoring.criteria]  # fmt: skip


def score_form(kind: Kind, summary: tuple[str, str]) -> FormDefinition:
    return build(f"{kind.id}.score", _t("项目评审打分", "Score a project plan"), [
        _note("plan", *summary), *score_fields(kind.panel),
        {"name": "comment", "type": "long_text", "required": True, "label": _t("评审意见", "Comment")},
    ])  # fmt: skip


def decision_form(kind: Kind, standing: tuple[str, str]) -> FormDefinition:
    return build(f"{kind.id}.decide", _t("立项决定", "Decide on a project"), [
        _note("standing", *standing),
        {"name": "verdict", "type": "choice", "choices": "verdict", "required": True, "label": _t("决定", "Decision")},
        {"name": "reasons", "type": "long_text", "required": True, "label": _t("理由", "Reasons")},
    ], {"verdict": [{"name": "select", "label": _t("立项（中标）", "Select")},
                    {"name": "reject", "label": _t("不予立项", "Not selected")}]})  # fmt: skip


def acceptance_form(kind: Kind, stage: str, summary: tuple[str, str]) -> FormDefinition:
    found = kind.acceptance_stage(stage)
    label = found.label if found else LocalText(stage)
    return build(f"{kind.id}.accept.{stage}", _t(f"项目{label.zh}评分", f"{label.en or label.zh}: scores"), [
        _note("plan", *summary), *score_fields(kind.acceptance),
        {"name": "comment", "type": "long_text", "required": True, "label": _t("验收意见", "Comment")},
    ])  # fmt: skip


def reward_form(kind: Kind, standing: tuple[str, str]) -> FormDefinition:
    grades = [{"name": r.name, "label": _lt(r.label)} for r in kind.rewards]
    return build(f"{kind.id}.reward", _t("项目奖励", "Reward a project"), [
        _note("standing", *standing),
        {"name": "grade", "type": "choice", "choices": "grades", "required": True, "label": _t("奖励等次", "Reward")},
        {"name": "reason", "type": "long_text", "required": True, "label": _t("理由", "Reason")},
    ], {"grades": grades})  # fmt: skip


def accountability_form(kind: Kind, standing: tuple[str, str]) -> FormDefinition:
    return build(f"{kind.id}.account", _t("追究项目责任", "Hold the responsible person to account"), [
        _note("standing", *standing),
        {"name": "reason", "type": "long_text", "required": True,
         "label": _t("未按要求完成项目计划的情况和追责意见", "How the plan was not met, and the accountability")},
    ])  # fmt: skip


def report_form(kind: Kind, nodes: list[tuple[int, str, date, int]]) -> FormDefinition:
    """The quarterly report: each quality node's percent done (``(seq, title, due, percent)``), then the kind's fields."""
    base = kind.form("report")
    asked = tuple(
        Field(name=f"node_{seq}", type=FieldType.INTEGER, required=True, minimum=Decimal(0), maximum=Decimal(100),
              unit=LocalText("%", "%"),
              label=LocalText(f"子项 {seq}：{title}（时限 {due:%Y-%m-%d}，上次 {percent}%）完成百分比",
                              f"Sub-item {seq}: {title} (due {due:%Y-%m-%d}, last {percent}%) percent done"))
        for seq, title, due, percent in nodes
    )  # fmt: skip
    return FormDefinition(base.id, base.version, base.title, asked + base.fields, base.choice_lists)
