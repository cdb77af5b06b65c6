"""Run the real Application against the fake Bot API, in this process or as a child process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bot import app as bot_app
from bot import polling, webhook
from bot.settings import Settings
from domain.kernel.clock import Clock
from domain.org import invites, units
from storage import database
from storage.models import Role
from tests.fakebotapi import FakeBotAPI

ROOT = Path(__file__).parents[2]
EXAMPLE_UNITS = ROOT / "examples" / "units.csv"


def settings_for(api: FakeBotAPI, database_url: str, **extra: object) -> Settings:
    return Settings(_env_file=None, bot_token=api.token, database_url=database_url, api_base_url=api.base_url,
                    **extra)  # fmt: skip


@dataclass
class RunningBot:
    runtime: bot_app.Runtime
    api: FakeBotAPI

    @property
    def sessions(self):
        return self.runtime.deps.sessions


@asynccontextmanager
async def running_bot(api: FakeBotAPI, database_url: str, clock: Clock) -> AsyncIterator[RunningBot]:
    """The bot in long-polling mode, in this event loop, until the block ends."""
    runtime = bot_app.build(settings_for(api, database_url), clock=clock)
    await bot_app.start(runtime)
    stop = asyncio.Event()
    task = asyncio.create_task(polling.poll(runtime.application, long_poll_seconds=5, stop=stop))
    try:
        yield RunningBot(runtime, api)
    finally:
        stop.set()
        await task
        await bot_app.stop(runtime)


WEBHOOK_SECRET = "s3cret-token_for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@asynccontextmanager
async def webhook_bot(api: FakeBotAPI, database_url: str, clock: Clock) -> AsyncIterator[RunningBot]:
    """The bot in webhook mode (the fake Bot API posts updates to it), until the block ends."""
    runtime = bot_app.build(settings_for(api, database_url), clock=clock)
    await bot_app.start(runtime)
    port, stop = free_port(), asyncio.Event()
    url = f"http://127.0.0.1:{port}/telegram"
    serving = asyncio.create_task(webhook.serve(runtime.application, url=url, listen="127.0.0.1", port=port,
                                                secret=WEBHOOK_SECRET, cert=None, key=None, stop=stop))  # fmt: skip
    try:
        await api.wait_for(lambda a: a.webhook_url == url, what="setWebhook")
        yield RunningBot(runtime, api)
    finally:
        stop.set()
        await serving
        await bot_app.stop(runtime)


@asynccontextmanager
async def bot_in_mode(mode: str, api: FakeBotAPI, database_url: str, clock: Clock) -> AsyncIterator[RunningBot]:
    """``running_bot`` ("polling") or ``webhook_bot`` ("webhook")."""
    running = running_bot if mode == "polling" else webhook_bot
    async with running(api, database_url, clock) as bot:
        yield bot


async def seed_units(database_url: str, clock: Clock) -> None:
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session, session.begin():
        await units.import_units(session, data=EXAMPLE_UNITS.read_bytes(), filename="units.csv", actor_id=None,
                                 at=clock.now())  # fmt: skip
    await engine.dispose()


async def make_invite(database_url: str, clock: Clock, role: Role, unit_code: str, name: str | None = None,
                      days: int = 7) -> str:  # fmt: skip
    """Create an invite as the CLI would and return its token."""
    engine = database.create_engine(database_url)
    async with database.sessionmaker(engine)() as session, session.begin():
        unit = await units.by_code(session, unit_code)
        created = await invites.create(session, role=role, unit=unit, name=name, days=days, actor_id=None,
                                       at=clock.now())  # fmt: skip
    await engine.dispose()
    return created.token


class BotProcess:
    """``python -m bot run`` as a child process, for kill -9 and restart tests."""

    def __init__(self, api: FakeBotAPI, database_url: str, log_path: Path) -> None:
        self.env = {**os.environ, "ZHIBU_BOT_TOKEN": api.token, "ZHIBU_DATABASE_URL": database_url,
                    "ZHIBU_API_BASE_URL": api.base_url, "ZHIBU_POLL_TIMEOUT": "2"}  # fmt: skip
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT)  # fmt: skip

    def kill(self) -> None:
        """SIGKILL: no clean-up, exactly like a crash or a power cut."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def terminate(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class WebhookBotProcess(BotProcess):
    """``python -m bot webhook``: several processes behind a load balancer (two pollers would conflict)."""

    def __init__(self, api: FakeBotAPI, database_url: str, log_path: Path) -> None:
        super().__init__(api, database_url, log_path)
        self.port = free_port()
        self.env["ZHIBU_WEBHOOK_SECRET"] = WEBHOOK_SECRET

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "webhook", "--url",
                                      f"http://127.0.0.1:{self.port}/telegram", "--listen", "127.0.0.1",
                                      "--port", str(self.port)], cwd=ROOT, env=self.env, stdout=log,
                                     stderr=subprocess.STDOUT)  # fmt: skip
