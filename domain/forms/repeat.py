"""Repeat groups (重复组): a field answered by a list of items, each with fields of its own.

A project plan's sub-items (子项分解) are one: each has an owner, a due date and what counts as done.
The answer is a list of dicts (the items' own answers, JSON-native as any answer). While the group is
the current field the person sees the list so far with buttons to add an item, edit or remove one,
and 完成 to go on; ``minimum``/``maximum`` bound how many items there are.

An item is filled as a form of its own (``FormDefinition.group``) by the same engine, so it gets
every field type, skip, back, "keep the answer", relevance and constraints. Its rules may read the
enclosing form's earlier answers (``FormContext.outer``), e.g. a due date no later than
``${ends_on}``; on submit every item is checked again against the form's answers as they are then.

State: while an item is open, ``FormState.pending`` holds one entry, ``{"index": n or None (a new
item), "state": the item's FormState as JSON}``; with ``pending`` empty the list is shown. Back on an
item's first question leaves it unchanged (a new one is dropped); Cancel still cancels the whole form.

Buttons (Choice values; ``~`` cannot begin a loaded name): ``~add``, ``~e<n>`` edit item n,
``~d<n>`` remove item n. Rejection codes: ``too_many`` / ``too_few`` (items), ``use_buttons`` (a
message while the list is shown), ``item_invalid`` (an item no longer fits, found on submit).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from .answers import Rejection
from .conditions import holds
from .context import FormContext, rule_env, typed_value, walk
from .definition import Field, FieldType, FormDefinition
from .prompt import Button, Prompt, PromptKind, Question, askable, display
from .state import (
    Back,
    Choice,
    Document,
    Done,
    FormState,
    Location,
    Phase,
    Photo,
    Submit,
    Text,
    UserInput,
)
from .text import LocalText

ADD, EDIT, DROP = "~add", "~e", "~d"
ADD_LABEL = LocalText("➕ 添加一项", "➕ Add an item")
Outcome = tuple[FormState, Rejection | None]


def items_of(answer: Any) -> list[dict[str, Any]]:
    return [item for item in answer if isinstance(item, dict)] if isinstance(answer, list) else []


def _bound(value: Any) -> int | None:
    return int(value) if isinstance(value, Decimal) else None


def _inner(defn: FormDefinition, answers: dict[str, Any], ctx: FormContext) -> FormContext:
    """The context an item is filled in: the enclosing form's answers readable by its rules."""
    env = rule_env(defn, answers, ctx)
    return replace(ctx, outer=env.answers)


def _open(state: FormState) -> tuple[int | None, FormState] | None:
    """The item being filled (its index, None for a new one, and its state), if any."""
    if len(state.pending) != 1 or not isinstance(state.pending[0], dict):
        return None
    entry = state.pending[0]
    try:
        index = entry.get("index")
        return (int(index) if index is not None else None), FormState.from_json(entry["state"])
    except (KeyError, TypeError, ValueError):
        return None


def _opened(state: FormState, index: int | None, inner: FormState) -> FormState:
    return replace(state, pending=({"index": index, "state": inner.to_json()},))


def advance(defn: FormDefinition, state: FormState, item: Field, user_input: UserInput,
            ctx: FormContext) -> Outcome | None:  # fmt: skip
    """Apply an input to the group ``item`` (the current field); None leaves it to the engine
    (back, skip, review, 完成 with enough items, …)."""
    from .engine import advance as advance_item
    from .engine import start as start_item

    group = defn.group(item)
    inner_ctx = _inner(defn, state.answers, ctx)
    items = items_of(state.answers.get(item.name))
    opened = _open(state)
    if opened is None:
        if isinstance(user_input, Choice):
            value = user_input.value
            if value == ADD:
                limit = _bound(item.maximum)
                if limit is not None and len(items) >= limit:
                    return state, Rejection("too_many", {"max": limit})
                return _store(defn, state, item, None, start_item(group, inner_ctx).state, inner_ctx)
            number = _number(value, len(items))
            if number is not None and value.startswith(EDIT):
                order = askable(group, walk(group, items[number - 1], inner_ctx))
                inner = FormState(group.id, group.version, Phase.ASKING, order[0] if order else None,
                                  answers=dict(items[number - 1]))  # fmt: skip
                return _opened(state, number - 1, inner), None
            if number is not None and value.startswith(DROP):
                kept = items[: number - 1] + items[number:]
                answers = {k: v for k, v in state.answers.items() if k != item.name}
                return replace(state, answers={**answers, item.name: kept} if kept else answers), None
            return state, Rejection("not_a_choice")
        if isinstance(user_input, Done):
            least = _bound(item.minimum)
            if items and least is not None and len(items) < least:
                return state, Rejection("too_few", {"min": least})
            return None
        if isinstance(user_input, Text | Photo | Document | Location):
            return state, Rejection("use_buttons")
        return None
    index, inner = opened
    if isinstance(user_input, Back) and inner.phase is Phase.ASKING and not inner.history and not inner.editing:
        return replace(state, pending=()), None  # leave the item as it was
    step = advance_item(group, inner, user_input, inner_ctx)
    if step.state == inner and step.prompt.rejection is not None:
        return state, step.prompt.rejection
    return _store(defn, state, item, index, step.state, inner_ctx)


