"""The spot-check form (现场检查表), generated from the branch's own checklist.

The inspector shares the location, picks the checklist's categories to look at, and for each item of
those categories records what they found: 达标 (pass), 未达标 (fail) or 未查看 (not seen); for an
item looked at, the method (听 listen, 查 check records, 看 look on site, 评 evaluate); for a failing
one its severity, a note and photos. A revisit (回头看) always asks the items it came to look at again.

Field names: ``<item>__r`` finding, ``__m`` method, ``__s`` severity, ``__n`` note, ``__p`` photos.
Pure: the same checklist, kind and targets give the same form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from domain.forms import FormDefinition, load_form_yaml

FORM_ID = "spot_check"
OUTCOMES = (("pass", "✅ 达标", "✅ Met"), ("fail", "❌ 未达标", "❌ Not met"), ("unseen", "未查看", "Not seen"))
METHODS = (("listen", "听", "Listen"), ("check", "查", "Check records"), ("look", "看", "Look"),
           ("assess", "评", "Evaluate"))  # fmt: skip
SEVERITIES = (("general", "一般", "Minor"), ("serious", "较重", "Serious"), ("grave", "严重", "Grave"))


@dataclass(frozen=True)
class Finding:
    item: str
    category: str | None
    clause: str
    outcome: str  # pass | fail | unseen
    method: str | None
    severity: str | None
    note: str | None
    photos: list[dict[str, Any]]


def _choices(options: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]]:
    return [{"name": name, "label": {"zh": zh, "en": en}} for name, zh, en in options]


def _categories(checklist: FormDefinition) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for item in checklist.fields:
        if item.is_item and item.category and item.category.zh not in [c["zh"] for c in seen]:
            seen.append({"zh": item.category.zh, "en": item.category.en or item.category.zh})
    return seen


def _unit_rule(source: str | None) -> str | None:
    """An item's own relevance when it reads only the unit (an answer of the self-assessment is not asked here)."""
    return source if source and "${" not in source else None


def _build(checklist: FormDefinition, targets: tuple[str, ...]) -> FormDefinition:
    categories = _categories(checklist)
    code = {c["zh"]: f"c{n}" for n, c in enumerate(categories, start=1)}
    fields: list[dict[str, Any]] = [
        {"name": "location", "type": "location",
         "label": {"zh": "检查位置", "en": "Where the inspection takes place"},
         "help": {"zh": "点 📎 → 位置，发送当前位置；不便发送可跳过。",
                  "en": "Tap 📎 → Location to send where you are; skip if you cannot."}},
        {"name": "categories", "type": "multi_choice", "choices": "categories", "required": not targets,
         "label": {"zh": "检查哪些类别" if not targets else "回头看之外，另外检查哪些类别（可跳过）",
                   "en": "Which categories to inspect" if not targets else "Other categories to inspect as well"}},
    ]  # fmt: skip
    for item in checklist.fields:
        if not item.is_item:
            continue
        category = item.category.zh if item.category else None
        shown = [f"selected(${{categories}}, '{code[category]}')"] if category in code else []
        unit_rule = _unit_rule(item.relevant.source if item.relevant else None)
        relevant = "true" if item.name in targets else " or ".join(shown) or "false"
        if unit_rule and item.name not in targets:
            relevant = f"({relevant}) and ({unit_rule})"
        clause = item.clause or item.label
        label = {"zh": clause.zh, "en": clause.en or clause.zh}
        cat = {"zh": category, "en": item.category.en or category} if category else None
        r, looked, failed = f"{item.name}__r", f"${{{item.name}__r}} != 'unseen'", f"${{{item.name}__r}} == 'fail'"
        fields += [
            {"name": r, "type": "choice", "choices": "outcomes", "required": True, "relevant": relevant,
             "label": label, **({"category": cat} if cat else {})},
            {"name": f"{item.name}__m", "type": "choice", "choices": "methods", "required": True, "relevant": looked,
             "label": {"zh": f"检查方式：{clause.zh}", "en": f"How it was checked: {label['en']}"}},
            {"name": f"{item.name}__s", "type": "choice", "choices": "severities", "required": True,
             "relevant": failed, "label": {"zh": f"严重程度：{clause.zh}", "en": f"Severity: {label['en']}"}},
            {"name": f"{item.name}__n", "type": "long_text", "relevant": failed,
             "label": {"zh": f"问题说明：{clause.zh}", "en": f"What was found: {label['en']}"}},
            {"name": f"{item.name}__p", "type": "photos", "evidence": True, "max": 10, "relevant": failed,
             "label": {"zh": f"现场照片：{clause.zh}", "en": f"Photos: {label['en']}"}},
        ]  # fmt: skip
    fields.append({"name": "summary", "type": "long_text",
                   "label": {"zh": "总体意见", "en": "Overall remarks"}})  # fmt: skip
    spec = {
        "id": FORM_ID, "version": checklist.version,
        "title": {"zh": "现场检查", "en": "Spot check on site"},
        "choices": {"categories": [{"name": code[c["zh"]], "label": c} for c in categories],
                    "outcomes": _choices(OUTCOMES), "methods": _choices(METHODS), "severities": _choices(SEVERITIES)},
        "fields": fields,
    }  # fmt: skip
    return load_form_yaml(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


_BUILT: dict[tuple[str, str, tuple[str, ...]], FormDefinition] = {}  # built once: every answer reads it


def definition(checklist: FormDefinition, targets: list[str] | None = None) -> FormDefinition:
    """The spot-check form over ``checklist`` (a revisit's ``targets`` are always asked)."""
    key = (checklist.id, checklist.version, tuple(sorted(targets or ())))
    if key not in _BUILT:
        if len(_BUILT) > 256:
            _BUILT.clear()
        _BUILT[key] = _build(checklist, key[2])
    return _BUILT[key]


def findings(checklist: FormDefinition, answers: dict[str, Any]) -> list[Finding]:
    """What was recorded for each item looked at (or marked not seen), in checklist order."""
    found = []
    for item in checklist.fields:
        outcome = answers.get(f"{item.name}__r") if item.is_item else None
        if outcome is None:
            continue
        clause = item.clause or item.label
        found.append(Finding(item=item.name, category=item.category.zh if item.category else None, clause=clause.zh,
                             outcome=outcome, method=answers.get(f"{item.name}__m"),
                             severity=answers.get(f"{item.name}__s"), note=answers.get(f"{item.name}__n"),
                             photos=list(answers.get(f"{item.name}__p") or [])))  # fmt: skip
    return found

