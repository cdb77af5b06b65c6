"""Filling a form (填报): progress is written with every accepted input, in that update's transaction,
so a crash, a restart or another bot process loses nothing and the person continues where they were.

What a form is for, and what finishing it does, is its purpose's (``domain.filling.purposes``);
nothing here branches on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from domain import forms
from domain.filling.purposes import PURPOSES, Finishing, NotCurrent, Purpose, Told
from domain.forms import FormContext, FormDefinition, FormState, Phase, Prompt, UnitFacts, UserInput
from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from storage.models import FormSession, Unit, UnitType

COMMITTEE_TYPES = (UnitType.town_committee, UnitType.direct_committee)


class Busy(Exception):
    """Another form is open in this chat; finish or cancel it first."""

    def __init__(self, open_form: FormSession) -> None:
        super().__init__(open_form.form_id)
        self.open_form = open_form


class Conflict(Exception):
    """Another update of this chat changed the form first (the two were handled at the same time);
    this input was not applied. ``form`` is the form as it now is (None when it was closed)."""

    def __init__(self, form: FormSession | None) -> None:
        super().__init__(form.id if form else None)
        self.form = form


def refused(reason: str, unit: Unit) -> Told:
    """The form was finished but could not take effect (``reason``: ``not_current`` when another
    reviewer decided first, ``not_allowed`` when the person's role no longer covers the unit);
    the form is closed and nothing else changed."""
    return Told("form_refused", {"reason": reason, "unit": unit})


@dataclass(frozen=True)
class Filled:
    form: FormSession
    prompt: Prompt
    changed: bool
    outcome: Told | None = None  # what finishing did, told to the person who finished

    @property
    def refused(self) -> bool:
        return self.outcome is not None and self.outcome.message == "form_refused"


# Statements on every answer are built once (building one costs more than running it on SQLite).
_OPEN_FORM = (
    select(FormSession).where(FormSession.chat_id == bindparam("chat_id"), FormSession.closed_at.is_(None))
    .order_by(FormSession.id.desc()).limit(1)
)  # fmt: skip
# Compare and set: progress is written only over the revision it was worked out from. Two updates
# of one chat handled at once (two webhook processes, parallel connections) both read revision n;
# the second UPDATE waits for the first to commit, then matches no row, and is retried or refused.
_SAVE = update(FormSession.__table__).where(FormSession.__table__.c.id == bindparam("form_session_id"),
                                            FormSession.__table__.c.revision == bindparam("expected_revision"))  # fmt: skip
_RELOAD = select(FormSession).where(FormSession.id == bindparam("form_session_id")).execution_options(populate_existing=True)
# Album photos arrive as separate updates at the same moment; each is retried until it is in.
MAX_RETRIES = 20


async def open_form(session: AsyncSession, chat_id: int) -> FormSession | None:
    return await session.scalar(_OPEN_FORM, {"chat_id": chat_id})


async def _open_form_now(session: AsyncSession, chat_id: int) -> FormSession | None:
    """The open form as committed now (not as this session first loaded it)."""
    return await session.scalar(_OPEN_FORM.execution_options(populate_existing=True), {"chat_id": chat_id})


async def begin(session: AsyncSession, *, actor: Actor, chat_id: int, purpose: str, form_id: str, unit: Unit,
                today: date, locale: str, at: datetime, subject_id: int | None = None,
                update_id: int | None = None) -> Filled:  # fmt: skip
    """Start a form, or resume the same one if it is already open; Busy if another one is."""
    existing = await open_form(session, chat_id)
    if existing is not None:
        if (existing.purpose, existing.form_id, existing.unit_id, existing.subject_id) == (purpose, form_id, unit.id, subject_id):
            return await resume(session, form=existing, today=today, locale=locale)
        raise Busy(existing)
    kind = PURPOSES.get(purpose)
    defn = await kind.definition(session, form_id, subject_id, None)
    ctx = await context_for(session, unit, today, locale, defn)
    answers = await kind.initial(session, subject_id) if kind.initial is not None else None
    earlier = None
    if answers:  # editing what was submitted before: its review, every answer there to change
        step = forms.show(defn, FormState(defn.id, defn.version, Phase.REVIEW, answers=answers), ctx)
    else:
        earlier = await kind.returned(session, unit, defn.id) if kind.returned else None
        step = forms.start(defn, ctx, earlier)  # a returned attempt reopens with every answer kept
    row = FormSession(person_id=actor.person_id, chat_id=chat_id, form_id=defn.id, version=defn.version,
                      unit_id=unit.id, unit=unit, purpose=purpose, subject_type=kind.subject_type,
                      subject_id=subject_id, state=step.state.to_json(), step=0, context=_snapshot(ctx),
                      started_at=at, updated_at=at)  # fmt: skip
    try:
        async with session.begin_nested():  # one open form per chat (a unique index): two /activity at once
            session.add(row)
            await session.flush()
    except IntegrityError:
        existing = await _open_form_now(session, chat_id)
        if existing is None:
            raise
        if (existing.purpose, existing.form_id, existing.unit_id, existing.subject_id) == (purpose, form_id, unit.id, subject_id):
            return await resume(session, form=existing, today=today, locale=locale)
        raise Busy(existing) from None
    await audit.record(session, at=at, actor_id=actor.person_id, action="form.started", subject_type="form_session",
                       subject_id=row.id, after={"form": defn.id, "version": defn.version, "unit": unit.code,
                                                 "returned": sorted(step.state.returned) if earlier else None},
                       update_id=update_id)  # fmt: skip
    return Filled(row, step.prompt, changed=True)


async def resume(session: AsyncSession, *, form: FormSession, today: date, locale: str) -> Filled:
    """The current prompt of an open form, changing nothing."""
    defn = await _definition(session, form)
    ctx, _ = await _context(session, form, defn, today, locale)
    step = forms.show(defn, FormState.from_json(form.state), ctx)
    return Filled(form, step.prompt, changed=False)


async def feed(session: AsyncSession, *, form: FormSession, user_input: UserInput, actor: Actor, today: date,
               locale: str, at: datetime, update_id: int | None) -> Filled:  # fmt: skip
    """Apply one input; on submit, do what the form is for. The state is written before returning.

    Conflict when another update changed the form while this one was worked out: a photo is then
    applied again to the form as it now is (an album's photos all count), anything else is refused,
    since it answered a question that is no longer the one asked.
    """
    for _ in range(MAX_RETRIES):
        defn = await _definition(session, form)
        unit = form.unit
        ctx, snapshot = await _context(session, form, defn, today, locale)
        before = form.state
        step = forms.advance(defn, FormState.from_json(before), user_input, ctx)
        after = step.state.to_json()
        if after == before:
            return Filled(form, step.prompt, changed=False)
        # A photo gathered on the question being asked leaves its buttons meaning what they did, so
        # a Done pressed on any message of an album's replies is current.
        same_prompt = isinstance(user_input, forms.Photo) and _where(before) == _where(after)
        progress = {"state": after, "step": form.step + (0 if same_prompt else 1), "revision": form.revision + 1,
                    "updated_at": at}  # fmt: skip
        if snapshot is not None:
            progress["context"] = snapshot
        if step.state.phase in (Phase.SUBMITTED, Phase.CANCELLED):
            progress["closed_at"] = at
        if await _save(session, form, progress):
            break
        now = await session.scalar(_RELOAD, {"form_session_id": form.id})
        if now is None or now.closed_at is not None or not isinstance(user_input, forms.Photo):
            raise Conflict(now if now is not None and now.closed_at is None else None)
        form = now
    else:
        raise Conflict(form)
    outcome = None
    if step.state.phase is Phase.SUBMITTED:
        purpose = PURPOSES.get(form.purpose)
        finishing = Finishing(session, form, defn, step.state.answers, ctx, unit, actor, at, today, update_id)
        outcome = await _finish(purpose, finishing)
    await audit.record(session, at=at, actor_id=actor.person_id, action=f"form.{step.state.phase.value}",
                       subject_type="form_session", subject_id=form.id, after=_changes(before, after),
                       update_id=update_id)  # fmt: skip
    return Filled(form, step.prompt, changed=True, outcome=outcome)


async def _save(session: AsyncSession, form: FormSession, values: dict[str, Any]) -> bool:
    """Write the form's progress with one UPDATE and show it on the loaded row (which stays clean,
    so nothing is written twice at flush); False, writing nothing, when the form is no longer at the
    revision it was read at."""
    result = await session.execute(_SAVE, {"form_session_id": form.id, "expected_revision": form.revision, **values})
    if result.rowcount != 1:
        return False
    for name, value in values.items():
        set_committed_value(form, name, value)
    return True


async def _finish(purpose: Purpose, f: Finishing) -> Told:
    """Do what the purpose does with a submitted form; refused (and undone) when the person may no
    longer act on the unit, or the subject changed meanwhile. Roles are re-checked here, when the
    form takes effect, not only when it was opened."""
    if not permissions.allows(f.actor, purpose.action, f.unit.path):
        return refused("not_allowed", f.unit)
    try:
        async with f.session.begin_nested():  # what finishing did is undone if it is refused
            return await purpose.finish(f)
    except NotCurrent as error:
        return refused(error.reason, f.unit)
    except permissions.NotAllowed:
        return refused("not_allowed", f.unit)


async def _definition(session: AsyncSession, form: FormSession) -> FormDefinition:
    """The definition the form was begun with (its version), from its purpose."""
    return await PURPOSES.get(form.purpose).definition(session, form.form_id, form.subject_id, form.version)


async def context_for(session: AsyncSession, unit: Unit, today: date, locale: str,
                      defn: FormDefinition | None = None) -> FormContext:  # fmt: skip
    """What rules may read: the unit's type, domain, founding date, its committee's type, and facts
    (only those ``defn`` uses, when given)."""
    ancestors = [int(a) for a in unit.path.strip("/").split("/")[:-1] if a]
    parent_type = None
    if ancestors:
        rows = {u.id: u for u in await session.scalars(select(Unit).where(Unit.id.in_(ancestors)))}
        chain = [rows[a] for a in reversed(ancestors) if a in rows]
        # "Under a town committee" means the nearest committee above, even through a 党总支.
        committee = next((u for u in chain if u.type in COMMITTEE_TYPES), chain[0] if chain else None)
        parent_type = committee.type.value if committee else None
    facts: dict[str, Any] = {}
    for prefix, provide in PURPOSES.facts().items():  # e.g. "activity.": records of organisational life
        if defn is None or any((f.prefill or "").startswith(prefix) for f in defn.fields):
            facts.update(await provide(session, unit.id, today))
    unit_facts = UnitFacts(type=unit.type.value, domain=unit.domain.value if unit.domain else None,
                           parent_type=parent_type, founded=unit.founded)  # fmt: skip
    return FormContext(today=today, unit=unit_facts, facts=facts, locale=locale)


def _snapshot(ctx: FormContext) -> dict[str, Any]:
    return {"unit": ctx.unit.to_json(), "facts": ctx.facts}


async def _context(session: AsyncSession, form: FormSession, defn: FormDefinition, today: date,
                   locale: str) -> tuple[FormContext, dict[str, Any] | None]:  # fmt: skip
    """The context the form began with (no queries), and None; for a form begun before such
    snapshots were kept, the context worked out afresh and its snapshot, to be kept."""
    if form.context is None:
        ctx = await context_for(session, form.unit, today, locale, defn)
        return ctx, _snapshot(ctx)
    return FormContext(today=today, unit=UnitFacts.from_json(form.context["unit"]),
                       facts=dict(form.context["facts"]), locale=locale), None  # fmt: skip


def _where(state: dict[str, Any]) -> tuple[Any, ...]:
    """Which prompt a state shows: its phase, the question asked, and whether it returns to review."""
    return state.get("phase"), state.get("current"), state.get("editing")


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What one input changed, for the audit log: the answers that differ, and where the form is."""
    old, new = before.get("answers", {}), after.get("answers", {})
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    dropped = [k for k in old if k not in new]
    return {"phase": after.get("phase"), "current": after.get("current"), "answers": changed, "dropped": dropped}
