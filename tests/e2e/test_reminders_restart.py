"""Kill -9 the bot in the middle of sending 1,000 reminders; the restart sends the rest, none twice.

The bot runs as a child process (``python -m bot run``) against the fake Bot API with Telegram's
limits on. Holding sendMessage at the fake's door freezes every sender between "admitted" and
"reached Telegram", which is where a kill can leave nothing ambiguous; see bot/dispatcher.py for
the one window that no design can close (a message accepted just before the kill).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.dispatcher import CONCURRENCY
from domain.kernel import outbox
from domain.kernel.outbox import Notice
from storage import database, migrate
from storage.models import OutboxMessage, OutboxStatus
from tests.e2e.harness import BotProcess
from tests.fakebotapi import FakeBotAPI, Limits

COUNT = 1000


async def queue_broadcasts(database_url: str, chat_ids: list[int], *, upgrade: bool = False) -> None:
    """One explicit broadcast per chat (they ignore quiet hours, so the test runs at any hour)."""
    engine = database.create_engine(database_url)
    if upgrade:
        await migrate.upgrade(engine)
    now = datetime.now(UTC)
    async with database.sessionmaker(engine)() as session, session.begin():
        await outbox.enqueue(session, [
            Notice(key=f"load:{chat_id}", kind="broadcast", chat_id=chat_id, template="reminder_broadcast.html.j2",
                   values={"text": f"load:{chat_id}"}, not_before=now, bypass_quiet=True)
            for chat_id in chat_ids
        ], now=now)  # fmt: skip
    await engine.dispose()


async def outbox_counts(database_url: str) -> Counter:
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session:
        rows = (await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all()
    await engine.dispose()
    return Counter({status: n for status, n in rows})


def delivered(api: FakeBotAPI) -> Counter:
    """How many times each reminder key reached Telegram, read from what the fake recorded."""
    return Counter(m.text.splitlines()[-1] for m in api.sent if m.text.startswith("📢"))


def assert_each_exactly_once(api: FakeBotAPI, chat_ids: list[int]) -> None:
    counts = delivered(api)
    missing = {f"load:{c}" for c in chat_ids} - set(counts)
    assert not missing, (missing, [m for m in api.sent if m.chat_id in {int(k[5:]) for k in missing}],
                         {k: n for k, n in counts.items() if n > 1}, len(api.sent))
    assert sorted(counts) == sorted(f"load:{c}" for c in chat_ids), "none lost"
    assert {k: n for k, n in counts.items() if n > 1} == {}, "none twice"
    assert api.count_429 == 0


async def test_dispatcher__killed_while_sending_a_thousand_and_restarted__sends_each_exactly_once(database_url, tmp_path):
    async with FakeBotAPI(limits=Limits()) as api:
        users = [api.user(f"书记{i}") for i in range(COUNT)]
        chat_ids = [u.id for u in users]
        await queue_broadcasts(database_url, chat_ids)
        bot = BotProcess(api, database_url, tmp_path / "bot.log")
        bot.start()
        try:
            await api.wait_for(lambda a: len(a.sent) >= 250, timeout=60, what="a quarter sent")
            api.hold("sendMessage")
            # Every sender stopped at the door: each earlier send was answered and recorded.
            await api.wait_for(lambda a: a.held("sendMessage") == CONCURRENCY, timeout=15, what="all senders held")
            bot.kill()
            api.release("sendMessage")
            before = len(api.sent)
            counts = await outbox_counts(database_url)
            assert counts[OutboxStatus.sent] == before and counts[OutboxStatus.pending] == COUNT - before

            bot.start()
            await api.wait_for(lambda a: len(a.sent) >= COUNT, timeout=90, what="all sent after the restart")
            await api.wait_for(lambda a: not a.state.in_flight, timeout=10, what="quiet")
        finally:
            bot.terminate()
        assert_each_exactly_once(api, chat_ids)
        assert (await outbox_counts(database_url))[OutboxStatus.sent] == COUNT, bot.log()[-3000:]
