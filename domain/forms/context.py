"""What the caller tells the engine about the world, and relevance worked out from it.

Glossary: unit 单位/党组织 (a branch 党支部 and its parent committee 上级党委: town_committee
镇党委/街道党工委, direct_committee 直属党委); domain 领域 (农村 rural, 社区 community, 机关
government, 国企 soe, 学校 school, 非公企业 private_enterprise, 社会组织 social_org, 事业单位
public_institution); fact 事实 — a value the caller already knows, e.g. "activity.monthly_ok".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .conditions import holds
from .definition import Field, FieldType, FormDefinition
from .rules import RuleEnv


@dataclass(frozen=True)
class UnitFacts:
    type: str | None = None
    domain: str | None = None
    parent_type: str | None = None
    founded: date | None = None

    def attributes(self, today: date) -> dict[str, Any]:
        """The ``unit.*`` names a rule may read."""
        years = None
        if self.founded is not None and self.founded <= today:
            years = today.year - self.founded.year
            if (today.month, today.day) < (self.founded.month, self.founded.day):
                years -= 1
        return {
            "type": self.type,
            "domain": self.domain,
            "parent_type": self.parent_type,
            "founded": self.founded,
            "founded_years": years,
        }

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "domain": self.domain, "parent_type": self.parent_type,
                "founded": self.founded.isoformat() if self.founded else None}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitFacts:
        founded = data.get("founded")
        return cls(type=data.get("type"), domain=data.get("domain"), parent_type=data.get("parent_type"),
                   founded=date.fromisoformat(founded) if founded else None)  # fmt: skip


@dataclass(frozen=True)
class FormContext:
    today: date
    unit: UnitFacts = field(default_factory=UnitFacts)
    facts: dict[str, Any] = field(default_factory=dict)
    locale: str = "zh"
    # The enclosing form's answers, typed, while an item of a repeat group is filled: its rules may
    # read the form's earlier fields (``${ends_on}``) as well as the item's own.
    outer: dict[str, Any] = field(default_factory=dict)


def typed_value(item: Field, raw: Any) -> Any:
    """Turn a stored (JSON-native) answer into the kind rules compare."""
    if raw is None:
        return None
    try:
        if item.type is FieldType.DECIMAL or item.type is FieldType.INTEGER:
            return Decimal(str(raw))
        if item.type is FieldType.DATE:
            return date.fromisoformat(raw)
    except (ValueError, ArithmeticError, TypeError):
        return None
    if isinstance(raw, list):
        return tuple(raw)
    return raw


def rule_env(
    defn: FormDefinition, answers: dict[str, Any], ctx: FormContext, current: Any = None
) -> RuleEnv:
    typed = dict(ctx.outer)
    for item in defn.fields:
        if item.name in answers:
            typed[item.name] = typed_value(item, answers[item.name])
    return RuleEnv(
        answers=typed,
        today=ctx.today,
        unit=ctx.unit.attributes(ctx.today),
        facts=dict(ctx.facts),
        current=current,
    )


def prefill_value(item: Field, ctx: FormContext) -> Any:
    """The answer a caller's fact gives this field, or None when it gives none (or a bad one).

    ``prefill`` names a key of ``ctx.facts``; a name starting with ``unit.`` reads the unit's
    attributes instead (e.g. ``unit.founded_years``).
    """
    if not item.prefill:
        return None
    if item.prefill.startswith("unit."):
        value = ctx.unit.attributes(ctx.today).get(item.prefill[5:])
    else:
        value = ctx.facts.get(item.prefill)
    return _coerce_fact(item, value)


def _coerce_fact(item: Field, value: Any) -> Any:
    if value is None:
        return None
    kind = item.type
    if kind is FieldType.YES_NO:
        return value if isinstance(value, bool) else None
    if kind is FieldType.INTEGER:
        ok = isinstance(value, int | Decimal) and not isinstance(value, bool) and value == int(value)
        return int(value) if ok else None
    if kind is FieldType.DECIMAL:
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return str(Decimal(str(value)).normalize())
        return None
    if kind is FieldType.DATE:
        return value.isoformat() if isinstance(value, date) else None
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT, FieldType.CHOICE):
        return value if isinstance(value, str) and value else None
    if kind is FieldType.MULTI_CHOICE:
        ok = isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
        return list(value) if ok else None
    return None


@dataclass(frozen=True)
class Walk:
    """The outcome of walking a form: kept answers, relevant fields, and prefilled fields."""

    answers: dict[str, Any]
    relevant: tuple[str, ...]
    prefilled: tuple[str, ...]


def walk(defn: FormDefinition, answers: dict[str, Any], ctx: FormContext) -> Walk:
    """Walk the fields in order, settling relevance and prefills.

    Rules may only read earlier fields, so one pass settles relevance: an irrelevant field's
    answer is dropped before any later rule sees it, and a prefilled fact replaces whatever was
    stored for its field.
    """
    kept: dict[str, Any] = {}
    relevant: list[str] = []
    prefilled: list[str] = []
    env = rule_env(defn, {}, ctx)
    for item in defn.fields:
        if item.relevant is not None and not holds(item.relevant, env):
            continue
        relevant.append(item.name)
        value = prefill_value(item, ctx)
        if value is not None:
            prefilled.append(item.name)
        elif item.name in answers:
            value = answers[item.name]
        if value is not None:
            kept[item.name] = value
            env.answers[item.name] = typed_value(item, value)
    return Walk(kept, tuple(relevant), tuple(prefilled))
