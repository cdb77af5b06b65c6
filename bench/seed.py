"""Seed a benchmark database through the domain's own functions."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from domain.org import invites, units
from domain.org.people import Actor
from storage import database, migrate
from storage.models import Role

EXAMPLE_UNITS = Path(__file__).parents[1] / "examples" / "units.csv"
BRANCHES = ("T0101", "T0102", "T0103", "Z0101", "Z0102")


async def secretaries(database_url: str, user_ids: list[int]) -> None:
    """Import the example county and make each user the secretary of one of its branches."""
    engine = database.create_engine(database_url)
    await migrate.upgrade(engine)
    now = datetime.now(UTC)
    async with database.sessionmaker(engine)() as session, session.begin():
        await units.import_units(session, data=EXAMPLE_UNITS.read_bytes(), filename="units.csv", actor_id=None,
                                 at=now)  # fmt: skip
        for n, user_id in enumerate(user_ids):
            unit = await units.by_code(session, BRANCHES[n % len(BRANCHES)])
            made = await invites.create(session, role=Role.secretary, unit=unit, name=f"书记{n}", days=1,
                                        actor_id=None, at=now)  # fmt: skip
            await invites.redeem(session, token=made.token, actor=Actor(telegram_user_id=user_id),
                                 display_name=f"书记{n}", at=now, update_id=None)  # fmt: skip
    await engine.dispose()
