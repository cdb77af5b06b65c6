"""An admin adds a campaign deadline from the shell and sees who has not submitted."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot import cli
from domain.kernel.clock import TravellingClock
from tests.e2e.harness import seed_units


async def test_campaign_cli__add_then_status__lists_every_branch_not_yet_submitted(database_url, monkeypatch, capsys):
    await seed_units(database_url, TravellingClock(datetime.now(UTC)))
    monkeypatch.setenv("ZHIBU_DATABASE_URL", database_url)
    monkeypatch.delenv("ZHIBU_LOCALE", raising=False)
    deadline = (date.today() + timedelta(days=20)).isoformat()

    async def zhibu(*argv: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(cli.main, list(argv))  # the CLI runs its own event loop
        out = capsys.readouterr()
        return code, out.out, out.err

    added = await zhibu("campaign", "add", "--name", "示范点推荐名单", "--unit", "T01", "--deadline", deadline)
    status = await zhibu("campaign", "status", "1")
    wrong = await zhibu("campaign", "add", "--name", "x", "--unit", "NOPE", "--deadline", deadline)
    past = await zhibu("campaign", "add", "--name", "x", "--unit", "T01", "--deadline", "2020-01-01")

    assert added[0] == 0 and "已添加填报任务 #1：示范点推荐名单" in added[1], added
    assert status[0] == 0 and "已提交 0/3" in status[1]
    assert "城关镇东街社区党支部" in status[1] and "县教育局机关党支部" not in status[1]
    assert wrong[0] == 2 and "NOPE" in wrong[2]
    assert past[0] == 2 and "截止日期已经过去" in past[2]
