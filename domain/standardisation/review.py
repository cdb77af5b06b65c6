"""The committee's evaluation (组织考评) of a submission, run as a form on the one engine.

The form is generated from the submission's own items: pick the items to override (改判), give a
reason for each, then decide passed (达标) or returned (退回, with reasons).
"""

from __future__ import annotations

from typing import Any

import yaml

from domain.forms import FormDefinition, load_form_yaml
from storage.models import Submission

FORM_ID = "evaluation"
_OUTCOME = {"passed": ("达标", "met"), "failed": ("未达标", "not met")}


def definition(submission: Submission) -> FormDefinition:
    """The evaluation form for ``submission`` (its assessed items, numbered as the secretary saw them)."""
    items = [i for i in (submission.score or {}).get("items", []) if i["outcome"] != "not_applicable"]
    options, reasons = [], []
    for n, item in enumerate(items, start=1):
        zh_outcome, en_outcome = _OUTCOME[item["outcome"]]
        label = item["label"]
        options.append({"name": item["name"], "label": {
            "zh": f"#{n} {label['zh']}（{zh_outcome}）",
            "en": f"#{n} {label.get('en') or label['zh']} (self-assessed: {en_outcome})"}})  # fmt: skip
        reasons.append({"name": f"reason_{n}", "type": "text", "required": True,
                        "relevant": f"selected(${{overrides}}, '{item['name']}')",
                        "label": {"zh": f"改判理由：#{n} {label['zh']}",
                                  "en": f"Reason for overriding #{n} {label.get('en') or label['zh']}"}})  # fmt: skip
    spec: dict[str, Any] = {
        "id": FORM_ID,
        "version": f"s{submission.id}r{submission.round}",
        "title": {"zh": "组织考评", "en": "Committee evaluation"},
        "choices": {
            "items": options or [{"name": "none", "label": {"zh": "（无可改判条目）", "en": "(no items)"}}],
            "decisions": [{"name": "passed", "label": {"zh": "✅ 达标（通过）", "en": "✅ Passed"}},
                          {"name": "returned", "label": {"zh": "↩️ 退回修改", "en": "↩️ Return for changes"}}],
        },  # fmt: skip
        "fields": [
            {"name": "overrides", "type": "multi_choice", "choices": "items", "required": False,
             "label": {"zh": "逐项审核：选择与自评结论不同、需要改判的条目（可多选；都同意则直接点“完成”或“跳过”）",
                       "en": "Item by item: choose the items whose self-assessment you override "
                             "(several allowed; press Done or Skip if you agree with all)"}},
            *reasons,
            {"name": "decision", "type": "choice", "choices": "decisions", "required": True,
             "label": {"zh": "考评结论", "en": "Decision"}},
            {"name": "reasons", "type": "long_text", "required": True, "relevant": "${decision} == 'returned'",
             "label": {"zh": "退回理由（将发给支部书记）", "en": "Reasons for returning (sent to the secretary)"}},
        ],  # fmt: skip
    }
    return load_form_yaml(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False))


def verdicts(submission: Submission, answers: dict[str, Any]) -> tuple[dict[str, str], bool, str | None]:
    """Read a finished evaluation: (overridden item → reason, passed?, reasons)."""
    items = [i for i in (submission.score or {}).get("items", []) if i["outcome"] != "not_applicable"]
    chosen = set(answers.get("overrides") or [])
    overrides = {item["name"]: answers.get(f"reason_{n}", "")
                 for n, item in enumerate(items, start=1) if item["name"] in chosen}  # fmt: skip
    return overrides, answers.get("decision") == "passed", answers.get("reasons")
