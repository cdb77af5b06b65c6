"""The rectification in the chat, one use case per update: lists, an item's card, a step on an item.

Each returns a ``Result`` (``domain.filling.usecases``) whose ``said`` may hold the views below
besides messages and form prompts; the handler renders them and decides nothing. Buttons name an
item and the version it was shown at (``rx:<step>:<id>:<version>``); the step is checked here again
through the lifecycle (role, scope, owner, state, version), whatever the button said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from domain.filling import sessions, usecases
from domain.filling.purposes import Told
from domain.filling.usecases import Moment, Result, Shown, refusal
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from domain.problems import (
    config,
    draws,
    inspections,
    items,
    lifecycle,
    notices,
    purposes,
    spotcheck,
)
from domain.problems import ledger as problem_ledger
from domain.problems.items import HistoryLine
from domain.problems.lifecycle import Refused, Verb
from storage.models import Draw, InspectionKind, Person, ProblemItem, ProblemStatus, Unit, UnitType

PAGE = 8
CODES: dict[str, Verb] = {"ack": Verb.acknowledge, "sub": Verb.submit, "ext": Verb.request_extension,
                          "ok": Verb.close, "ret": Verb.return_, "gr": Verb.grant_extension,
                          "ref": Verb.refuse_extension}  # fmt: skip
CODE_OF = {verb: code for code, verb in CODES.items()}


@dataclass(frozen=True)
class Card:
    """One item as its card shows it: the item, its branch, its history and the steps offered."""

    item: ProblemItem
    unit: Unit
    history: list[HistoryLine]
    verbs: list[Verb]
    today: date
    source: dict = field(default_factory=dict)  # where the item came from (an inspection: kind, when, who, where)


@dataclass(frozen=True)
class Listing:
    """A page of items: ``kind`` is ``rectify`` (我的整改) or ``verify`` (待验收)."""

    kind: str
    items: list[tuple[ProblemItem, Unit]]
    total: int
    page: int
    pages: int
    today: date


@dataclass(frozen=True)
class Evidence:
    """The evidence files of an item, to be sent again by their Telegram file ids."""

    item: ProblemItem
    files: list[dict]


def _page(found: list, page: int) -> tuple[list, int, int]:
    pages = max((len(found) + PAGE - 1) // PAGE, 1)
    page = min(max(page, 0), pages - 1)
    return found[page * PAGE:(page + 1) * PAGE], page, pages


async def rectify_list(session: AsyncSession, actor: Actor, when: Moment, *, page: int = 0,
                       pressed: bool = False) -> Result:  # fmt: skip
    """/rectify (我的整改): the items of the person's branches not yet closed, most urgent first."""
    if not permissions.may_somewhere(actor, Action.rectify_item):
        return refusal("not_allowed", pressed=pressed, message="not_allowed")
    found = await items.to_rectify(session, actor, when.today)
    shown, page, pages = _page(found, page)
    return Result([Listing("rectify", shown, len(found), page, pages, when.today)])


async def verify_list(session: AsyncSession, actor: Actor, when: Moment, *, page: int = 0,
                      pressed: bool = False) -> Result:  # fmt: skip
    """/verify (待验收): submitted items and extension requests the person may decide on."""
    if not permissions.may_somewhere(actor, Action.verify_rectification):
        return refusal("not_allowed", pressed=pressed, message="not_allowed")
    found = await items.to_verify(session, actor)
    shown, page, pages = _page(found, page)
    return Result([Listing("verify", shown, len(found), page, pages, when.today)])


async def _visible(session: AsyncSession, actor: Actor, item_id: int) -> tuple[ProblemItem, Unit] | str:
    found = await items.load(session, item_id)
    if found is None:
        return "stale"
    if not permissions.allows(actor, Action.see_problems, found[1].path):
        return "not_allowed"
    return found


async def card(session: AsyncSession, actor: Actor, item_id: int, when: Moment) -> Result:
    """One item's card: what it is, where it stands, its history, and the steps this person may take."""
    found = await _visible(session, actor, item_id)
    if isinstance(found, str):
        return refusal(found, pressed=True)
    item, unit = found
    shown = Card(item, unit, await items.history(session, item.id), items.verbs_for(actor, item, unit), when.today,
                 await inspections.source_of(session, item))  # fmt: skip
    return Result([shown])


