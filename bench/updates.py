"""How fast the bot handles updates, against a bare python-telegram-bot echo handler in the same run.

Both bots run as child processes polling the in-repo fake Bot API; 100 simulated users each send
their next message as soon as the previous one is answered (closed loop). The bot's figure is its
/help handler for a known secretary: a transaction that claims the update id, loads the person and
their roles, renders a template and replies.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

from bench import load, seed
from tests.fakebotapi import FakeBotAPI


async def _measure(module: str, message: str, users_n: int, rounds: int, workdir: Path, *,
                   database_url: str | None = None) -> load.LoopResult:  # fmt: skip
    async with FakeBotAPI() as api:
        users = [api.user(f"用户{i}") for i in range(users_n)]
        env = {}
        if database_url:
            await seed.secretaries(database_url, [u.id for u in users])
            env["ZHIBU_DATABASE_URL"] = database_url
        waiter = load.ReplyWaiter(api)
        args = ("run",) if module == "bot" else ()
        async with load.BotUnderTest(api, module, args=args, env=env, log=workdir / f"{module}.log"):
            await api.wait_for(lambda a: any(c.method == "getUpdates" for c in a.requests), timeout=60,
                               what="the bot polling")  # fmt: skip

            async def send(user, n):
                await user.send(message if n % 2 or module != "bench.echo_bot" else f"{message} {n}")

            await load.closed_loop(api, waiter, users, 2, send)  # warm-up
            return await load.closed_loop(api, waiter, users, rounds, send)


async def main(quick: bool) -> None:
    users_n, rounds = (100, 5) if quick else (100, 30)
    pg = os.environ.get("ZHIBU_BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database_url = pg or f"sqlite:///{workdir / 'bench.sqlite3'}"
        echo = await _measure("bench.echo_bot", "你好", users_n, rounds, workdir)
        zhibu = await _measure("bot", "/help", users_n, rounds, workdir, database_url=database_url)
    ratio = zhibu.rate / echo.rate if echo.rate else 0.0
    print(load.table(
        f"bench.updates — {users_n} users × {rounds} messages each, closed loop, {'PostgreSQL' if pg else 'SQLite'}",
        ["handler", "updates/s", "p50 ms", "p99 ms"],
        [["python-telegram-bot echo (bare)", echo.rate, echo.median, echo.percentile(99)],
         ["zhibu /help", zhibu.rate, zhibu.median, zhibu.percentile(99)]],
    ))  # fmt: skip
    print(f"ratio zhibu/echo: {ratio:.2f}")
    load.emit({"bench": "updates", "database": "postgresql" if pg else "sqlite", "users": users_n,
               "updates": zhibu.updates, "echo_updates_per_s": round(echo.rate, 1),
               "zhibu_updates_per_s": round(zhibu.rate, 1), "ratio_to_echo": round(ratio, 3),
               "zhibu_p50_ms": round(zhibu.median, 2), "zhibu_p99_ms": round(zhibu.percentile(99), 2),
               "targets": {}})  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run that finishes within a minute")
    asyncio.run(main(parser.parse_args().quick))
