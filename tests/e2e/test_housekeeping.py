"""Housekeeping: what the bot keeps about updates does not grow for ever."""

from __future__ import annotations

from sqlalchemy import select

from bot import scheduling
from storage.models import ProcessedUpdate


async def test_sweep__a_day_later__forgets_the_update_ids_that_cannot_come_again(bot, api, clock):
    wang = api.user("王芳")
    old = await wang.send("/help")
    await wang.replies()
    clock.advance(hours=23)
    recent = await wang.send("/help")
    await wang.replies()
    clock.advance(hours=2)

    report = await scheduling.run_sweep(bot.sessions, clock, bot.runtime.deps.timezone)

    async with bot.sessions() as session:
        kept = set(await session.scalars(select(ProcessedUpdate.update_id)))
    assert kept == {recent["update_id"]} and old["update_id"] not in kept
    assert report.forgotten == 1
    answers = len(wang.messages)
    await api.redeliver(recent)  # a recent one is still known: a re-delivery changes nothing
    await api.settled()
    assert len(wang.messages) == answers
