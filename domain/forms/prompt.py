"""What to show next, as plain data for the templates (texts already in the user's locale).

Prompt kinds: ``question`` (ask ``question``; when ``confirm`` is set, ask instead whether that
answer is meant, with the buttons 是/否), ``review`` (the summary 汇总 with a score
preview when the form is a checklist), ``submitted`` and ``cancelled``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .answers import Rejection
from .context import FormContext, Walk, rule_env
from .definition import CHOICE_TYPES, YES_NO_OPTIONS, Field, FieldType, FormDefinition
from .scoring import ScoreResult, score
from .state import FormState, Phase
from .wording import fill


class PromptKind(StrEnum):
    QUESTION = "question"
    REVIEW = "review"
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Button:
    value: str
    label: str
    selected: bool = False


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    label: str
    help: str | None
    unit: str | None
    category: str | None
    required: bool
    evidence: bool
    minimum: str | None
    maximum: str | None
    answer: Any  # the answer already given (JSON-native), when coming back to a field
    display: str | None  # that answer as text
    pending_count: int  # photos / options gathered so far
    notes: tuple[str, ...]  # display-only notes placed just before this field
    returned: bool = False  # resubmitting: the committee returned this item
    reason: str | None = None  # and said why


@dataclass(frozen=True)
class ReviewLine:
    index: int
    name: str
    label: str
    category: str | None
    answer: Any
    display: str | None
    required: bool
    prefilled: bool
    changed: bool = False  # resubmitting: the answer differs from the returned attempt's
    returned: bool = False  # resubmitting: the committee returned this item

    @property
    def missing(self) -> bool:
        return self.answer is None and self.required


@dataclass(frozen=True)
class Prompt:
    kind: PromptKind
    form_id: str
    title: str
    locale: str
    question: Question | None = None
    index: int = 0
    total: int = 0
    choices: tuple[Button, ...] = ()
    can_back: bool = False
    can_skip: bool = False
    can_done: bool = False
    can_cancel: bool = True
    rejection: Rejection | None = None
    review: tuple[ReviewLine, ...] = ()
    score: ScoreResult | None = None
    quiet: bool = False  # the input was absorbed (a late album photo); no reply is needed
    supplement: bool = False  # a question an earlier answer added: numbered as that one, "（补充）"
    returned_left: int = 0  # resubmitting: returned items still to go through (this one included)
    confirm: Any = None  # an answer to the question awaiting 是/否 ("2025年12月11日，对吗？")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        data["score"] = self.score.to_json() if self.score else None
        return _plain(data)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    return value


def askable(defn: FormDefinition, settled: Walk) -> list[str]:
    """Fields to ask, in order: relevant, not notes, not answered by a prefilled fact."""
    relevant = set(settled.relevant)
    prefilled = set(settled.prefilled)
    return [
        item.name
        for item in defn.fields
        if item.name in relevant and not item.is_note and item.name not in prefilled
    ]


def numbered(defn: FormDefinition, settled: Walk, name: str) -> tuple[int, int, bool]:
    """Where ``name`` stands: (n, N, supplement) for "第 n/N 题".

    N counts the questions known when the form begins, those whose relevance the unit's facts
    decide, so it does not grow as answers are given. A question an answer adds (its relevance
    reads earlier answers) is a supplement (补充) of the question before it and carries its number.
    """
    order = askable(defn, settled)
    base = [n for n in order if not _follows_answers(defn.field(n))]
    if name in base:
        return base.index(name) + 1, len(base), False
    names = [item.name for item in defn.fields]
    position = names.index(name) if name in names else len(names)
    before = sum(1 for n in base if names.index(n) < position)
    index = max(before, 1)
    return index, max(len(base), index), True


def _follows_answers(item: Field | None) -> bool:
    return item is not None and item.relevant is not None and bool(item.relevant.references)


def build_prompt(
    defn: FormDefinition,
    state: FormState,
    settled: Walk,
    ctx: FormContext,
    *,
    rejection: Rejection | None = None,
    quiet: bool = False,
) -> Prompt:
    locale = ctx.locale
    base = {"form_id": defn.id, "title": defn.title.get(locale), "locale": locale, "rejection": rejection, "quiet": quiet}
    if state.phase is Phase.SUBMITTED:
        return Prompt(PromptKind.SUBMITTED, can_cancel=False, **base)
    if state.phase is Phase.CANCELLED:
        return Prompt(PromptKind.CANCELLED, can_cancel=False, **base)
    order = askable(defn, settled)
    if state.phase is Phase.REVIEW:
        return Prompt(
            PromptKind.REVIEW,
            review=_review_lines(defn, settled, ctx, state),
            score=score(defn, settled.answers, ctx) if defn.has_items else None,
            total=sum(1 for n in order if not _follows_answers(defn.field(n))),
            can_back=bool(order),
            **base,
        )
    item = defn.field(state.current or "")
    if item is None:  # the engine never leaves a state like this; show the review instead
        return Prompt(PromptKind.REVIEW, review=_review_lines(defn, settled, ctx, state), **base)
    if item.type is FieldType.REPEAT:
        from . import repeat

        return repeat.prompt(defn, state, item, ctx, base, order)
    answer = settled.answers.get(item.name)
    accumulating = item.type in (FieldType.PHOTOS, FieldType.MULTI_CHOICE)
    env = rule_env(defn, settled.answers, ctx)  # for text that depends on the unit (wording.py)
    question = Question(
        name=item.name,
        type=item.type.value,
        label=item.label.get(locale),
        help=fill(item.help.get(locale), env) if item.help else None,
        unit=item.unit.get(locale) if item.unit else None,
        category=item.category.get(locale) if item.category else None,
        required=item.required,
        evidence=item.evidence,
        minimum=None if item.minimum is None else str(item.minimum),
        maximum=None if item.maximum is None else str(item.maximum),
        answer=answer,
        display=display(defn, item, answer, locale),
        pending_count=len(state.pending),
        notes=_notes_before(defn, item, settled, locale),
        returned=item.name in state.returned,
        reason=state.returned.get(item.name),
    )
    index, total, supplement = numbered(defn, settled, item.name)
    if state.confirm is not None:
        yes_no = tuple(Button(option.value, option.label.get(locale)) for option in YES_NO_OPTIONS)
        return Prompt(PromptKind.QUESTION, question=question, index=index, total=total, choices=yes_no,
                      can_back=True, confirm=state.confirm, supplement=supplement, **base)  # fmt: skip
    selected = set(state.pending) if item.type is FieldType.MULTI_CHOICE else {_button_value(item, answer)}
    buttons = tuple(
        Button(option.value, option.label.get(locale), option.value in selected)
        for option in defn.options(item)
    )
    return Prompt(
        PromptKind.QUESTION,
        question=question,
        index=index,
        total=total,
        supplement=supplement,
        returned_left=len(state.revisit),
        choices=buttons,
        can_back=bool(state.history) or state.editing,
        can_skip=not item.required,
        can_done=accumulating or answer is not None,
        **base,
    )


def _button_value(item: Field, answer: Any) -> Any:
    if item.type is FieldType.YES_NO and isinstance(answer, bool):
        return "yes" if answer else "no"
    return answer if isinstance(answer, str) else None


def _notes_before(defn: FormDefinition, item: Field, settled: Walk, locale: str) -> tuple[str, ...]:
    notes: list[str] = []
    relevant = set(settled.relevant)
    for candidate in defn.fields:
        if candidate.name == item.name:
            break
        if candidate.is_note and candidate.name in relevant:
            notes.append(candidate.label.get(locale))
        elif candidate.name in relevant and candidate.name not in settled.prefilled:
            notes.clear()
    return tuple(notes)


def _review_lines(defn: FormDefinition, settled: Walk, ctx: FormContext, state: FormState) -> tuple[ReviewLine, ...]:
    lines = []
    relevant = set(settled.relevant)
    for item in defn.fields:
        if item.is_note or item.name not in relevant:
            continue
        answer = settled.answers.get(item.name)
        lines.append(
            ReviewLine(
                index=len(lines) + 1,
                name=item.name,
                label=item.label.get(ctx.locale),
                category=item.category.get(ctx.locale) if item.category else None,
                answer=answer,
                display=display(defn, item, answer, ctx.locale),
                required=item.required,
                prefilled=item.name in settled.prefilled,
                changed=state.earlier is not None and state.earlier.get(item.name) != answer,
                returned=item.name in state.returned,
            )
        )
    return tuple(lines)


def display(defn: FormDefinition, item: Field, answer: Any, locale: str) -> str | None:
    """An answer as short text: option labels, 是/否, a photo count, a number with its unit."""
    if answer is None:
        return None
    if item.type is FieldType.REPEAT:
        from . import repeat

        return repeat.summary(defn, item, answer, locale)
    english = locale == "en"
    if item.type is FieldType.YES_NO:
        return ("Yes" if answer else "No") if english else ("是" if answer else "否")
    if item.type in CHOICE_TYPES:
        labels = {option.value: option.label.get(locale) for option in defn.options(item)}
        values = answer if isinstance(answer, list) else [answer]
        return (", " if english else "、").join(labels.get(str(v), str(v)) for v in values)
    if item.type in (FieldType.PHOTO, FieldType.PHOTOS):
        count = len(answer) if isinstance(answer, list) else 1
        return f"{count} photo(s)" if english else f"{count} 张照片"
    if item.type is FieldType.DOCUMENT and isinstance(answer, dict):
        return str(answer.get("file_name") or ("document" if english else "文件"))
    if item.type is FieldType.LOCATION and isinstance(answer, dict):
        return f"{answer.get('lat')}, {answer.get('lon')}"
    text = str(answer)
    if item.unit is not None and item.type in (FieldType.INTEGER, FieldType.DECIMAL):
        text = f"{text} {item.unit.get(locale)}"
    return text
