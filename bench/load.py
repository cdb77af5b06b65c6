"""Load drivers shared by the benchmarks: bot processes against the fake Bot API, closed and open loops."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.fakebotapi import FakeBotAPI, FakeUser

ROOT = Path(__file__).parents[1]


class BotUnderTest:
    """A bot as a child process (its own interpreter, as in production), stopped on exit."""

    def __init__(self, api: FakeBotAPI, module: str, *, args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 log: Path) -> None:  # fmt: skip
        self.cmd = [sys.executable, "-m", module, *args]
        self.env = {**os.environ, "ZHIBU_BOT_TOKEN": api.token, "ZHIBU_API_BASE_URL": api.base_url,
                    "ZHIBU_LOG_LEVEL": "WARNING", **(env or {})}  # fmt: skip
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                     stderr=subprocess.STDOUT)  # fmt: skip

    def cpu_seconds(self) -> float:
        """User + system CPU the bot process has used so far (Linux; NaN elsewhere)."""
        assert self.proc is not None
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def __aenter__(self) -> BotUnderTest:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()
        try:
            await asyncio.to_thread(self.proc.wait, 15)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class ReplyWaiter:
    """Wakes exactly the user a bot message is for, so 100 waiting users cost nothing per message."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.events: dict[int, asyncio.Event] = defaultdict(asyncio.Event)
        self.counts: dict[int, int] = defaultdict(int)
        api.on_message(self._seen)

    def _seen(self, message) -> None:
        self.counts[message.chat_id] += 1
        self.events[message.chat_id].set()

    async def next_reply(self, user: FakeUser, before: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while self.counts[user.id] <= before:
                event = self.events[user.id]
                event.clear()
                if self.counts[user.id] > before:
                    break
                await event.wait()


@dataclass
class LoopResult:
    updates: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    bot_cpu_seconds: float = float("nan")  # the bot process's CPU over the loop
    connections_opened: int | None = None  # database connections the bot opened over the loop (PostgreSQL)

    @property
    def cpu_ms_per_update(self) -> float:
        return self.bot_cpu_seconds * 1000 / self.updates if self.updates else 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return 0.0
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else 0.0


Script = Callable[[FakeUser, int], Awaitable[None]]  # sends the n-th input of one user


async def closed_loop(api: FakeBotAPI, waiter: ReplyWaiter, users: list[FakeUser], rounds: int,
                      send: Script) -> LoopResult:  # fmt: skip
    """Each user sends its next input as soon as the previous one was answered."""

    async def one(user: FakeUser, latencies: list[float]) -> None:
        for n in range(rounds):
            before = waiter.counts[user.id]
            started = time.perf_counter()
            await send(user, n)
            await waiter.next_reply(user, before)
            latencies.append((time.perf_counter() - started) * 1000)

    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(one(u, latencies) for u in users))
    return LoopResult(len(users) * rounds, time.perf_counter() - started, latencies)


async def open_loop(api: FakeBotAPI, waiter: ReplyWaiter, users: list[FakeUser], total: int, per_second: float,
                    send: Script) -> LoopResult:  # fmt: skip
    """Inputs arrive at a steady rate, round-robin over users, whatever the bot's pace; a user's
    next input waits for its previous answer (a person does not type ahead of the bot)."""
    latencies: list[float] = []
    locks = {u.id: asyncio.Lock() for u in users}
    sent_per_user: dict[int, int] = defaultdict(int)

    async def one(user: FakeUser, due: float) -> None:
        async with locks[user.id]:
            n = sent_per_user[user.id]
            sent_per_user[user.id] += 1
            before = waiter.counts[user.id]
            arrived = max(time.perf_counter(), due)
            await send(user, n)
            await waiter.next_reply(user, before)
            latencies.append((time.perf_counter() - arrived) * 1000)

    started = time.perf_counter()
    tasks = []
    for i in range(total):
        due = started + i / per_second
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(users[i % len(users)], due)))
    await asyncio.gather(*tasks)
    return LoopResult(total, time.perf_counter() - started, latencies)


def table(title: str, header: list[str], rows: list[list[object]]) -> str:
    cells = [header, *[[f"{c:.2f}" if isinstance(c, float) else str(c) for c in row] for row in rows]]
    widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
    lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells[1:]]
    return "\n".join(lines)


def emit(figures: dict) -> None:
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
