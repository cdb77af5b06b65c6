"""Two bot processes on one PostgreSQL database drain one outbox: one sends, none twice; kill it, the other takes over.

Runs only when ZHIBU_TEST_DATABASE_URL names a PostgreSQL server; it creates and drops a database of
its own there, so it never disturbs the shared test database.
"""

from __future__ import annotations

import os
import re
import secrets

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.dispatcher import CONCURRENCY
from storage.models import OutboxStatus
from tests.e2e.harness import BotProcess, WebhookBotProcess
from tests.e2e.test_reminders_restart import (
    assert_each_exactly_once,
    outbox_counts,
    queue_broadcasts,
)
from tests.fakebotapi import FakeBotAPI, Limits

PG_URL = os.environ.get("ZHIBU_TEST_DATABASE_URL")
COUNT = 240

pytestmark = pytest.mark.skipif(not PG_URL, reason="needs ZHIBU_TEST_DATABASE_URL (PostgreSQL)")


@pytest.fixture
async def own_database():
    """A fresh database beside the shared one, dropped afterwards."""
    server = make_url(PG_URL)
    name = f"zhibu_reminders_{secrets.token_hex(4)}"
    admin = server.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def _leader(bots: list[BotProcess]) -> BotProcess:
    for bot in bots:
        if re.search(rf"dispatcher: leading, sending the outbox \(pid {bot.proc.pid}\)", bot.log()):
            return bot
    raise AssertionError("no process says it leads:\n" + "\n---\n".join(b.log()[-2000:] for b in bots))


async def test_two_processes_on_postgres__one_outbox__each_reminder_once_even_when_the_sender_is_killed(
    own_database, tmp_path
):
    async with FakeBotAPI(limits=Limits()) as api:
        chat_ids = [api.user(f"书记{i}").id for i in range(COUNT)]
        await queue_broadcasts(own_database, chat_ids, upgrade=True)
        bots = [WebhookBotProcess(api, own_database, tmp_path / f"bot{i}.log") for i in range(2)]
        for bot in bots:
            bot.start()
        try:
            await api.wait_for(lambda a: len(a.sent) >= 60, timeout=60, what="sending under way")
            api.hold("sendMessage")
            await api.wait_for(lambda a: a.held("sendMessage") == CONCURRENCY, timeout=15, what="all senders held")
            leader = _leader(bots)
            assert api.held("sendMessage") == CONCURRENCY, "only one process sends"
            leader.kill()
            api.release("sendMessage")
            survivor = next(b for b in bots if b is not leader)

            await api.wait_for(lambda a: len(a.sent) >= COUNT, timeout=60, what="the survivor sent the rest")
            await api.wait_for(lambda a: not a.state.in_flight, timeout=10, what="quiet")
            assert "dispatcher: leading" in survivor.log()
        finally:
            for bot in bots:
                bot.terminate()
        assert_each_exactly_once(api, chat_ids)
        assert (await outbox_counts(own_database))[OutboxStatus.sent] == COUNT
