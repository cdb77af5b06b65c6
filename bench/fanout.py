"""Fan-out of reminders through the outbox dispatcher against the fake Bot API enforcing Telegram's limits.

``python -m bench.fanout [--quick]``: 10,000 reminders to distinct users and 200 group digests
(--quick: 1,000 and 20). The baseline, measured in the same run on a smaller sample, is PTB's
AIORateLimiter (leaky buckets) sending the same kind of load. Prints a table, then one line of JSON
with the achieved rate as a ratio of 30 messages/s, the 429 answers, duplicates, losses and the
due → delivered latency percentiles, and the targets with pass/fail.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from telegram.constants import ParseMode
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from bot import app as bot_app
from bot.settings import Settings
from domain.kernel import outbox
from domain.kernel.outbox import Notice
from storage import migrate
from storage.models import OutboxMessage, OutboxStatus
from tests.fakebotapi import FakeBotAPI, Limits

TELEGRAM_RATE = 30.0
TARGETS = {"ratio_min": 0.95, "429s": 0, "duplicates": 0, "lost": 0}


class OffsetClock:
    """Real time, moved to a working-day morning in Shanghai (so quiet hours never pause the run)."""

    def __init__(self) -> None:
        target = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        self.offset = target - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def _notices(users: list[int], groups: list[int], due: datetime) -> list[Notice]:
    found = [Notice(key=f"bench:u{chat_id}", kind="problem.d3", chat_id=chat_id, template="reminder_problem.html.j2",
                    values={"stage": "d3", "days_left": 3, "overdue_days": 0, "unit_name": f"支部{chat_id}",
                            "clause": "党员活动室未悬挂党旗", "due_on": date(2026, 3, 6)}, not_before=due)
             for chat_id in users]  # fmt: skip
    values = {"unit_name": "某党委", "today_on": date(2026, 3, 3), "counts": {"green": 3, "yellow": 2, "red": 1},
              "overdue": [], "overdue_more": 0, "turned_red": [], "awaiting": [], "awaiting_total": 0,
              "red_day": False}  # fmt: skip
    found += [Notice(key=f"bench:g{chat_id}", kind="digest.weekly", chat_id=chat_id, template="digest_weekly.html.j2",
                     values=values, not_before=due) for chat_id in groups]  # fmt: skip
    return found


async def run_outbox(users: int, groups: int, workdir: Path) -> dict:
    """The measured run: the real Application's bot, limiter and dispatcher draining the outbox."""
    async with FakeBotAPI(limits=Limits()) as api:
        user_ids = [api.user(f"书记{i}").id for i in range(users)]
        group_ids = []
        for i in range(groups):
            group = api.group(f"党委群{i}")
            group.chat.bot_status = "member"
            group_ids.append(group.id)
        clock = OffsetClock()
        settings = Settings(_env_file=None, bot_token=api.token, database_url=f"sqlite:///{workdir / 'fanout.sqlite3'}",
                            api_base_url=api.base_url)  # fmt: skip
        runtime = bot_app.build(settings, clock=clock)
        await migrate.upgrade(runtime.engine)
        due = clock.now()
        async with runtime.deps.sessions() as session, session.begin():
            await outbox.enqueue(session, _notices(user_ids, group_ids, due), now=due)
        await runtime.application.initialize()
        started = time.monotonic()
        await runtime.dispatcher.drain(timeout=3600)
        elapsed = time.monotonic() - started
        await api.settled()
        async with runtime.deps.sessions() as session:
            rows = (await session.execute(select(OutboxMessage.status, OutboxMessage.not_before,
                                                 OutboxMessage.sent_at))).all()  # fmt: skip
        await runtime.application.shutdown()
        await runtime.engine.dispose()
        return _figures(api, rows, users + groups, elapsed)