async def evidence(session: AsyncSession, actor: Actor, item_id: int) -> Result:
    """The item's files, for someone who may see the item: the inspector's photos of the finding, then
    the branch's evidence of its rectification."""
    found = await _visible(session, actor, item_id)
    if isinstance(found, str):
        return refusal(found, pressed=True)
    item, _unit = found
    files = [*(await inspections.source_of(session, item)).get("photos", []), *(item.evidence or [])]
    if not files:
        return Result(toast="problem.no_evidence", alert=True)
    return Result([Evidence(item, files)])


def _refused(error: Refused) -> Result:
    return Result(toast=f"problem.refused.{error.code}", alert=True)


async def act(session: AsyncSession, actor: Actor, code: str, item_id: int, version: int, when: Moment) -> Result:
    """A step pressed on an item's card: a form for steps that need words, at once for 销号 and 同意延期."""
    verb = CODES.get(code)
    found = await items.load(session, item_id)
    if verb is None or found is None:
        return refusal("stale", pressed=True)
    item, unit = found
    try:
        if version != item.version:
            raise Refused("stale")
        lifecycle.check(actor, verb, item.status, unit.path, lifecycle.owners(item))
    except Refused as error:
        return _refused(error)
    if verb in purposes.FORMS:
        purpose, form_id = purposes.FORMS[verb]
        opened = await usecases.begin(session, actor, purpose.name, form_id, unit, when, subject_id=item.id)
        opened.said.insert(0, Told("problem_step", {"verb": verb.value, "item": item, "unit": unit}))
        return opened
    try:
        if verb is Verb.close:
            step = await close(session, actor, item, unit, when, version)
        else:
            step = await lifecycle.grant_extension(session, item=item, unit=unit, actor=actor, at=when.at,
                                                   update_id=when.update_id, version=version)  # fmt: skip
    except Refused as error:
        return _refused(error)
    await notices.moved(session, step=step, unit=unit, now=when.at)
    told = Told("problem_moved", {"verb": verb.value, "item": item, "unit": unit}, notified=True)
    return Result([told], toast=None)


async def close(session: AsyncSession, actor: Actor, item: ProblemItem, unit: Unit, when: Moment,
                version: int | None) -> lifecycle.Moved:  # fmt: skip
    """销号, with a revisit (回头看) falling due after the configured days, for the inspector who raised
    the item (the person closing it, for an item of a committee evaluation)."""
    revisit_on = when.today + timedelta(days=await config.value(session, "revisit_days"))
    revisit_by = actor.person_id
    if item.source_type != "submission" and item.created_by:
        raiser = await session.get(Person, item.created_by)
        if raiser is not None:
            revisit_by = raiser.id
    return await lifecycle.close(session, item=item, unit=unit, actor=actor, at=when.at, revisit_on=revisit_on,
                                 revisit_by=revisit_by, update_id=when.update_id, version=version)  # fmt: skip


# --- spot checks --------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchChoice:
    """Branches found for /inspect's words (only those in the inspector's scope), to pick one."""

    query: str
    units: list[Unit]
    total: int


@dataclass(frozen=True)
class KindChoice:
    """The branch picked: which kind of check (定期检查, 不定期抽查, 明察暗访, 回头看)."""

    unit: Unit
    targets: int  # closed items a revisit would look at again


async def inspect(session: AsyncSession, actor: Actor, query: str, when: Moment) -> Result:
    """/inspect [part of a name or code]: the branches in scope that match, as buttons."""
    if not permissions.may_somewhere(actor, Action.inspect_unit):
        return refusal("not_allowed", pressed=False, message="not_allowed")
    units, total = await inspections.find_branches(session, actor, query)
    return Result([BranchChoice(query.strip(), units, total)])


async def _inspectable(session: AsyncSession, actor: Actor, unit_id: int) -> Unit | str:
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.type is not UnitType.branch:
        return "stale"
    if not permissions.allows(actor, Action.inspect_unit, unit.path):
        return "not_allowed"
    return unit


async def pick_branch(session: AsyncSession, actor: Actor, unit_id: int) -> Result:
    """A branch button: which kind of check (the button grants nothing by itself)."""
    unit = await _inspectable(session, actor, unit_id)
    if isinstance(unit, str):
        return refusal(unit, pressed=True)
    return Result([KindChoice(unit, len(await inspections.revisit_targets(session, unit)))])


