from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.kernel.clock import TravellingClock
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.parallel import webhook_bots
from tests.fakebotapi import FakeBotAPI


@pytest.fixture
def clock() -> TravellingClock:
    return TravellingClock(datetime(2026, 3, 2, 1, 30, tzinfo=UTC))  # a Monday, 09:30 in Shanghai


@pytest.fixture
async def api():
    async with FakeBotAPI() as fake:
        yield fake


@pytest.fixture
async def bot(api, database_url, clock):
    """The example county's units imported and the bot polling the fake Bot API."""
    await seed_units(database_url, clock)
    async with running_bot(api, database_url, clock) as running:
        yield running


@pytest.fixture
async def bots(api, database_url, clock):
    """The example county's units, and two bots in webhook mode behind a forwarder that delivers one
    chat's updates at the same time (tests/e2e/parallel.py)."""
    await seed_units(database_url, clock)
    async with webhook_bots(api, database_url, clock, count=2) as running:
        yield running
