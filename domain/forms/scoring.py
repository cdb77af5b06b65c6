"""Scoring a checklist: a pure function of a definition, answers and the context.

Glossary: self-assessment 自评, evaluation 考评, item met 达标, item not met 未达标, not
applicable 不适用, problem list 问题清单 (the failing items with their clauses).

Each field with a pass rule is a checklist item. An item that is not relevant to this unit is
not applicable and does not count toward the maximum. A relevant item passes when its pass rule
holds (``.`` is the item's own answer); a relevant item left unanswered fails, since nothing
shows it is met.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .conditions import holds
from .context import FormContext, rule_env, typed_value, walk
from .definition import FormDefinition
from .text import LocalText


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ItemResult:
    name: str
    label: LocalText
    category: LocalText | None
    weight: Decimal
    outcome: Outcome
    clause: LocalText | None
    answered: bool

    @property
    def points(self) -> Decimal:
        return self.weight if self.outcome is Outcome.PASSED else Decimal(0)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label.to_json(),
            "category": self.category.to_json() if self.category else None,
            "weight": _number(self.weight),
            "outcome": self.outcome.value,
            "clause": self.clause.to_json() if self.clause else None,
            "answered": self.answered,
        }


@dataclass(frozen=True)
class CategoryScore:
    category: LocalText | None
    score: Decimal
    max_score: Decimal
    passed: int
    failed: int
    not_applicable: int

    @property
    def percentage(self) -> float | None:
        return _percentage(self.score, self.max_score)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category.to_json() if self.category else None,
            "score": _number(self.score),
            "max_score": _number(self.max_score),
            "percentage": self.percentage,
            "passed": self.passed,
            "failed": self.failed,
            "not_applicable": self.not_applicable,
        }


@dataclass(frozen=True)
class ScoreResult:
    items: tuple[ItemResult, ...]
    categories: tuple[CategoryScore, ...]
    score: Decimal
    max_score: Decimal

    @property
    def percentage(self) -> float | None:
        return _percentage(self.score, self.max_score)

    @property
    def failing(self) -> tuple[ItemResult, ...]:
        """The problem list: items not met, in form order."""
        return tuple(item for item in self.items if item.outcome is Outcome.FAILED)

    def category(self, zh: str) -> CategoryScore | None:
        for entry in self.categories:
            if entry.category is not None and entry.category.zh == zh:
                return entry
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "score": _number(self.score),
            "max_score": _number(self.max_score),
            "percentage": self.percentage,
            "categories": [entry.to_json() for entry in self.categories],
            "items": [item.to_json() for item in self.items],
            "failing": [item.name for item in self.failing],
        }


def score(defn: FormDefinition, answers: dict[str, Any], ctx: FormContext) -> ScoreResult:
    """Score the checklist items of ``defn`` against ``answers`` for the unit in ``ctx``."""
    settled = walk(defn, answers, ctx)
    env = rule_env(defn, settled.answers, ctx)
    relevant = set(settled.relevant)
    items: list[ItemResult] = []
    for item in defn.fields:
        if item.pass_rule is None:
            continue
        answered = item.name in settled.answers
        if item.name not in relevant:
            outcome = Outcome.NOT_APPLICABLE
        else:
            current = typed_value(item, settled.answers.get(item.name))
            passed = holds(item.pass_rule, _with_current(env, current))
            outcome = Outcome.PASSED if passed else Outcome.FAILED
        items.append(
            ItemResult(item.name, item.label, item.category, item.weight, outcome, item.clause, answered)
        )
    return ScoreResult(
        tuple(items),
        _by_category(items),
        sum((item.points for item in items), Decimal(0)),
        sum((item.weight for item in items if item.outcome is not Outcome.NOT_APPLICABLE), Decimal(0)),
    )


def _with_current(env: Any, current: Any) -> Any:
    return replace(env, current=current)


def _by_category(items: list[ItemResult]) -> tuple[CategoryScore, ...]:
    order: dict[str, LocalText | None] = {}
    for item in items:
        order.setdefault(item.category.zh if item.category else "", item.category)
    result = []
    for key, category in order.items():
        members = [item for item in items if (item.category.zh if item.category else "") == key]
        counted = [item for item in members if item.outcome is not Outcome.NOT_APPLICABLE]
        result.append(
            CategoryScore(
                category,
                sum((item.points for item in members), Decimal(0)),
                sum((item.weight for item in counted), Decimal(0)),
                sum(1 for item in members if item.outcome is Outcome.PASSED),
                sum(1 for item in members if item.outcome is Outcome.FAILED),
                sum(1 for item in members if item.outcome is Outcome.NOT_APPLICABLE),
            )
        )
    return tuple(result)


def _percentage(part: Decimal, whole: Decimal) -> float | None:
    if whole <= 0:
        return None
    return round(float(part / whole * 100), 1)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
