"""随机抽查: an inspector draws branches in scope; the draw is kept with its seed and candidates, anyone
can repeat it from them, and nobody but the inspector hears of it."""

from __future__ import annotations

import asyncio
import random

from sqlalchemy import select

from bot import cli
from storage.models import (
    Draw,
    Inspection,
    InspectionKind,
    Role,
    Submission,
    SubmissionStatus,
    Unit,
)
from tests.e2e.test_inspection import bound_group
from tests.e2e.test_selfassessment import join


async def passed(bot, clock, *codes: str) -> None:
    async with bot.sessions() as session, session.begin():
        for code in codes:
            unit_id = await session.scalar(select(Unit.id).where(Unit.code == code))
            session.add(Submission(form_id="standardisation", version="1", unit_id=unit_id, status=SubmissionStatus.passed,
                                   answers={}, submitted_by=1, submitted_at=clock.now(), decided_at=clock.now()))  # fmt: skip


async def test_draw__reproduced_from_its_seed__told_to_the_inspector_alone(bot, api, database_url, clock, monkeypatch,
                                                                           capsys):  # fmt: skip
    zhao = await join(api, database_url, clock, Role.inspector, "T01", "赵巡察")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    group = await bound_group(bot, api, clock, "城关镇党委工作群", "T01")
    await passed(bot, clock, "T0102", "T0103")
    others = [len(wang.messages), len(li.messages), len(group.messages)]

    await zhao.send("/draw")
    [usage] = await zhao.replies()
    assert "用法" in usage.text
    await zhao.send("/draw 9")
    [too_many] = await zhao.replies()
    assert "抽取数量应在 1 到 3 之间" in too_many.text
    await zhao.send("/draw 2 达标")
    [only_passed] = await zhao.replies()
    assert "从 2 个支部中抽取 2 个（仅 2026 年度自评达标的支部）" in only_passed.text
    assert "城关镇东街社区党支部" not in only_passed.text
    await zhao.send("/draw 2")
    [drawn] = await zhao.replies()

    async with bot.sessions() as session:
        row = (await session.scalars(select(Draw).order_by(Draw.id.desc()))).first()
        names = dict((await session.execute(select(Unit.code, Unit.name))).all())
    assert row.candidates == ["T0101", "T0102", "T0103"] and row.size == 2 and not row.only_passed
    again = random.Random(row.seed).sample(sorted(row.candidates), 2)  # the documented algorithm, by hand
    assert row.chosen == again
    assert f"种子：{row.seed}" in drawn.text
    assert [line.split(" ", 1)[1] for line in drawn.text.splitlines() if line[:2] in ("1.", "2.")] == [
        f"{names[c]}（{c}）" for c in again]  # fmt: skip
    assert drawn.button_texts == [f"🔎 {names[c]}" for c in again]
    await api.settled()
    assert [len(wang.messages), len(li.messages), len(group.messages)] == others

    monkeypatch.setenv("ZHIBU_DATABASE_URL", database_url)
    monkeypatch.delenv("ZHIBU_LOCALE", raising=False)
    code = await asyncio.to_thread(cli.main, ["draw", "show", str(row.id)])
    out = capsys.readouterr()
    assert code == 0 and row.seed in out.out and "一致：抽取结果可由种子复现" in out.out
    assert f"按种子重新抽取：{' '.join(again)}" in out.out
    code = await asyncio.to_thread(cli.main, ["draw", "show", "999"])
    assert code == 2 and "没有编号为 999" in capsys.readouterr().err

    await zhao.press(drawn.button_texts[0], message=drawn)
    begun, first = await zhao.replies()
    assert f"开始不定期抽查：{names[again[0]]}" in begun.text and "检查位置" in first.text
    async with bot.sessions() as session:
        inspection = await session.scalar(select(Inspection))
    assert (inspection.kind, inspection.draw_id) == (InspectionKind.random, row.id)
    await wang.press(callback_data=f"ins:d:{row.id}:{inspection.unit_id}", message=wang.last)  # not their draw
    await api.settled()
    assert wang.callback_answers[-1].text == "这个按钮已失效，请重新打开菜单。"
