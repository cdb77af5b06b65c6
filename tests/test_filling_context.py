"""A form is filled against the unit's facts as they were when it began (as a submission keeps its
checklist version); a form begun before such snapshots were kept gets one at its next answer."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import update

from domain import forms
from domain.filling import sessions as filling
from domain.org import units
from domain.org.people import Actor
from domain.standardisation import checklists
from storage.models import FormSession, Person, Unit, UnitDomain
from tests.e2e.harness import EXAMPLE_UNITS

NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 11, 2)


async def _begin(session, form_id: str = "demonstration") -> tuple[Actor, filling.Filled]:
    await units.import_units(session, data=EXAMPLE_UNITS.read_bytes(), filename="units.csv", actor_id=None, at=NOW)
    person = Person(name="王书记", telegram_user_id=501, created_at=NOW)
    session.add(person)
    await session.flush()
    actor = Actor(telegram_user_id=501, person_id=person.id, name=person.name)
    branch = await units.by_code(session, "T0101")
    begun = await filling.begin(session, actor=actor, chat_id=501, purpose="assessment", form_id=form_id,
                                unit=branch, today=TODAY, locale="zh", at=NOW)  # fmt: skip
    return actor, begun


async def _feed(session, actor: Actor, form: FormSession, user_input: forms.UserInput) -> filling.Filled:
    return await filling.feed(session, form=form, user_input=user_input, actor=actor, today=TODAY, locale="zh",
                              at=NOW, update_id=None)  # fmt: skip


async def test_the_unit_is_read_when_the_form_begins_and_kept_while_it_is_filled(session) -> None:
    actor, begun = await _begin(session, "standardisation")
    assert begun.form.context["unit"] == {"type": "branch", "domain": "community", "parent_type": "town_committee",
                                          "founded": "2008-07-01"}  # fmt: skip
    community_total = begun.prompt.total
    # The branch is re-registered as rural while its self-assessment is open: rural items differ.
    await session.execute(update(Unit).where(Unit.code == "T0101").values(domain=UnitDomain.rural))
    fed = await _feed(session, actor, begun.form, forms.Skip())  # refused (required): the same question again
    assert fed.prompt.total == community_total
    # A new filling reads the unit as it is now.
    rural = await filling.context_for(session, await units.by_code(session, "T0101"), TODAY, "zh")
    assert forms.start(await checklists.current(session, "standardisation"), rural).prompt.total != community_total


async def test_a_form_begun_without_a_snapshot_gets_one_at_its_next_answer(session) -> None:
    actor, begun = await _begin(session)
    kept = begun.form.context
    begun.form.context = None  # as a form begun before snapshots were kept
    await session.flush()
    resumed = await filling.resume(session, form=begun.form, today=TODAY, locale="zh")
    assert resumed.form.context is None  # showing the prompt again changes nothing
    refused = await _feed(session, actor, begun.form, forms.Skip())
    assert refused.form.context is None  # nothing accepted, nothing written
    fed = await _feed(session, actor, begun.form, forms.Text(begun.prompt.choices[0].label))
    assert fed.changed and fed.form.context == kept
    await session.refresh(fed.form)
    assert fed.form.context == kept  # in the database too
