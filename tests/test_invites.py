"""Redeeming an invite: single use holds when two units of work redeem the same token at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.kernel.clock import TravellingClock
from domain.org import invites
from domain.org.invites import InviteProblem, InviteRefused
from domain.org.people import Actor
from storage import database
from storage.models import AuditEntry, Person, Role, RoleAssignment
from tests.e2e.harness import make_invite, seed_units

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


async def _redeem(database_url: str, token: str, telegram_user_id: int) -> str:
    """One unit of work on its own engine (its own connection, as another process would have)."""
    engine = database.create_engine(database_url)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            await invites.redeem(session, token=token, actor=Actor(telegram_user_id=telegram_user_id),
                                 display_name=f"user {telegram_user_id}", at=AT, update_id=None)  # fmt: skip
        return "joined"
    except InviteRefused as refused:
        return refused.problem.value
    finally:
        await engine.dispose()


async def test_invite_redeem__two_units_of_work_at_once__one_role_and_the_other_refused_as_used(database_url):
    clock = TravellingClock(AT)
    await seed_units(database_url, clock)
    tokens = [await make_invite(database_url, clock, Role.secretary, "T0102") for _ in range(5)]

    outcomes = [await asyncio.gather(_redeem(database_url, token, 2 * n + 1), _redeem(database_url, token, 2 * n + 2))
                for n, token in enumerate(tokens)]  # fmt: skip

    assert all(sorted(pair) == ["joined", InviteProblem.used.value] for pair in outcomes), outcomes
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session:
        roles = await session.scalar(select(func.count()).select_from(RoleAssignment))
        people = await session.scalar(select(func.count()).select_from(Person))
        used = await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "invite.used"))
    await engine.dispose()
    assert (roles, people, used) == (5, 5, 5)