async def begin_inspection(session: AsyncSession, actor: Actor, unit_id: int, kind: str, when: Moment,
                           draw_id: int | None = None) -> Result:  # fmt: skip
    """A kind button: start the check and open its form (resume the open form instead, if there is one)."""
    unit = await _inspectable(session, actor, unit_id)
    if isinstance(unit, str) or kind not in InspectionKind.__members__:
        return refusal(unit if isinstance(unit, str) else "stale", pressed=True)
    if await sessions.open_form(session, when.chat_id) is not None:
        shown = await usecases.current(session, when)
        title = next((s.prompt.title for s in shown.said if isinstance(s, Shown)), "")
        return Result([Told("form_busy", {"title": title}), *shown.said])
    inspection = await inspections.start(session, actor=actor, unit=unit, kind=InspectionKind(kind), at=when.at,
                                         update_id=when.update_id, draw_id=draw_id)  # fmt: skip
    opened = await usecases.begin(session, actor, purposes.INSPECTION.name, spotcheck.FORM_ID, unit, when,
                                  subject_id=inspection.id)  # fmt: skip
    told = Told("inspection_begun", {"kind": kind, "unit": unit, "targets": inspection.targets or []},
                notified=inspection.kind is not InspectionKind.covert)  # the branch was told, unless covert
    opened.said.insert(0, told)
    return opened


# --- random draws -------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawn:
    """A draw made: told to the inspector alone, with a button to check each branch drawn."""

    draw: Draw
    units: list[Unit]


PASSED_WORDS = ("达标", "passed", "pass")


async def draw(session: AsyncSession, actor: Actor, words: list[str], when: Moment) -> Result:
    """/draw N [达标]: N branches in scope at random (only those passed this year with 达标)."""
    if not permissions.may_somewhere(actor, Action.draw_sample):
        return refusal("not_allowed", pressed=False, message="not_allowed")
    size = words[0] if words else ""
    rest = [w.lower() for w in words[1:]]
    if not (size.isascii() and size.isdigit() and len(size) <= 3) or any(w not in PASSED_WORDS for w in rest):
        return Result([Told("draw_usage")])
    try:
        row, units = await draws.draw(session, actor=actor, size=int(size), only_passed=bool(rest), at=when.at,
                                      today=when.today, update_id=when.update_id)  # fmt: skip
    except draws.DrawRefused as refused:
        return Result([Told("draw_refused", {"code": refused.code, **refused.params})])
    return Result([Drawn(row, units)])


async def begin_drawn(session: AsyncSession, actor: Actor, draw_id: int, unit_id: int, when: Moment) -> Result:
    """A drawn branch's button: its 不定期抽查, linked to the draw (only the inspector who drew it)."""
    row = await session.get(Draw, draw_id)
    unit = await session.get(Unit, unit_id)
    if row is None or unit is None or row.drawn_by != actor.person_id or unit.code not in row.chosen:
        return refusal("stale", pressed=True)
    return await begin_inspection(session, actor, unit_id, InspectionKind.random.value, when, draw_id=row.id)


# --- the committee's ledger ---------------------------------------------------------------

LEDGER_KINDS = ("s", "o", "src", "b", "u")


async def ledger(session: AsyncSession, actor: Actor, when: Moment, *, kind: str | None = None, value: str = "",
                 page: int = 0) -> Result:  # fmt: skip
    """/ledger (问题台账) and its buttons: the summary, a page of items or branches, one branch's ledger."""
    pressed = kind is not None
    try:
        if kind is None:
            return Result([await problem_ledger.summary(session, actor, when.today)])
        if kind == "b":
            return Result([await problem_ledger.branches(session, actor, page=page, today=when.today)])
        if kind == "u":
            found = await problem_ledger.branch(session, actor, int(value), when.today) if value.isdigit() else None
            return Result([found]) if found else refusal("stale", pressed=True)
        if (kind == "s" and value not in ("active", *ProblemStatus.__members__)) or \
                (kind == "src" and value not in problem_ledger.SOURCES) or kind not in LEDGER_KINDS:  # fmt: skip
            return refusal("stale", pressed=True)
        return Result([await problem_ledger.listing(session, actor, kind=kind, value=value, page=page,
                                                    today=when.today)])  # fmt: skip
    except permissions.NotAllowed:
        return refusal("not_allowed", pressed=pressed, message="not_allowed")
