"""Webhook mode: Telegram posts updates; the secret token is checked on every request."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from bot import app as bot_app
from bot import webhook
from storage.models import Role
from tests.e2e.driver import arrives
from tests.e2e.harness import WEBHOOK_SECRET, make_invite, seed_units, settings_for, webhook_bot

SECRET = "s3cret-token_for-tests"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook__invite_onboarding_works_and_a_wrong_secret_is_rejected(api, database_url, clock):
    await seed_units(database_url, clock)
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    runtime = bot_app.build(settings_for(api, database_url), clock=clock)
    await bot_app.start(runtime)
    port, stop = _free_port(), asyncio.Event()
    url = f"http://127.0.0.1:{port}/telegram"
    serving = asyncio.create_task(webhook.serve(runtime.application, url=url, listen="127.0.0.1", port=port,
                                                secret=SECRET, cert=None, key=None, stop=stop))  # fmt: skip
    try:
        await api.wait_for(lambda a: a.calls("setWebhook"), what="setWebhook")
        wang = api.user("王芳")
        update = await wang.send(f"/start {token}")
        # The webhook answers Telegram within 0.2 s and may still be handling /start (bot/webhook.py):
        # wait for the greeting itself rather than for the exchange to fall quiet.
        greeting = await arrives(api, wang, "支部书记 · 城关镇红旗村党支部")
        assert wang.messages == [greeting]

        async with httpx.AsyncClient() as client:
            forged = await client.post(url, json=update, headers={webhook.SECRET_HEADER: "wrong"})
            missing = await client.post(url, json=update)
        assert (forged.status_code, missing.status_code) == (403, 403)
        assert len(wang.messages) == 1
    finally:
        stop.set()
        await serving
        await bot_app.stop(runtime)


@pytest.mark.parametrize("body", ["[]", "null", '"an update"', "{}", '{"update_id": "7"}', "{not json"])
async def test_webhook__a_body_that_is_no_update__is_answered_400(api, database_url, clock, body, caplog):
    async with webhook_bot(api, database_url, clock):
        async with httpx.AsyncClient() as client:
            answer = await client.post(api.webhook_url, content=body, headers={
                webhook.SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"})  # fmt: skip
        wang = api.user("王芳")
        await wang.send("/help")
        [help_] = await wang.replies()

    assert answer.status_code == 400
    assert "可用命令" in help_.text
    assert "Traceback" not in caplog.text
