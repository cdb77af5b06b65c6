"""Form purposes (表单用途) as a registry: what a form is for, who may open it, what finishing does,
and the facts about a unit that forms may prefill from.

The one engine (``domain.forms``) runs every form; a purpose says where its definition comes from,
which action of the permissions table opening and finishing it needs, what it is about (its subject,
by type and id), and what happens when it is submitted. Adding a purpose is registering one
``Purpose``; nothing else branches on purpose names.

Capabilities register their purposes when their ``purposes`` module is imported; ``INSTALLED``
lists those modules (a new capability adds its line there).
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.forms import Earlier, FormContext, FormDefinition
from domain.org.people import Actor
from domain.org.permissions import Action
from storage.models import FormSession, Unit, UnitType

INSTALLED = ("domain.standardisation.purposes", "domain.problems.purposes", "domain.projects.purposes")


@dataclass(frozen=True)
class Told:
    """A message for the person: a template name (without ``.html.j2``) and its values.
    ``notified`` says outbox rows were written, so the sender should look now."""

    message: str
    values: Mapping[str, Any] = field(default_factory=dict)
    notified: bool = False


@dataclass(frozen=True)
class Finishing:
    """What a purpose's ``finish`` gets: the submitted form, in the update's transaction."""

    session: AsyncSession
    form: FormSession
    definition: FormDefinition
    answers: dict[str, Any]
    context: FormContext
    unit: Unit
    actor: Actor
    at: datetime
    today: date
    update_id: int | None


Definition = Callable[[AsyncSession, str, int | None, str | None], Awaitable[FormDefinition]]
# Before a form opens: a reason it may not (a deadline passed, a quota full), told to the person, or None.
MayBegin = Callable[[AsyncSession, Actor, Unit, int | None, date], Awaitable[Told | None]]
# Answers a form opens with (editing what was submitted before, e.g. a returned plan), or None for none.
Initial = Callable[[AsyncSession, int | None], Awaitable[dict[str, Any] | None]]
Returned = Callable[[AsyncSession, Unit, str], Awaitable[Earlier | None]]


@dataclass(frozen=True)
class Purpose:
    name: str  # kept on the form session
    action: Action  # needed on the unit to open the form, and again when it takes effect
    definition: Definition  # (session, form id, subject id, version or None for the current one)
    finish: Callable[[Finishing], Awaitable[Told]]  # raises NotCurrent / NotAllowed to refuse
    starts: Mapping[str, str] = field(default_factory=dict)  # short code (buttons, reminders) → form id
    subject_type: str | None = None  # what subject_id names, e.g. "submission"
    unit_types: tuple[UnitType, ...] = (UnitType.branch,)  # the units a start code offers the form on
    may_begin: MayBegin | None = None
    initial: Initial | None = None  # the form then opens on its review, every answer there to edit
    returned: Returned | None = None  # (session, unit, form id): a returned attempt to start from, kept


class NotCurrent(Exception):
    """Finishing found the subject changed meanwhile (e.g. another reviewer decided first).

    ``reason`` names what changed, for the message (``form_refused``); the default is a submission
    decided by another reviewer."""

    def __init__(self, message: str = "", reason: str = "not_current") -> None:
        super().__init__(message or reason)
        self.reason = reason


Facts = Callable[[AsyncSession, int, date], Awaitable[dict[str, Any]]]  # (session, unit id, today) → facts


class Registry:
    def __init__(self) -> None:
        self._purposes: dict[str, Purpose] = {}
        self._facts: dict[str, Facts] = {}
        self._loaded = False

    def register_facts(self, prefix: str, provide: Facts) -> None:
        """Facts about a unit that forms may prefill from (``prefill: activity.monthly_ok``), worked
        out when a form begins, for every field whose prefill starts with ``prefix``."""
        self._facts[prefix] = provide

    def facts(self) -> Mapping[str, Facts]:
        self._load()
        return MappingProxyType(self._facts)

    def register(self, purpose: Purpose) -> Purpose:
        known = self._purposes.get(purpose.name)
        if known is not None and known is not purpose:
            raise ValueError(f"purpose {purpose.name!r} is registered already")
        codes = {code for other in self._purposes.values() if other is not known for code in other.starts}
        if codes & set(purpose.starts):
            raise ValueError(f"start codes {sorted(codes & set(purpose.starts))} are taken")
        self._purposes[purpose.name] = purpose
        return purpose

    def unregister(self, name: str) -> None:
        self._purposes.pop(name, None)

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            for module in INSTALLED:
                importlib.import_module(module)

    def get(self, name: str) -> Purpose:
        self._load()
        return self._purposes[name]

    def starter(self, code: str) -> tuple[Purpose, str] | None:
        """The purpose and form id a start code opens, or None for an unknown code."""
        self._load()
        for purpose in self._purposes.values():
            if code in purpose.starts:
                return purpose, purpose.starts[code]
        return None

    def all(self) -> Mapping[str, Purpose]:
        self._load()
        return MappingProxyType(self._purposes)


PURPOSES = Registry()
