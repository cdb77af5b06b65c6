"""Secretaries filling the self-assessment through the fake Bot API, against a bare echo baseline.

Closed loop: 100 users each answer as soon as the previous answer was acknowledged; updates per
second, and the ratio to a bare python-telegram-bot echo handler driven the same way in this run.
Open loop: answers arrive at a steady 50 per second from 100 users; p50 and p99 from an answer's
arrival to the bot's reply, on an empty database and with 100,000 earlier submissions.
Run on SQLite, and on PostgreSQL when one is reachable (ZHIBU_BENCH_POSTGRES_URL, default the local
server's ``test`` database, in which a scratch database is created and dropped; or ``--postgres URL``,
a database used as it is and emptied before each run). ``--database`` runs one of the two only.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from bench import load, seed
from bench.history import SessionCount, earlier_submissions, scratch_postgres
from tests.fakebotapi import FakeBotAPI, FakeUser

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64
TARGETS = {"closed_ratio_to_echo_sqlite": 0.7, "open_p99_ms": 30.0, "p99_ratio_history_to_empty": 1.2}


async def answer(user: FakeUser, n: int) -> None:
    """One secretary's next input: whatever the last prompt asks for (or start the form again)."""
    last = user.last
    buttons = last.button_texts if last else []
    text = last.text if last else ""
    if "✅ 提交" in buttons:
        await user.press("✅ 提交")
    elif "是" in buttons:
        await user.press("是")
    elif "请发送照片" in text:
        await (user.press("完成 ✔️") if "已收到" in text else user.send_photo(JPEG))
    elif "请输入数字" in text:
        await user.send("30")
    elif "跳过" in buttons:
        await user.press("跳过")
    elif "/selfcheck" in text or not buttons:
        await user.send("/selfcheck")
    else:
        await user.send("按要求开展")


async def echo_input(user: FakeUser, n: int) -> None:
    await user.send(f"第{n}条")


async def _run(kind: str, database_url: str | None, mode: str, *, users_n: int, rounds: int, total: int,
               rate: float, workdir: Path, history: int = 0) -> load.LoopResult:  # fmt: skip
    async with FakeBotAPI() as api:
        users = [api.user(f"书记{i}") for i in range(users_n)]
        env = {}
        if database_url:
            await seed.secretaries(database_url, [u.id for u in users])
            if history:
                await earlier_submissions(database_url, count=history)
            env["ZHIBU_DATABASE_URL"] = database_url
        waiter = load.ReplyWaiter(api)
        module, args, script = ("bot", ("run",), answer) if kind == "zhibu" else ("bench.echo_bot", (), echo_input)
        async with load.BotUnderTest(api, module, args=args, env=env, log=workdir / f"{kind}.log") as bot:
            await api.wait_for(lambda a: any(c.method == "getUpdates" for c in a.requests), timeout=60,
                               what="the bot polling")  # fmt: skip
            await load.closed_loop(api, waiter, users, 3, script)  # warm-up
            postgres = database_url is not None and database_url.startswith("postgresql")
            async with AsyncExitStack() as stack:
                sessions = await stack.enter_async_context(SessionCount(database_url)) if postgres else None
                cpu = bot.cpu_seconds()
                if mode == "closed":
                    result = await load.closed_loop(api, waiter, users, rounds, script)
                else:
                    result = await load.open_loop(api, waiter, users, total, rate, script)
                result.bot_cpu_seconds = bot.cpu_seconds() - cpu
                if sessions:
                    result.connections_opened = await sessions.opened()
            return result


async def main(quick: bool, *, postgres: str | None = None, only: str | None = None) -> None:
    users_n = 100
    rounds, total, history = (5, 500, 10_000) if quick else (30, 3_000, 100_000)
    results: dict[str, float] = {}
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        common = dict(users_n=users_n, rounds=rounds, total=total, rate=50.0, workdir=workdir)
        echo = await _run("echo", None, "closed", **common)
        rows.append(["echo (bare PTB)", "-", "closed", echo.rate, echo.median, echo.percentile(99),
                     echo.cpu_ms_per_update, "-"])  # fmt: skip
        sqlite_n = iter(range(1000))

        async def sqlite_db() -> str:
            return f"sqlite:///{workdir / f'zhibu{next(sqlite_n)}.sqlite3'}"

        async with scratch_postgres(postgres) as postgres_db:
            databases = [("sqlite", sqlite_db)] + ([("postgresql", postgres_db)] if postgres_db else [])
            databases = [d for d in databases if only in (None, d[0])]
            for name, new_database in databases:
                closed = await _run("zhibu", await new_database(), "closed", **common)
                fresh = await _run("zhibu", await new_database(), "open", **common)
                loaded = await _run("zhibu", await new_database(), "open", history=history, **common)
                for label, r in (("closed", closed), ("open, empty", fresh), (f"open, {history:,} earlier", loaded)):
                    rows.append(["zhibu self-assessment", name, label, r.rate, r.median, r.percentile(99),
                                 r.cpu_ms_per_update, "-" if r.connections_opened is None else r.connections_opened])  # fmt: skip
                results[f"{name}_closed_updates_per_s"] = round(closed.rate, 1)
                results[f"{name}_closed_ratio_to_echo"] = round(closed.rate / echo.rate, 3)
                results[f"{name}_closed_cpu_ms_per_update"] = round(closed.cpu_ms_per_update, 2)
                results[f"{name}_open_p50_ms"] = round(fresh.median, 2)
                results[f"{name}_open_p99_ms"] = round(fresh.percentile(99), 2)
                results[f"{name}_history_open_p99_ms"] = round(loaded.percentile(99), 2)
                results[f"{name}_p99_ratio_history_to_empty"] = round(loaded.percentile(99) / fresh.percentile(99), 3)
                if name == "postgresql":
                    results["postgresql_connections_opened"] = sum(r.connections_opened or 0 for r in (closed, fresh, loaded))
                    results["postgresql_updates_measured"] = sum(r.updates for r in (closed, fresh, loaded))
    print(load.table(f"bench.forms — {users_n} secretaries, self-assessment answers",
                     ["bot", "database", "mode", "updates/s", "p50 ms", "p99 ms", "bot CPU ms/update", "connections opened"], rows))  # fmt: skip
    checks = {
        "closed_ratio_to_echo_sqlite": results.get("sqlite_closed_ratio_to_echo", 1) >= TARGETS["closed_ratio_to_echo_sqlite"],
        "open_p99_ms": all(v <= TARGETS["open_p99_ms"] for k, v in results.items() if k.endswith("_open_p99_ms")
                           and "history" not in k),
        "p99_ratio_history_to_empty": all(v <= TARGETS["p99_ratio_history_to_empty"]
                                          for k, v in results.items() if k.endswith("_history_to_empty")),
    }  # fmt: skip
    for name, ok in checks.items():
        print(f"target {name} {TARGETS[name]}: {'met' if ok else 'NOT met'}")
    load.emit({"bench": "forms", "users": users_n, "earlier_submissions": history, "echo_updates_per_s":
               round(echo.rate, 1), "echo_cpu_ms_per_update": round(echo.cpu_ms_per_update, 2), **results, "targets": TARGETS, "targets_met": checks})  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a smaller run that finishes within a minute")
    parser.add_argument("--postgres", metavar="URL", help="use this PostgreSQL database (emptied before each run)")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], help="run on this database only")
    args = parser.parse_args()
    asyncio.run(main(args.quick, postgres=args.postgres, only=args.database))
