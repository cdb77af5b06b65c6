"""Housekeeping: what the bot keeps about updates does not grow for ever; one process sends the outbox;
a notice too long for one message is cut where it reads well."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import app as bot_app
from bot import scheduling
from domain.kernel import outbox
from domain.kernel.outbox import Notice
from storage.models import ProcessedUpdate
from tests.e2e.driver import arrives
from tests.e2e.harness import settings_for
from tests.e2e.test_reminders_restart import assert_each_exactly_once, queue_broadcasts
from tests.fakebotapi import FakeBotAPI, Limits


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


async def test_two_dispatchers_on_one_sqlite_file__only_one_sends__and_the_other_takes_over_when_it_stops(
    database_url, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL elects its sender with an advisory lock (test_reminders_postgres)")
    async with FakeBotAPI(limits=Limits()) as api:
        chat_ids = [api.user(f"书记{i}").id for i in range(40)]
        runtimes = [bot_app.build(settings_for(api, database_url)) for _ in range(2)]  # two processes' worth
        senders: dict[int, list[int]] = {0: [], 1: []}
        for n, runtime in enumerate(runtimes):
            runtime.dispatcher.on_sent = senders[n].append
            await bot_app.start(runtime)
        stopped = set()
        try:
            await queue_broadcasts(database_url, chat_ids[:20])
            for runtime in runtimes:
                runtime.dispatcher.wake()
            # Counted once recorded as sent (after the call), not when the Bot API saw the call.
            await api.wait_for(lambda a: len(senders[0]) + len(senders[1]) >= 20, timeout=30,
                               what="the first twenty sent and recorded")  # fmt: skip
            [leader] = [n for n in senders if senders[n]]
            assert len(senders[leader]) == 20 and senders[1 - leader] == [], "one sender"

            await bot_app.stop(runtimes[leader])  # it hands its lease back
            stopped.add(leader)
            await queue_broadcasts(database_url, chat_ids[20:])
            runtimes[1 - leader].dispatcher.wake()
            await api.wait_for(lambda a: len(a.sent) >= 40, timeout=30, what="the rest sent by the other")
            await api.wait_for(lambda a: not a.state.in_flight, timeout=10, what="quiet")
        finally:
            for n, runtime in enumerate(runtimes):
                if n not in stopped:
                    await bot_app.stop(runtime)
        assert len(senders[1 - leader]) == 20
        assert_each_exactly_once(api, chat_ids)


async def test_notice_longer_than_a_message__is_cut_at_a_line_break_and_says_so(bot, api, clock):
    wang = api.user("王芳")
    lines = [f"第{n}项 <整改> & 说明：{'字' * 40}" for n in range(200)]  # escaped: &lt;整改&gt; &amp;
    async with bot.sessions() as session, session.begin():
        await outbox.enqueue(session, [Notice(key="long", kind="broadcast", chat_id=wang.id,
                                              template="reminder_broadcast.html.j2", values={"text": "\n".join(lines)},
                                              not_before=clock.now(), bypass_quiet=True)], now=clock.now())  # fmt: skip
    bot.runtime.dispatcher.wake()

    notice = await arrives(api, wang, "组织部通知")

    shown = notice.text.split("\n")
    assert shown[-1] == "…" and 50 < len(shown) < len(lines)
    assert all(line in lines for line in shown[2:-1]), "whole lines only, no entity cut"
