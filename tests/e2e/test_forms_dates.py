"""Dates mean what was typed, in the chat: a month-day is this year's, and a date long ago is confirmed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from storage.models import ActivityRecord, Role
from tests.e2e.driver import fill
from tests.e2e.test_selfassessment import join


async def test_month_day_typed_on_2026_12_01_for_a_past_meeting__is_refused_as_a_future_date(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai
    await wang.send("/activity")
    await wang.replies()
    await wang.press("党课")
    [when] = await wang.replies()
    assert "活动日期" in when.text

    await wang.send("12月11日")
    [refusal] = await wang.replies()
    assert "日期不能晚于今天" in refusal.text and "活动日期" in refusal.text
    assert "2026-12-11" not in refusal.text and "例如 2025-12-11" in refusal.text  # last year only if typed
    await wang.send("2026-12-11")
    [same] = await wang.replies()
    assert "日期不能晚于今天" in same.text  # exactly as the full date is

    await wang.send("11月11日")
    [nxt] = await wang.replies()
    assert "主题" in nxt.text
    async with bot.sessions() as session:
        from storage.models import FormSession

        form = await session.scalar(select(FormSession))
    assert form.state["answers"]["held_on"] == "2026-11-11"


async def test_date_more_than_six_months_back__is_taken_after_one_tap_confirming_the_full_date(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")  # today is 2026-03-02
    await wang.send("/activity")
    await wang.replies()
    await wang.press("主题党日")
    await wang.replies()

    await wang.send("2025年8月11日")
    [confirm] = await wang.replies()
    assert "2025年8月11日，对吗？" in confirm.text and "活动日期" in confirm.text
    assert confirm.button_texts[:2] == ["是", "否"] and "跳过" not in confirm.button_texts
    await wang.press("否")
    [again] = await wang.replies()
    assert "活动日期" in again.text and "对吗" not in again.text

    await wang.send("2025-08-11")
    [confirm] = await wang.replies()
    assert "2025年8月11日，对吗？" in confirm.text
    await wang.press("是")
    [nxt] = await wang.replies()
    assert "主题" in nxt.text

    await fill(wang)
    await wang.press("✅ 提交")
    await wang.replies()
    async with bot.sessions() as session:
        record = await session.scalar(select(ActivityRecord))
    assert record.held_on.isoformat() == "2025-08-11"