def _figures(api: FakeBotAPI, rows, expected: int, elapsed: float) -> dict:
    sends = [c for c in api.calls("sendMessage") if c.status == 200]
    per_chat = Counter(m.chat_id for m in api.sent)
    stamps = sorted(c.at for c in sends)
    span = (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    rate = len(sends) / (span + 1.0)  # each second's 30 hold their window for one second
    latencies = sorted((sent_at - due).total_seconds() for status, due, sent_at in rows if status is OutboxStatus.sent)
    return {
        "messages": len(sends),
        "elapsed_s": round(elapsed, 2),
        "rate_per_s": round(rate, 2),
        "ratio": round(rate / TELEGRAM_RATE, 4),
        "429s": api.count_429,
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "lost": expected - len(per_chat),
        "latency_s": _percentiles(latencies),
    }


def _percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else [values[0]] * 99
    return {"p50": round(cuts[49], 2), "p90": round(cuts[89], 2), "p99": round(cuts[98], 2),
            "max": round(values[-1], 2)}  # fmt: skip


async def run_baseline(users: int, groups: int) -> dict:
    """PTB's AIORateLimiter: every message handed to the bot at once, the limiter paces them."""
    async with FakeBotAPI(limits=Limits()) as api:
        chats = [api.user(f"书记{i}").id for i in range(users)]
        for i in range(groups):
            group = api.group(f"党委群{i}")
            group.chat.bot_status = "member"
            chats.append(group.id)
        bot = ExtBot(api.token, base_url=api.base_url, rate_limiter=AIORateLimiter(max_retries=5))
        failures = 0
        async with bot:
            started = time.monotonic()

            async def send(chat_id: int) -> None:
                nonlocal failures
                try:
                    await bot.send_message(chat_id, f"基线 {chat_id}", parse_mode=ParseMode.HTML)
                except RetryAfter:
                    failures += 1

            await asyncio.gather(*(send(c) for c in chats))
            elapsed = time.monotonic() - started
        figures = _figures(api, [], len(chats), elapsed)
        figures["gave_up"] = failures
        return figures


def _table(ours: dict, baseline: dict) -> str:
    rows = [("messages", "messages"), ("elapsed (s)", "elapsed_s"), ("rate (msg/s)", "rate_per_s"),
            ("ratio of 30/s", "ratio"), ("429 answers", "429s"), ("duplicates", "duplicates"), ("lost", "lost")]  # fmt: skip
    lines = [f"{'':24}{'outbox dispatcher':>20}{'baseline AIORateLimiter':>26}"]
    lines += [f"{label:24}{ours[key]!s:>20}{baseline.get(key, '-')!s:>26}" for label, key in rows]
    for cut in ("p50", "p90", "p99", "max"):
        lines.append(f"{'due→delivered ' + cut + ' (s)':24}{ours['latency_s'].get(cut, '-')!s:>20}{'-':>26}")
    return "\n".join(lines)


async def main(quick: bool) -> int:
    users, groups = (1000, 20) if quick else (10_000, 200)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"fan-out: {users} reminders to distinct users + {groups} group digests, Telegram's limits enforced")
        baseline = await run_baseline(*((150, 10) if quick else (450, 30)))
        ours = await run_outbox(users, groups, Path(tmp))
    checks = {"ratio": ours["ratio"] >= TARGETS["ratio_min"], "429s": ours["429s"] == TARGETS["429s"],
              "duplicates": ours["duplicates"] == TARGETS["duplicates"], "lost": ours["lost"] == TARGETS["lost"]}  # fmt: skip
    print(_table(ours, baseline))
    passed = all(checks.values())
    print("targets: ratio ≥ 0.95, zero 429s, zero duplicates, none lost →", "PASS" if passed else "FAIL")
    print(json.dumps({"bench": "fanout", "quick": quick, "users": users, "groups": groups, **ours,
                      "baseline_aioratelimiter": baseline, "targets": TARGETS, "checks": checks,
                      "pass": passed}, ensure_ascii=False))  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 + 20, within a minute")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("bot.ratelimit", "tornado.access", "telegram", "httpx"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    raise SystemExit(asyncio.run(main(args.quick)))
