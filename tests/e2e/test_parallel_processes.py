"""Two ``python -m bot webhook`` processes on one PostgreSQL database behind a forwarder that delivers
one chat's updates in parallel: an album keeps 5 of 5 photos, and of two choices pressed at once
exactly one is taken.

A row lock held from outside makes every update of a burst read the form before any of them writes,
so the race happens every run (see tests/e2e/parallel.py).
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select
from telegram import Bot

from domain.kernel.clock import SystemClock
from storage import database
from storage.models import FormSession, Role
from tests.e2e.driver import JPEG
from tests.e2e.harness import WEBHOOK_SECRET, make_invite, seed_units
from tests.e2e.parallel import Forwarder, locked, wait_for_lock_waiters
from tests.e2e.test_reminders_postgres import WebhookBotProcess

pytestmark = pytest.mark.skipif(not os.environ.get("ZHIBU_TEST_DATABASE_URL"), reason="needs PostgreSQL")
FORM_ROW = "SELECT 1 FROM form_sessions WHERE id = :id FOR UPDATE"
SECRET = WEBHOOK_SECRET  # what WebhookBotProcess gives its processes


async def open_form(database_url: str) -> FormSession:
    engine = database.create_engine(database_url)
    try:
        async with database.sessionmaker(engine)() as session:
            return await session.scalar(select(FormSession).where(FormSession.closed_at.is_(None)))
    finally:
        await engine.dispose()


async def burst(api, forwarder: Forwarder, database_url: str, form_id: int, count: int, send) -> None:
    """Send ``count`` updates through ``send``, then deliver them to the two processes at once while
    the form's row is locked, until all of them wait for it."""
    forwarder.hold()
    await send()
    await api.wait_for(lambda _: forwarder.held == count, what=f"{count} updates at the forwarder")
    async with locked(database_url, FORM_ROW, id=form_id):
        forwarder.release()
        # Within a process one chat's updates take turns (bot/lanes.py): one per process waits at the lock.
        await wait_for_lock_waiters(database_url, min(count, 2), timeout=30)


async def test_two_webhook_processes__one_chat_in_parallel__album_kept_whole_and_one_of_two_choices(
    api, database_url, tmp_path
):
    clock = SystemClock()  # the processes run on the real clock too
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    bots = [WebhookBotProcess(api, database_url, tmp_path / f"bot{i}.log") for i in range(2)]
    forwarder = Forwarder([f"http://127.0.0.1:{bot.port}/telegram" for bot in bots], secret=SECRET)
    await forwarder.start()
    try:
        for bot in bots:
            bot.start()
        await api.wait_for(lambda a: len(a.calls("setWebhook")) == 2, timeout=60, what="both processes serving")
        async with Bot(api.token, base_url=api.base_url) as client:  # Telegram now posts to the forwarder
            await client.set_webhook(forwarder.url, secret_token=SECRET)
        api.add_settle_condition("the forwarder is still posting updates", lambda: forwarder.idle)

        wang = api.user("王芳")
        await wang.send(f"/start {token}")
        await wang.replies(timeout=20)
        await wang.send("/activity")
        # A process answers Telegram within 0.2 s and may still be handling the update (bot/webhook.py):
        # wait for the prompt itself, not for the forwarder to fall quiet.
        kinds = await api.wait_for(lambda a: next((m for m in wang.messages if "支委会" in m.button_texts), None),
                                   timeout=20, what="the meeting kinds")  # fmt: skip
        form = await open_form(database_url)

        async def press_two() -> None:
            await wang.press("支委会", message=kinds)
            await wang.press("党小组会", message=kinds)

        await burst(api, forwarder, database_url, form.id, 2, press_two)
        await wang.replies(timeout=20)
        answers = sorted(a.text or "" for a in wang.callback_answers[-2:])
        assert answers == ["", "这个按钮已失效，请使用最新一条消息中的按钮。"]  # the loser, read before or after
        form = await open_form(database_url)
        assert form.state["answers"]["kind"] in ("committee_meeting", "group_meeting")

        for answer in ("昨天", "学习党章", "20", "18"):
            await wang.send(answer)
            await wang.replies(timeout=20)
        assert "签到表照片" in wang.last.text

        async def album() -> None:
            await wang.send_album([JPEG] * 5)

        await burst(api, forwarder, database_url, form.id, 5, album)
        await wang.replies(timeout=20)
        await wang.press("完成 ✔️")
        await wang.replies(timeout=20)
        form = await open_form(database_url)
        assert len(form.state["answers"]["signin_photos"]) == 5
        assert len({target for _, target, status in forwarder.delivered if status == 200}) == 2
    finally:
        await forwarder.stop()
        for bot in bots:
            bot.terminate()
