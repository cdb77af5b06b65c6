"""A small world for reminder tests: the example county, people in their roles, a bound committee group.

People and bindings are written straight to the database (onboarding has its own tests), so each
test starts from the state it is about and only the reminders go through the real Application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot import scheduling
from domain.kernel.clock import TravellingClock
from storage.models import (
    ActivityRecord,
    Chat,
    OutboxMessage,
    Person,
    ProblemItem,
    ProblemStatus,
    Role,
    RoleAssignment,
    Unit,
)
from tests.e2e.harness import RunningBot
from tests.fakebotapi import FakeBotAPI, FakeGroup, FakeUser

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """``day`` at ``hour:minute`` in Shanghai, as an aware UTC moment."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


@dataclass
class World:
    bot: RunningBot
    api: FakeBotAPI
    clock: TravellingClock
    people: dict[str, tuple[FakeUser, int]] = field(default_factory=dict)  # name -> (user, person id)

    @property
    def sessions(self):
        return self.bot.sessions

    async def unit_id(self, code: str) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(Unit.id).where(Unit.code == code))

    async def person(self, name: str, role: Role, unit_code: str, *, locale: str | None = None) -> FakeUser:
        user = self.api.user(name)
        unit_id = await self.unit_id(unit_code)
        async with self.sessions() as session, session.begin():
            person = Person(name=name, telegram_user_id=user.id, locale=locale, created_at=self.clock.now())
            session.add(person)
            await session.flush()
            session.add(RoleAssignment(person_id=person.id, role=role, unit_id=unit_id, created_at=self.clock.now()))
        self.people[name] = (user, person.id)
        return user

    def person_id(self, name: str) -> int:
        return self.people[name][1]

    async def group(self, title: str, unit_code: str) -> FakeGroup:
        group = self.api.group(title)
        group.chat.bot_status = "member"  # the bot was added and the group bound (tested elsewhere)
        unit_id = await self.unit_id(unit_code)
        async with self.sessions() as session, session.begin():
            session.add(Chat(id=group.id, type="group", title=title, unit_id=unit_id, bound_at=self.clock.now()))
        return group

    async def problem(self, unit_code: str, clause: str, due_on: date) -> int:
        unit_id = await self.unit_id(unit_code)
        async with self.sessions() as session, session.begin():
            item = ProblemItem(unit_id=unit_id, source_type="inspection", source_id=1, item="1.1", clause=clause,
                               status=ProblemStatus.open, due_on=due_on, created_at=self.clock.now())  # fmt: skip
            session.add(item)
            await session.flush()
            return item.id

    async def activity(self, unit_code: str, kind: str, held_on: date, by: str) -> None:
        unit_id = await self.unit_id(unit_code)
        async with self.sessions() as session, session.begin():
            session.add(ActivityRecord(unit_id=unit_id, kind=kind, held_on=held_on, topic="学习", attended=10,
                                       expected=12, answers={}, recorded_by=self.person_id(by),
                                       recorded_at=self.clock.now()))  # fmt: skip

    async def sweep(self):
        runtime = self.bot.runtime
        return await scheduling.run_sweep(runtime.deps.sessions, self.clock, runtime.deps.timezone)

    async def drain(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        await self.bot.runtime.dispatcher.drain(timeout=timeout)
        await self.api.settled()

    async def at(self, moment: datetime) -> None:
        """Travel to ``moment``, sweep and send whatever is due."""
        self.clock.set(moment)
        await self.sweep()
        await self.drain()

    async def rows(self, **where) -> list[OutboxMessage]:
        async with self.sessions() as session:
            query = select(OutboxMessage).order_by(OutboxMessage.id)
            for name, value in where.items():
                query = query.where(getattr(OutboxMessage, name) == value)
            return list((await session.scalars(query)).all())
