"""Who hears what about projects, written to the outbox in the deciding transaction (通报 and notices).

- a call: the committee groups bound in its scope, and the secretaries and committee members there;
- a plan submitted: the reviewers of its unit (the one rule of ``permissions.reviewers_of``);
- endorsed or returned: the unit's people (its drafter and secretaries), and on endorsement the admins;
- the review opened: the panel members whose scope covers the plans;
- selected or not, rewards and accountability: every committee group in the call's scope (通报) and
  the unit's people;
- an acceptance conclusion, a rectification answered: the unit's people, the admins and the panel.

Values are plain JSON and texts are chosen by the template in the reader's language; labels given in
both languages travel as ``{"zh": …, "en": …}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.forms import LocalText
from domain.kernel import outbox
from domain.kernel.outbox import Button, Notice
from domain.org import recipients
from domain.org.recipients import Recipient
from storage.models import Chat, Person, Project, ProjectCall, Role, RoleAssignment, Unit, UnitType


def text(label: LocalText) -> dict[str, str]:
    return {"zh": label.zh, "en": label.en or label.zh}


async def _subtree(session: AsyncSession, unit_path: str) -> list[Unit]:
    return list(await session.scalars(select(Unit).where(Unit.path.startswith(unit_path)).order_by(Unit.path)))


async def groups_in(session: AsyncSession, unit_path: str) -> list[Chat]:
    """Group chats bound to a unit in the subtree (the committees' groups)."""
    ids = [u.id for u in await _subtree(session, unit_path)]
    return list(await session.scalars(select(Chat).where(Chat.unit_id.in_(ids)).order_by(Chat.id))) if ids else []


async def people_with(session: AsyncSession, role: Role, unit_path: str, *, on_unit_only: bool = False) -> list[Recipient]:
    """Joined people holding ``role`` in the subtree (or exactly on the unit)."""
    query = (select(Person).join(RoleAssignment, RoleAssignment.person_id == Person.id)
             .join(Unit, Unit.id == RoleAssignment.unit_id)
             .where(RoleAssignment.role == role, Person.telegram_user_id.is_not(None)))  # fmt: skip
    query = query.where(Unit.path == unit_path) if on_unit_only else query.where(Unit.path.startswith(unit_path))
    rows = await session.scalars(query.distinct().order_by(Person.id))
    return [Recipient(p.id, p.telegram_user_id, p.name, p.locale) for p in rows]


async def admins_over(session: AsyncSession, unit: Unit) -> list[Recipient]:
    ancestors = [int(a) for a in unit.path.strip("/").split("/") if a]
    return await recipients.holders(session, role=Role.admin, unit_ids=ancestors)


async def panel_over(session: AsyncSession, unit: Unit) -> list[Recipient]:
    ancestors = [int(a) for a in unit.path.strip("/").split("/") if a]
    return await recipients.holders(session, role=Role.panel, unit_ids=ancestors)


async def unit_people(session: AsyncSession, project: Project, unit: Unit) -> list[Recipient]:
    """The project's drafter and the unit's secretaries (and committee members, for a committee's own project)."""
    found = {r.person_id: r for r in await recipients.secretaries(session, unit)}
    if unit.type is not UnitType.branch:
        for r in await people_with(session, Role.committee, unit.path, on_unit_only=True):
            found.setdefault(r.person_id, r)
    drafter = await session.get(Person, project.drafted_by)
    if drafter is not None and drafter.telegram_user_id is not None:
        found.setdefault(drafter.id, Recipient(drafter.id, drafter.telegram_user_id, drafter.name, drafter.locale))
    return list(found.values())


def project_values(project: Project, unit: Unit, **more: Any) -> dict[str, Any]:
    return {"project_id": project.id, "title": project.title, "unit_name": unit.name, "status": project.status,
            "responsible": project.responsible, **more}  # fmt: skip


TEMPLATE = "project_notice.html.j2"  # one template; ``what`` in the values says which notice it is


def _to(people: Iterable[Recipient], key: str, kind: str, subject: str, what: str, values: dict[str, Any],
        now: datetime, buttons=()) -> list[Notice]:  # fmt: skip
    return [Notice(key=f"{key}:p{p.person_id}", kind=kind, chat_id=p.chat_id, person_id=p.person_id, subject=subject,
                   template=TEMPLATE, values={**values, "what": what}, not_before=now, buttons=buttons)
            for p in people]  # fmt: skip


def _to_groups(groups: Iterable[Chat], key: str, kind: str, subject: str, what: str, values: dict[str, Any],
               now: datetime) -> list[Notice]:  # fmt: skip
    return [Notice(key=f"{key}:g{g.id}", kind=kind, chat_id=g.id, subject=subject, template=TEMPLATE,
                   values={**values, "what": what, "group": True}, not_before=now) for g in groups]  # fmt: skip


def card_button(project_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button("project.btn.card", f"pj:{project_id}"),),)


async def call_opened(session: AsyncSession, *, call: ProjectCall, unit: Unit, kind, now: datetime) -> int:
    """Announce a call to the groups and the people who may apply in its scope."""
    values = {"call_id": call.id, "title": call.title, "year": call.year, "scope": unit.name,
              "blocks": [text(kind.block(b).label) for b in call.blocks], "max_per_unit": call.max_per_unit,
              "deadline_on": call.plan_deadline, "topics": call.topics, "kind": text(kind.name)}  # fmt: skip
    key, subject = f"call:{call.id}:opened", f"call:{call.id}"
    people: dict[int, Recipient] = {}
    for role in (Role.secretary, Role.committee):
        for person in await people_with(session, role, unit.path):
            people.setdefault(person.person_id, person)
    found = _to(people.values(), key, "project.call", subject, "call_announced", values, now,
                ((Button("project.btn.apply", "plan:start"),),))  # fmt: skip
    found += _to_groups(await groups_in(session, unit.path), key, "project.call", subject,
                        "call_announced", values, now)  # fmt: skip
    return await outbox.enqueue(session, found, now=now)


async def send(session: AsyncSession, notices: list[Notice], now: datetime) -> int:
    return await outbox.enqueue(session, notices, now=now)
