"""Holidays that never run out: a year the calendar package lacks is loaded from a file or in the chat,
warned about until then, and rectification due dates count its days off."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select

from bot import cli
from domain.kernel import workdays
from storage.models import CalendarDay, ProblemItem, Role
from tests.e2e.driver import fill
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import World, local
from tests.e2e.test_inspection import TEAM_FINDINGS, categories, start_check
from tests.e2e.test_selfassessment import join
from tests.fakebotapi import FakeBotAPI, Limits

SPRING_2027 = """\
year: 2027
days_off: [2027-01-01, 2027-02-06..2027-02-13, 2027-04-05]
make_up: [2027-02-20]
"""
BAD_2027 = "year: 2027\ndays_off: [2027-02-30, 2028-01-01, 2027-02-06..2027-02-13]\n"


@pytest.fixture(autouse=True)
def _calendar_as_shipped():
    """The arrangements are the process's; a test's loaded year must not outlive it."""
    workdays.arrange({})
    yield
    workdays.arrange({})


async def test_a_2027_file_loaded__due_dates_cross_its_spring_festival__and_status_stops_warning(
    bot, api, database_url, clock, monkeypatch, capsys, tmp_path
):
    clock.set(local(date(2027, 2, 3), 9, 30))  # Wednesday before 春节
    zhang = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    zhao = await join(api, database_url, clock, Role.inspector, "T01", "赵巡察")
    await zhang.send("/status")
    [before] = await zhang.replies()
    assert "⚠️ 2027 年：尚无放假安排，暂按周一至周五计算工作日" in before.text
    assert before.button_texts == ["📅 录入放假安排"]

    monkeypatch.setenv("ZHIBU_DATABASE_URL", database_url)
    monkeypatch.delenv("ZHIBU_LOCALE", raising=False)

    async def zhibu(*argv: str) -> tuple[int, str, str]:
        code = await asyncio.to_thread(cli.main, list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    (tmp_path / "bad.yaml").write_text(BAD_2027, encoding="utf-8")
    (tmp_path / "2027.yaml").write_text(SPRING_2027, encoding="utf-8")
    refused = await zhibu("holidays", "load", str(tmp_path / "bad.yaml"))
    warned = await zhibu("holidays", "status", "--year", "2027")
    loaded = await zhibu("holidays", "load", str(tmp_path / "2027.yaml"))

    assert refused[0] == 2 and "什么也没有录入" in refused[2]
    assert "放假第 1 项：无法识别的日期（2027-02-30）" in refused[2]
    assert "放假第 2 项：日期不在该年份内（2028-01-01）" in refused[2]
    assert warned[0] == 0 and "警告：2027 年尚无放假安排，暂按周一至周五计算工作日" in warned[1]
    assert loaded[0] == 0 and "已录入 2027 年放假安排：放假 10 天，调休上班 1 天" in loaded[1]
    assert "2027 年：已录入放假安排" in loaded[1]

    await start_check(zhao, "红旗", "定期检查")
    await fill(zhao, {"检查位置": lambda u, p: u.press("跳过"), "检查哪些类别": categories("队伍建设"), **TEAM_FINDINGS})
    await zhao.press("✅ 提交")
    done = (await zhao.replies())[-1]
    async with bot.sessions() as session:
        due = (await session.scalars(select(ProblemItem.due_on).order_by(ProblemItem.id))).all()
    # 严重 5 working days from 2-03: 2-04, 2-05, (春节 2-06…2-13, Sunday 2-14), 2-15, 2-16, 2-17;
    # 较重 10: then 2-18, 2-19, Saturday 2-20 (调休上班), 2-22, 2-23. Monday–Friday would give 2-10 and 2-17.
    assert due[:2] == [date(2027, 2, 17), date(2027, 2, 23)]
    assert "整改期限 2027年2月17日" in done.text

    await zhang.send("/status")
    [after] = await zhang.replies()
    assert "✅ 2027 年：已录入放假安排" in after.text and "⚠️ 2027" not in after.text


async def test_holidays_typed_in_the_chat__a_bad_date_is_listed_and_nothing_loaded__then_loaded(
    bot, api, database_url, clock
):
    zhang = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/holidays")
    [refused] = await wang.replies()
    assert "没有权限" in refused.text

    for days_off, make_up in (("2027-02-30，2028-01-01", "2月20日"), ("1月1日, 2月6日~2月13日, 4月5日", "2月20日")):
        await zhang.send("/holidays")
        await zhang.replies()
        for answer in ("2027", days_off, make_up):
            await zhang.send(answer)
            await zhang.replies()
        await zhang.press("✅ 提交")
        told = (await zhang.replies())[-1]
        if days_off.startswith("2027-02-30"):
            assert "什么也没有录入" in told.text and "放假第 1 项：无法识别的日期（2027-02-30）" in told.text
            assert "放假第 2 项：日期不在该年份内（2028-01-01）" in told.text
            async with bot.sessions() as session:
                assert await session.scalar(select(func.count()).select_from(CalendarDay)) == 0
    assert "已录入 2027 年放假安排：放假 10 天，调休上班 1 天" in told.text
    assert workdays.add_working_days(date(2027, 2, 5), 1) == date(2027, 2, 15)


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


async def test_december__admins_are_reminded_weekly_while_next_years_arrangement_is_unknown(world, tmp_path):
    zhang = await world.person("张部长", Role.admin, "D001")
    li = await world.person("李审核", Role.committee, "T01")
    await world.at(local(date(2026, 11, 30), 9))
    assert zhang.messages == []
    await world.at(local(date(2026, 12, 1), 9))
    await world.at(local(date(2026, 12, 2), 9))
    [first] = zhang.messages
    assert "2027 年的放假安排尚未录入" in first.text and first.buttons == [[("📅 录入放假安排", "hol:new")]]
    await world.at(local(date(2026, 12, 7), 9))
    assert len(zhang.messages) == 2 and not any("放假安排" in m.text for m in li.messages)

    async with world.sessions() as session, session.begin():
        session.add(CalendarDay(day=date(2027, 1, 1), year=2027, working=False, loaded_at=world.clock.now()))
    await world.at(local(date(2026, 12, 14), 9))
    assert len(zhang.messages) == 2, "loaded in another process: the next sweep knows"