def _store(defn: FormDefinition, state: FormState, item: Field, index: int | None, inner: FormState,
           inner_ctx: FormContext) -> Outcome:  # fmt: skip
    """Keep the item's progress; once all of it is answered, check it and put it in the list."""
    from .engine import advance as advance_item

    if inner.phase is Phase.REVIEW:
        step = advance_item(defn.group(item), inner, Submit(), inner_ctx)
        if step.state.phase is not Phase.SUBMITTED:
            return _opened(state, index, step.state), step.prompt.rejection
        items = items_of(state.answers.get(item.name))
        done = dict(step.state.answers)
        items = [*items, done] if index is None or index >= len(items) else [*items[:index], done, *items[index + 1:]]
        return replace(state, answers={**state.answers, item.name: items}, pending=()), None
    return _opened(state, index, inner), None


def _number(value: str, count: int) -> int | None:
    digits = value[2:]
    if value[:2] not in (EDIT, DROP) or not (digits.isascii() and digits.isdigit()) or len(digits) > 4:
        return None
    number = int(digits)
    return number if 1 <= number <= count else None


def check(defn: FormDefinition, item: Field, answer: Any, answers: dict[str, Any], ctx: FormContext) -> Rejection | None:
    """On submit: every item still fits (required fields, constraints against the form's answers
    now), and there are as many as the group allows."""
    items = items_of(answer)
    least, most = _bound(item.minimum), _bound(item.maximum)
    if least is not None and len(items) < least:
        return Rejection("too_few", {"min": least})
    if most is not None and len(items) > most:
        return Rejection("too_many", {"max": most})
    group = defn.group(item)
    inner_ctx = _inner(defn, answers, ctx)
    for number, values in enumerate(items, start=1):
        settled = walk(group, values, inner_ctx)
        env = rule_env(group, settled.answers, inner_ctx)
        for name in askable(group, settled):
            sub = group.field(name)
            assert sub is not None
            value = settled.answers.get(name)
            fits = value is not None if sub.required else True
            if fits and value is not None and sub.constraint is not None:
                fits = holds(sub.constraint, replace(env, current=typed_value(sub, value)))
            if not fits:
                message = sub.constraint_message.get(ctx.locale) if sub.constraint_message else None
                return Rejection("item_invalid", {"item": number, "field": sub.label.get(ctx.locale),
                                                  "message": message})  # fmt: skip
    return None


def prompt(defn: FormDefinition, state: FormState, item: Field, ctx: FormContext, base: dict[str, Any],
           order: list[str]) -> Prompt:  # fmt: skip
    """The list with its buttons, or the open item's current question."""
    from .engine import show as show_item

    locale = ctx.locale
    items = items_of(state.answers.get(item.name))
    opened = _open(state)
    if opened is not None:
        index, inner = opened
        number = (index + 1) if index is not None else len(items) + 1
        shown = show_item(defn.group(item), inner, _inner(defn, state.answers, ctx)).prompt
        title = f"{base['title']} › {item.label.get(locale)} #{number}"
        return replace(shown, form_id=defn.id, title=title, can_back=True, rejection=base["rejection"] or shown.rejection)
    question = Question(
        name=item.name, type=FieldType.REPEAT.value, label=item.label.get(locale),
        help=item.help.get(locale) if item.help else None, unit=None,
        category=item.category.get(locale) if item.category else None, required=item.required,
        evidence=item.evidence, minimum=None if item.minimum is None else str(item.minimum),
        maximum=None if item.maximum is None else str(item.maximum), answer=items or None,
        display=summary(defn, item, items, locale), pending_count=len(items), notes=(),
    )  # fmt: skip
    buttons = [Button(f"{kind}{n}", f"{mark} {n}") for n in range(1, len(items) + 1)
               for kind, mark in ((EDIT, "✏️"), (DROP, "🗑"))]  # fmt: skip
    most = _bound(item.maximum)
    if most is None or len(items) < most:
        buttons.append(Button(ADD, ADD_LABEL.get(locale)))
    return Prompt(
        PromptKind.QUESTION, question=question,
        index=order.index(item.name) + 1 if item.name in order else 0, total=len(order),
        choices=tuple(buttons), can_back=bool(state.history) or state.editing, can_skip=not item.required,
        can_done=True, **base,
    )  # fmt: skip


def summary(defn: FormDefinition, item: Field, answer: Any, locale: str) -> str | None:
    """The items as lines: "1. 建立党员积分台账 · 张三 · 2026-06-30 · …"."""
    items = items_of(answer)
    if not items:
        return None
    group = defn.group(item)
    lines = []
    for number, values in enumerate(items, start=1):
        parts = [display(group, sub, values.get(sub.name), locale) for sub in group.fields
                 if not sub.is_note and values.get(sub.name) is not None]  # fmt: skip
        lines.append(f"{number}. " + " · ".join(part for part in parts if part))
    return "\n".join(lines)
