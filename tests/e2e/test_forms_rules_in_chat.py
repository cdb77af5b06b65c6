"""Rules that depend on the unit and on records: the activity-room threshold, the monthly activity."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ActivityRecord, Role, Submission
from tests.e2e.driver import JPEG, default_answer, fill, press, send
from tests.e2e.test_selfassessment import join

ROOM_CLAUSE = "活动室面积：镇党委下属的不少于100平方米、直属党委下属的不少于60平方米"


async def test_room_area_80__fails_under_a_town_committee_and_passes_under_a_direct_committee(
    bot, api, database_url, clock
):
    town = await join(api, database_url, clock, Role.secretary, "T0102", "红旗村书记")  # under 城关镇党委
    direct = await join(api, database_url, clock, Role.secretary, "Z0101", "教育局书记")  # under 县直机关工委
    reviews = {}
    for user in (town, direct):
        await user.send("/demo")
        reviews[user.id] = await fill(user, {"党员活动室面积": send("80平方米")})

    assert "党员活动室面积：80 平方米" in reviews[town.id].text
    assert ROOM_CLAUSE in reviews[town.id].text
    assert "党员活动室面积：80 平方米" in reviews[direct.id].text
    assert ROOM_CLAUSE not in reviews[direct.id].text
    for user in (town, direct):
        await user.press("✅ 提交")
        await user.replies()
    async with bot.sessions() as session:
        scores = {s.unit_id: s.score for s in await session.scalars(select(Submission))}
    outcomes = {unit: next(i["outcome"] for i in score["items"] if i["name"] == "room_area")
                for unit, score in scores.items()}  # fmt: skip
    assert sorted(outcomes.values()) == ["failed", "passed"]


async def record_activity(user, *, kind: str, date: str, topic: str) -> None:
    await user.send("/activity")
    await fill(user, {"活动类型": press(kind), "活动日期": send(date), "主题": send(topic),
                      "应到人数": send("20"), "实到人数": send("18")})  # fmt: skip
    await user.press("✅ 提交")
    await user.replies()


async def test_activity_records__each_month__answer_the_monthly_activity_item(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await record_activity(wang, kind="主题党日", date="2026-01-15", topic="学习新修订的党支部工作条例")
    await record_activity(wang, kind="党小组会", date="2月10日", topic="讨论年度工作计划")
    await record_activity(wang, kind="支部党员大会", date="昨天", topic="选举支部委员")
    assert "已记录：城关镇红旗村党支部 · 2026年3月1日 · 选举支部委员（到会 18/20 人）" in wang.messages[-1].text

    await wang.send("/selfcheck")
    asked = []

    async def answer_and_note(user, prompt):
        asked.append(prompt.text)
        await default_answer(user, prompt)

    review = await fill(wang, {"": answer_and_note})  # "" matches every question

    assert not any("每月正常组织一次党员活动" in q for q in asked)
    assert "每月正常组织一次党员活动：是（据记录）" in review.text


async def test_activity_record__future_date_and_more_attended_than_expected__are_refused(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")
    await wang.replies()
    await wang.press("党课")
    [when] = await wang.replies()
    assert "活动日期" in when.text

    await wang.send("2026-03-05")
    [refusal] = await wang.replies()
    assert "日期不能晚于今天" in refusal.text and "活动日期" in refusal.text
    await wang.send("2026/3/2")
    await wang.replies()
    await wang.send("学习党章")
    await wang.replies()
    while "应到人数" not in wang.last.text:
        await wang.send("张书记")  # the lecturer, asked only for a 党课
        await wang.replies()
    await wang.send("20")
    await wang.replies()
    await wang.send("25")
    [refusal] = await wang.replies()
    assert "实到人数不能多于应到人数" in refusal.text
    await wang.send("19")
    await wang.replies()
    await wang.send_photo(JPEG)
    await wang.replies()
    await wang.press("完成 ✔️")
    await fill(wang)
    await wang.press("✅ 提交")
    await wang.replies()
    async with bot.sessions() as session:
        record = await session.scalar(select(ActivityRecord))
    assert (record.kind, record.held_on.isoformat(), record.attended, record.expected) == (
        "party_lecture", "2026-03-02", 19, 20)  # fmt: skip
