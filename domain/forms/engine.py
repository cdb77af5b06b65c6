"""The one engine that runs every form: a pure state machine over FormState.

``start(defn, ctx)`` and ``advance(defn, state, user_input, ctx)`` return a Step (the new state
and the prompt to show). Any input in any state yields a valid state; a refused input leaves
the state as it was and the prompt carries the rejection.

```mermaid
stateDiagram-v2
    [*] --> asking: start (fields to ask)
    [*] --> review: start (nothing to ask)
    asking --> asking: answer / skip / back / edit
    asking --> asking: a date long ago, then 是 (kept) or 否 (asked again)
    asking --> review: last field answered, Review, Back while editing
    review --> asking: Edit(field), Back, Submit with a missing required answer
    review --> submitted: Submit
    asking --> cancelled: Cancel
    review --> cancelled: Cancel
    submitted --> [*]
    cancelled --> [*]
```

An answer that is valid but unusual (a date more than six months back) is not taken at once: the
state keeps it in ``confirm`` and the prompt asks "2025年12月11日，对吗？" with 是/否; 是 takes it,
否 or Back asks the question again, and any other typed answer answers the question afresh.

Rejection codes (besides those of answers.py): ``wrong_kind``, ``unsupported``, ``required``,
``required_missing``, ``constraint``, ``too_few``, ``too_many``, ``no_previous``,
``unknown_field``, ``not_relevant``, ``prefilled``, ``not_in_review`` (Submit while asking),
``not_in_question`` (an answer sent while the review is shown), ``form_closed``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from . import repeat
from .answers import (
    SHORT_TEXT_LIMIT,
    TELEGRAM_MESSAGE_LIMIT,
    Accepted,
    ParseResult,
    Rejection,
    months_before,
    parse_choice,
    parse_choices,
    parse_date,
    parse_location,
    parse_number,
    parse_text,
    parse_yes_no,
)
from .conditions import holds
from .context import FormContext, Walk, rule_env, typed_value, walk
from .definition import TODAY, Field, FieldType, FormDefinition
from .prompt import Prompt, askable, build_prompt
from .state import (
    Album,
    Back,
    Cancel,
    Choice,
    Document,
    Done,
    Earlier,
    Edit,
    FormState,
    Location,
    Phase,
    Photo,
    Review,
    Skip,
    Submit,
    Text,
    Unsupported,
    UserInput,
)

MAX_PHOTOS = 30
CONFIRM_DATES_OLDER_THAN_MONTHS = 6

TRANSITIONS: dict[Phase, frozenset[Phase]] = {
    Phase.ASKING: frozenset({Phase.ASKING, Phase.REVIEW, Phase.CANCELLED}),
    Phase.REVIEW: frozenset({Phase.ASKING, Phase.REVIEW, Phase.SUBMITTED, Phase.CANCELLED}),
    Phase.SUBMITTED: frozenset(),
    Phase.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class Step:
    state: FormState
    prompt: Prompt


def start(defn: FormDefinition, ctx: FormContext, earlier: Earlier | None = None) -> Step:
    """Begin filling ``defn``: ask the first field (or review, when facts answered them all).

    With ``earlier`` (a returned attempt) every answer is kept and only the returned items are
    asked, first, then any required question still unanswered; then the summary.
    """
    state = FormState(defn.id, defn.version, Phase.ASKING)
    settled = walk(defn, dict(earlier.answers) if earlier else {}, ctx)
    state = _settle(state, settled)
    if earlier is None:
        return _show(defn, _move_on(defn, state, settled, after=None), ctx)
    order = askable(defn, settled)
    returned = {name: reason for name, reason in earlier.returned.items() if name in order}
    state = replace(state, earlier=dict(settled.answers), returned=returned,
                    revisit=tuple(name for name in order if name in returned))  # fmt: skip
    return _show(defn, _next_to_do(defn, state, settled), ctx)


def show(defn: FormDefinition, state: FormState, ctx: FormContext) -> Step:
    """The prompt for ``state`` as it stands (to resume, or to answer a re-delivered update)."""
    settled = walk(defn, state.answers, ctx)
    if state.closed:
        return _show(defn, state, ctx)
    return _show(defn, _repair(defn, _settle(state, settled), settled), ctx)


def advance(defn: FormDefinition, state: FormState, user_input: UserInput, ctx: FormContext) -> Step:
    """Apply one input to ``state``."""
    if state.form_id != defn.id:
        raise ValueError(f"state belongs to form {state.form_id!r}, not {defn.id!r}")
    settled = walk(defn, state.answers, ctx)
    if state.closed:
        return _refuse(defn, state, settled, ctx, "form_closed")
    state = _repair(defn, _settle(state, settled), settled)
    if isinstance(user_input, Cancel):
        return _show(defn, _to(state, Phase.CANCELLED, current=None, pending=(), editing=False), ctx)
    if state.phase is Phase.ASKING and (group := defn.field(state.current or "")) and group.type is FieldType.REPEAT:
        if (outcome := repeat.advance(defn, state, group, user_input, ctx)) is not None:  # a repeat group's list or item
            return _show(defn, outcome[0], ctx, outcome[1])
    if isinstance(user_input, Photo) and (late := _late_album_photo(defn, state, user_input)):
        return _show(defn, late, ctx, quiet=True)
    if isinstance(user_input, Edit):
        return _edit(defn, state, settled, user_input.field, ctx)
    if state.phase is Phase.ASKING and state.confirm is not None:
        return _confirming(defn, state, settled, user_input, ctx)
    if state.phase is Phase.REVIEW:
        return _in_review(defn, state, settled, user_input, ctx)
    return _in_question(defn, state, settled, user_input, ctx)


# --- review ---------------------------------------------------------------------------------


def _in_review(defn: FormDefinition, state: FormState, settled: Walk, user_input: UserInput, ctx: FormContext) -> Step:
    if isinstance(user_input, Submit):
        return _submit(defn, state, settled, ctx)
    if isinstance(user_input, Back):
        order = askable(defn, settled)
        if not order:
            return _refuse(defn, state, settled, ctx, "no_previous")
        last = state.history[-1] if state.history else order[-1]
        history = state.history[:-1] if state.history else ()
        return _show(defn, _ask(defn, _to(state, Phase.ASKING), last, settled, history=history), ctx)
    if isinstance(user_input, Review):
        return _show(defn, state, ctx)
    if isinstance(user_input, Unsupported):
        return _refuse(defn, state, settled, ctx, "unsupported", {"kind": user_input.kind})
    return _refuse(defn, state, settled, ctx, "not_in_question")


def _submit(defn: FormDefinition, state: FormState, settled: Walk, ctx: FormContext) -> Step:
    env = rule_env(defn, settled.answers, ctx)
    for name in askable(defn, settled):
        item = defn.field(name)
        assert item is not None
        answer = settled.answers.get(name)
        if answer is None and item.required:
            reopened = _ask(defn, _to(state, Phase.ASKING), name, settled, editing=True)
            return _show(defn, reopened, ctx, Rejection("required_missing", {"field": name}))
        if answer is not None and not _meets_constraint(item, answer, env):
            reopened = _ask(defn, _to(state, Phase.ASKING), name, settled, editing=True)
            return _show(defn, reopened, ctx, _constraint_rejection(item, ctx))
        if answer is not None and item.type is FieldType.REPEAT and (problem := repeat.check(defn, item, answer, settled.answers, ctx)):
            return _show(defn, _ask(defn, _to(state, Phase.ASKING), name, settled, editing=True), ctx, problem)
    return _show(defn, _to(state, Phase.SUBMITTED, current=None, pending=(), editing=False), ctx)


def _edit(defn: FormDefinition, state: FormState, settled: Walk, name: str, ctx: FormContext) -> Step:
    item = defn.field(name)
    if item is None or item.is_note:
        return _refuse(defn, state, settled, ctx, "unknown_field", {"field": name})
    if name in settled.prefilled:
        return _refuse(defn, state, settled, ctx, "prefilled", {"field": name})
    if name not in settled.relevant:
        return _refuse(defn, state, settled, ctx, "not_relevant", {"field": name})
    return _show(defn, _ask(defn, _to(state, Phase.ASKING), name, settled, editing=True), ctx)


# --- asking ---------------------------------------------------------------------------------


def _in_question(defn: FormDefinition, state: FormState, settled: Walk, user_input: UserInput, ctx: FormContext) -> Step:
    item = defn.field(state.current or "")
    if item is None:  # _repair guarantees a field while asking
        return _show(defn, _to(state, Phase.REVIEW, current=None), ctx)
    if isinstance(user_input, Back):
        return _back(defn, state, settled, ctx)
    if isinstance(user_input, Review):
        finished = _finish_pending(item, state)
        if finished is not None and _accept_check(defn, item, finished, settled, ctx) is None:
            state = replace(state, answers={**state.answers, item.name: finished})
        state = _to(state, Phase.REVIEW, current=None, pending=(), editing=False)
        return _show(defn, _settle(state, walk(defn, state.answers, ctx)), ctx)
    if isinstance(user_input, Submit):
        return _refuse(defn, state, settled, ctx, "not_in_review")
    if isinstance(user_input, Skip):
        if item.required:
            return _refuse(defn, state, settled, ctx, "required")
        answers = {key: value for key, value in state.answers.items() if key != item.name}
        return _accepted(defn, replace(state, answers=answers), item, ctx)
    if isinstance(user_input, Done):
        return _done(defn, state, settled, item, ctx)
    if isinstance(user_input, Unsupported):
        return _refuse(defn, state, settled, ctx, "unsupported", {"kind": user_input.kind})
    if isinstance(user_input, Photo):
        return _photo(defn, state, settled, item, user_input, ctx)
    if isinstance(user_input, Choice) and item.type is FieldType.MULTI_CHOICE:
        if user_input.value not in {option.value for option in defn.options(item)}:
            return _refuse(defn, state, settled, ctx, "not_a_choice")
        pending = tuple(v for v in state.pending if v != user_input.value)
        if len(pending) == len(state.pending):
            pending = (*state.pending, user_input.value)
        return _show(defn, replace(state, pending=pending), ctx)
    result = _parse(defn, item, user_input, ctx)
    if isinstance(result, Rejection):
        return _refuse(defn, state, settled, ctx, result.code, result.params)
    if _unusual(item, result.value, ctx):
        problem = _accept_check(defn, item, result.value, settled, ctx)
        if problem is not None:
            return _refuse(defn, state, settled, ctx, problem.code, problem.params)
        return _show(defn, replace(state, confirm=result.value), ctx)
    return _answer(defn, state, settled, item, result.value, ctx)


def _unusual(item: Field, value: Any, ctx: FormContext) -> bool:
    """An answer to confirm before taking it: a date more than six months before today."""
    if item.type is not FieldType.DATE or not isinstance(value, str):
        return False
    return date.fromisoformat(value) < months_before(ctx.today, CONFIRM_DATES_OLDER_THAN_MONTHS)


def _confirming(defn: FormDefinition, state: FormState, settled: Walk, user_input: UserInput, ctx: FormContext) -> Step:
    """An input while "…，对吗？" is shown: 是 takes the answer, 否 or Back asks again, another typed
    answer answers the question afresh; anything else is refused and the confirmation stays."""
    item = defn.field(state.current or "")
    asked = replace(state, confirm=None)
    if item is None:
        return _show(defn, asked, ctx)
    verdict: ParseResult | None = None
    if isinstance(user_input, Choice):
        verdict = Accepted(user_input.value == "yes") if user_input.value in ("yes", "no") else Rejection("not_yes_no")
    elif isinstance(user_input, Text):
        verdict = parse_yes_no(user_input.text)
        if isinstance(verdict, Rejection):
            return _in_question(defn, asked, settled, user_input, ctx)
    elif isinstance(user_input, Back):
        return _show(defn, asked, ctx)
    elif isinstance(user_input, Unsupported):
        return _refuse(defn, state, settled, ctx, "unsupported", {"kind": user_input.kind})
    elif isinstance(user_input, Photo | Document | Location):
        return _refuse(defn, state, settled, ctx, "not_yes_no")
    else:
        return _in_question(defn, asked, settled, user_input, ctx)
    if isinstance(verdict, Rejection):
        return _refuse(defn, state, settled, ctx, verdict.code)
    if verdict.value:
        return _answer(defn, asked, settled, item, state.confirm, ctx)
    return _show(defn, asked, ctx)


def _parse(defn: FormDefinition, item: Field, user_input: UserInput, ctx: FormContext) -> ParseResult:
    kind = item.type
    wrong = Rejection("wrong_kind", {"expected": kind.value, "kind": _INPUT_KINDS.get(type(user_input), "other")})
    options = [
        (option.value, [option.label.zh, option.label.en]) for option in defn.options(item)
    ]
    if isinstance(user_input, Choice):
        if kind is FieldType.YES_NO and user_input.value in ("yes", "no"):
            return Accepted(user_input.value == "yes")
        if kind is FieldType.CHOICE:
            values = {value for value, _ in options}
            return Accepted(user_input.value) if user_input.value in values else Rejection("not_a_choice")
        return wrong
    if isinstance(user_input, Document):
        if kind is FieldType.DOCUMENT:
            return Accepted(user_input.ref())
        return wrong
    if isinstance(user_input, Location):
        if kind is FieldType.LOCATION:
            return Accepted({"lat": user_input.lat, "lon": user_input.lon})
        return wrong
    if not isinstance(user_input, Text):
        return wrong
    text = user_input.text
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        limit = TELEGRAM_MESSAGE_LIMIT if kind is FieldType.LONG_TEXT else SHORT_TEXT_LIMIT
        if isinstance(item.maximum, Decimal):
            limit = min(limit, int(item.maximum))
        return parse_text(text, max_length=limit)
    if kind in (FieldType.INTEGER, FieldType.DECIMAL):
        units = (item.unit.zh, item.unit.en) if item.unit else ()
        return parse_number(
            text,
            integer=kind is FieldType.INTEGER,
            minimum=item.minimum if isinstance(item.minimum, Decimal) else None,
            maximum=item.maximum if isinstance(item.maximum, Decimal) else None,
            units=units,
        )
    if kind is FieldType.DATE:
        return parse_date(
            text,
            today=ctx.today,
            allow_future=item.maximum != TODAY,
            minimum=_date_bound(item.minimum, ctx.today),
            maximum=_date_bound(item.maximum, ctx.today),
        )
    if kind is FieldType.YES_NO:
        return parse_yes_no(text)
    if kind is FieldType.CHOICE:
        return parse_choice(text, options)
    if kind is FieldType.MULTI_CHOICE:
        return parse_choices(text, options)
    if kind is FieldType.LOCATION:
        return parse_location(text)
    return wrong


_INPUT_KINDS: dict[type, str] = {Text: "text", Photo: "photo", Document: "document", Location: "location",
                                 Choice: "button"}  # what was sent, for the words of a wrong_kind refusal


def _date_bound(bound: Any, today: date) -> date | None:
    if bound == TODAY:
        return today
    if isinstance(bound, str):
        try:
            return date.fromisoformat(bound)
        except ValueError:
            return None
    return None


def _photo(defn: FormDefinition, state: FormState, settled: Walk, item: Field, photo: Photo, ctx: FormContext) -> Step:
    ref = photo.ref()
    album = Album(photo.media_group_id, item.name) if photo.media_group_id else state.album
    if item.type is FieldType.PHOTOS:
        limit = int(item.maximum) if isinstance(item.maximum, Decimal) else MAX_PHOTOS
        if len(state.pending) >= limit:
            return _refuse(defn, state, settled, ctx, "too_many", {"max": limit})
        return _show(defn, replace(state, pending=(*state.pending, ref), album=album), ctx)
    if item.type is FieldType.PHOTO:
        return _answer(defn, replace(state, album=album), settled, item, [ref], ctx)
    return _refuse(defn, state, settled, ctx, "wrong_kind", {"expected": item.type.value})


def _late_album_photo(defn: FormDefinition, state: FormState, photo: Photo) -> FormState | None:
    """Attach a photo of an album already taken to the field the album started on."""
    album = state.album
    if album is None or photo.media_group_id != album.media_group_id:
        return None
    ref = photo.ref()
    if state.phase is Phase.ASKING and state.current == album.field and state.pending:
        return replace(state, pending=(*state.pending, ref))
    existing = state.answers.get(album.field)
    if not isinstance(existing, list) or len(existing) >= MAX_PHOTOS:
        return None
    if any(isinstance(p, dict) and p.get("file_id") == photo.file_id for p in existing):
        return state
    return replace(state, answers={**state.answers, album.field: [*existing, ref]})


def _done(defn: FormDefinition, state: FormState, settled: Walk, item: Field, ctx: FormContext) -> Step:
    finished = _finish_pending(item, state)
    if finished is None:
        if item.name in settled.answers:  # keep the answer given before
            return _accepted(defn, state, item, ctx)
        if item.required:
            return _refuse(defn, state, settled, ctx, "required")
        answers = {key: value for key, value in state.answers.items() if key != item.name}
        return _accepted(defn, replace(state, answers=answers, pending=()), item, ctx)
    if item.type is FieldType.PHOTOS and isinstance(item.minimum, Decimal) and len(finished) < item.minimum:
        return _refuse(defn, state, settled, ctx, "too_few", {"min": int(item.minimum)})
    return _answer(defn, state, settled, item, finished, ctx)


def _finish_pending(item: Field, state: FormState) -> list[Any] | None:
    if item.type in (FieldType.PHOTOS, FieldType.MULTI_CHOICE) and state.pending:
        return list(state.pending)
    return None


def _answer(defn: FormDefinition, state: FormState, settled: Walk, item: Field, value: Any, ctx: FormContext) -> Step:
    problem = _accept_check(defn, item, value, settled, ctx)
    if problem is not None:
        return _refuse(defn, state, settled, ctx, problem.code, problem.params)
    return _accepted(defn, replace(state, answers={**state.answers, item.name: value}), item, ctx)


def _accept_check(defn: FormDefinition, item: Field, value: Any, settled: Walk, ctx: FormContext) -> Rejection | None:
    if item.type is FieldType.MULTI_CHOICE and isinstance(value, list):
        if isinstance(item.minimum, Decimal) and len(value) < item.minimum:
            return Rejection("too_few", {"min": int(item.minimum)})
        if isinstance(item.maximum, Decimal) and len(value) > item.maximum:
            return Rejection("too_many", {"max": int(item.maximum)})
    if not _meets_constraint(item, value, rule_env(defn, settled.answers, ctx)):
        return _constraint_rejection(item, ctx)
    return None


def _meets_constraint(item: Field, value: Any, env: Any) -> bool:
    if item.constraint is None:
        return True
    return holds(item.constraint, replace(env, current=typed_value(item, value)))


def _constraint_rejection(item: Field, ctx: FormContext) -> Rejection:
    message = item.constraint_message.get(ctx.locale) if item.constraint_message else None
    return Rejection("constraint", {"field": item.name, "message": message})


def _accepted(defn: FormDefinition, state: FormState, item: Field, ctx: FormContext) -> Step:
    """Record that ``item`` was answered (or skipped) and move to what comes next."""
    settled = walk(defn, state.answers, ctx)
    state = _settle(replace(state, pending=()), settled)
    if state.editing:
        return _show(defn, _to(state, Phase.REVIEW, current=None, editing=False), ctx)
    history = state.history if state.history[-1:] == (item.name,) else (*state.history, item.name)
    state = _settle(replace(state, history=history), settled)
    if state.resubmitting:
        revisit = tuple(name for name in state.revisit if name != item.name)
        return _show(defn, _next_to_do(defn, replace(state, revisit=revisit), settled), ctx)
    return _show(defn, _move_on(defn, state, settled, after=item.name), ctx)


def _next_to_do(defn: FormDefinition, state: FormState, settled: Walk) -> FormState:
    """Resubmitting: the next returned item, else a required question without an answer (one a
    changed answer added, or a new version's), else the summary."""
    order = askable(defn, settled)
    for name in order:
        item = defn.field(name)
        if name in state.revisit or (item is not None and item.required and name not in settled.answers):
            return _ask(defn, state, name, settled, editing=False)
    return _to(state, Phase.REVIEW, current=None, pending=(), editing=False, revisit=())


def _back(defn: FormDefinition, state: FormState, settled: Walk, ctx: FormContext) -> Step:
    if state.editing:
        return _show(defn, _to(state, Phase.REVIEW, current=None, pending=(), editing=False), ctx)
    if not state.history:
        return _refuse(defn, state, settled, ctx, "no_previous")
    previous = state.history[-1]
    return _show(defn, _ask(defn, state, previous, settled, history=state.history[:-1]), ctx)


# --- helpers --------------------------------------------------------------------------------


def _ask(defn: FormDefinition, state: FormState, name: str, settled: Walk, *, editing: bool | None = None, history: tuple[str, ...] | None = None) -> FormState:
    item = defn.field(name)
    pending: tuple[Any, ...] = ()
    if item is not None and item.type is FieldType.MULTI_CHOICE:
        existing = settled.answers.get(name)
        pending = tuple(existing) if isinstance(existing, list) else ()
    return replace(
        state,
        phase=Phase.ASKING,
        current=name,
        pending=pending,
        confirm=None,
        editing=state.editing if editing is None else editing,
        history=state.history if history is None else history,
    )


def _move_on(defn: FormDefinition, state: FormState, settled: Walk, *, after: str | None) -> FormState:
    """Ask the next field after ``after`` in form order, or go to review after the last."""
    order = askable(defn, settled)
    names = [item.name for item in defn.fields]
    position = names.index(after) if after in names else -1
    for name in order:
        if names.index(name) > position:
            return _ask(defn, state, name, settled, editing=False)
    return _to(state, Phase.REVIEW, current=None, pending=(), editing=False)


def _repair(defn: FormDefinition, state: FormState, settled: Walk) -> FormState:
    """Keep ``current`` on a field that is still to be asked (facts or a new version may move it)."""
    if state.phase is not Phase.ASKING:
        return replace(state, current=None, pending=()) if state.current or state.pending else state
    order = askable(defn, settled)
    if state.current in order:
        return state
    names = [item.name for item in defn.fields]
    if state.current in names:
        return _move_on(defn, state, settled, after=state.current)
    for name in order:
        if name not in settled.answers:
            return _ask(defn, state, name, settled)
    return _to(state, Phase.REVIEW, current=None, pending=(), editing=False)


def _settle(state: FormState, settled: Walk) -> FormState:
    """Store the walked answers: irrelevant answers dropped, prefilled facts filled in."""
    keep = set(settled.relevant) - set(settled.prefilled)
    history = tuple(name for name in state.history if name in keep)
    album = state.album if state.album is None or state.album.field in keep else None
    return replace(state, answers=dict(settled.answers), history=history, album=album, prefilled=settled.prefilled)


def _to(state: FormState, phase: Phase, **changes: Any) -> FormState:
    if phase not in TRANSITIONS[state.phase]:
        raise ValueError(f"no transition {state.phase} -> {phase}")
    if phase is not Phase.ASKING:
        changes.setdefault("confirm", None)
    return replace(state, phase=phase, **changes)


def _show(defn: FormDefinition, state: FormState, ctx: FormContext, rejection: Rejection | None = None, *, quiet: bool = False) -> Step:
    settled = walk(defn, state.answers, ctx)
    return Step(state, build_prompt(defn, state, settled, ctx, rejection=rejection, quiet=quiet))


def _refuse(defn: FormDefinition, state: FormState, settled: Walk, ctx: FormContext, code: str, params: dict[str, Any] | None = None) -> Step:
    return Step(state, build_prompt(defn, state, settled, ctx, rejection=Rejection(code, dict(params or {}))))
