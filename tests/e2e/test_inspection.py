"""现场检查 in the chat: an inspector finds a branch in scope, checks it on site, and the failing
findings become problem items due in working days by severity; 明察暗访 tells nobody before it is submitted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.models import (
    Chat,
    Inspection,
    InspectionKind,
    ProblemItem,
    ProblemStatus,
    Role,
    Severity,
    Unit,
)
from tests.e2e.driver import arrives, default_answer, fill, press, send
from tests.e2e.reminders_world import local
from tests.e2e.test_evaluation import submit_selfcheck
from tests.e2e.test_selfassessment import join

# 队伍建设 of the checklist, for a rural branch (城关镇红旗村党支部, T0102).
COMMITTEE = "支部委员会应配备齐全、分工明确"
TRAINED = "支部书记每年至少参加一次集中培训"
ADMISSION = "严格按程序发展党员，材料齐全"
DUES = "党员应按时足额交纳党费"
RESERVE = "村（社区）应培养储备后备干部"


async def bound_group(bot, api, clock, title: str, code: str):
    group = api.group(title)
    group.chat.bot_status = "member"  # added and bound (tested in test_groups_and_buttons)
    async with bot.sessions() as session, session.begin():
        unit_id = await session.scalar(select(Unit.id).where(Unit.code == code))
        session.add(Chat(id=group.id, type="group", title=title, unit_id=unit_id, bound_at=clock.now()))
    return group


def location(lat: float, lon: float):
    async def act(user, _prompt) -> None:
        await user.send_location(lat, lon)

    return act


def categories(*names: str):
    async def act(user, _prompt) -> None:
        for name in names:
            await user.press(name)
            await user.replies()
        await user.press("完成 ✔️")

    return act


async def start_check(inspector, query: str, kind: str):
    await inspector.send(f"/inspect {query}")
    [found] = await inspector.replies()
    await inspector.press(found.button_texts[0])
    [kinds] = await inspector.replies()
    await inspector.press(kind)
    return found, kinds, await inspector.replies()


TEAM_FINDINGS = {
    "检查方式": press("查"), "现场照片": default_answer,  # a photo, then 完成
    "严重程度：" + COMMITTEE: press("严重"), "严重程度：" + TRAINED: press("较重"), "严重程度：" + DUES: press("一般"),
    "问题说明：" + COMMITTEE: send("缺组织委员"), "问题说明：" + TRAINED: send("本年度未参加培训"),
    "问题说明：" + DUES: send("三名党员欠缴党费"),
    COMMITTEE: press("❌ 未达标"), TRAINED: press("❌ 未达标"), ADMISSION: press("✅ 达标"), DUES: press("❌ 未达标"),
    RESERVE: press("未查看"),
    "总体意见": send("整体较好，队伍建设需加强"),
}  # fmt: skip


async def test_inspection__three_failing_findings__become_items_due_in_working_days_across_national_day(
    bot, api, database_url, clock
):
    clock.set(local(date(2026, 9, 28), 9, 30))  # Monday before 国庆节 (10-01…10-07; Saturday 10-10 works)
    zhao = await join(api, database_url, clock, Role.inspector, "T01", "赵巡察")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    group = await bound_group(bot, api, clock, "城关镇党委工作群", "T01")
    await submit_selfcheck(wang)  # says 是 to everything: 党费 included
    await arrives(api, group, "提交了自评")

    found, kinds, [begun, first] = await start_check(zhao, "红旗", "定期检查")
    assert "找到 1 个与“红旗”相符的支部" in found.text and found.button_texts == ["城关镇红旗村党支部（T0102）"]
    assert kinds.button_texts == ["定期检查", "不定期抽查", "明察暗访", "回头看"]
    assert "开始定期检查：城关镇红旗村党支部" in begun.text and "检查位置" in first.text
    assert begun.reply_markup["keyboard"] == [[{"text": "📍 发送当前位置", "request_location": True}]]  # one tap
    started = await arrives(api, wang, "正在开展定期检查")
    assert "赵巡察" in started.text
    await arrives(api, group, "正在开展定期检查")

    review = await fill(zhao, {"检查位置": location(31.2304, 121.4737), "检查哪些类别": categories("队伍建设"),
                               **TEAM_FINDINGS})  # fmt: skip
    assert "检查位置：31.2304, 121.4737" in review.text
    await zhao.press("✅ 提交")
    done = (await zhao.replies())[-1]
    assert "达标 1 项，未达标 3 项，未查看 1 项" in done.text
    assert "整改期限 2026年10月10日" in done.text and "（严重，查）" in done.text
    assert "检查位置：31.23040, 121.47370" in done.text

    async with bot.sessions() as session:
        items = (await session.scalars(select(ProblemItem).order_by(ProblemItem.id))).all()
        inspection = await session.scalar(select(Inspection))
    assert [(i.clause, i.severity, i.due_on, i.status, i.source_type) for i in items] == [
        (COMMITTEE, Severity.grave, date(2026, 10, 10), ProblemStatus.open, "inspection"),  # 5 working days
        (TRAINED, Severity.serious, date(2026, 10, 16), ProblemStatus.open, "inspection"),  # 10
        (DUES, Severity.general, date(2026, 10, 30), ProblemStatus.open, "inspection"),  # 20
    ]  # fmt: skip
    assert inspection.kind is InspectionKind.regular and inspection.location == {"lat": 31.2304, "lon": 121.4737}
    assert inspection.inflated == 3 and {f["item"]: f["method"] for f in inspection.findings}["dues_paid"] == "check"

    told = await arrives(api, wang, "定期检查结果")
    assert DUES in told.text and "/rectify" in told.text
    assert told.buttons == [[("去整改", "rx:l:rectify:0")]]
    summary = await arrives(api, group, "定期检查结果")
    assert "自评虚高 3 项" in summary.text and "整改期限 2026年10月30日" in summary.text

    await wang.press("去整改", message=told)
    [listing] = await wang.replies()
    assert "我的整改（3 项未销号）" in listing.text
    await wang.press(listing.button_texts[0])
    [card] = await wang.replies()
    assert COMMITTEE in card.text and "严重" in card.text and "缺组织委员" in card.text
    assert "来源：定期检查（2026年9月28日，赵巡察） · 方式：查" in card.text
    assert "检查位置：31.23040, 121.47370" in card.text and "自评虚高" in card.text and "现场照片 1 张" in card.text
    await wang.press("📎 查看佐证材料", message=card)
    [photo] = await wang.replies()
    assert photo.kind == "photo"  # the inspector's photo of the finding, sent again by its file id


async def test_covert_inspection__nobody_hears_of_it_until_it_is_submitted(bot, api, database_url, clock):
    zhao = await join(api, database_url, clock, Role.inspector, "T01", "赵巡察")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    group = await bound_group(bot, api, clock, "城关镇党委工作群", "T01")
    seen = {who: len(chat.messages) for who, chat in (("wang", wang), ("li", li), ("group", group))}

    _found, _kinds, [begun, _first] = await start_check(zhao, "T0102", "明察暗访")
    assert "提交之前不通知支部和党委" in begun.text
    await fill(zhao, {"检查哪些类别": categories("队伍建设"), **TEAM_FINDINGS})
    await bot.runtime.dispatcher.drain(timeout=10)  # whatever the outbox holds goes out now
    await api.settled()
    assert [len(wang.messages), len(li.messages), len(group.messages)] == [seen["wang"], seen["li"], seen["group"]]

    await zhao.press("✅ 提交")
    await zhao.replies()

    result = await arrives(api, wang, "明察暗访结果", after=seen["wang"])
    assert wang.messages[seen["wang"]] is result, "the branch heard of the covert check before its result"
    await arrives(api, group, "明察暗访结果", after=seen["group"])
    assert not any("正在开展" in m.text for m in wang.messages + group.messages)


async def test_inspect__a_branch_outside_the_inspectors_scope__is_not_found_and_cannot_be_started(
    bot, api, database_url, clock
):
    zhao = await join(api, database_url, clock, Role.inspector, "T01", "赵巡察")
    await zhao.send("/inspect 县第一中学")
    [answer] = await zhao.replies()
    assert "没有与“县第一中学”相符的支部" in answer.text and answer.button_texts == []
    async with bot.sessions() as session:
        school = await session.scalar(select(Unit.id).where(Unit.code == "Z0102"))
    await zhao.press(callback_data=f"ins:k:{school}:regular", message=answer)
    await api.settled()
    assert zhao.callback_answers[-1].text == "您没有权限执行此操作。"
    await zhao.send("/inspect")
    [listing] = await zhao.replies()
    assert "您负责范围内有 3 个支部" in listing.text and len(listing.button_texts) == 3
    async with bot.sessions() as session:
        assert await session.scalar(select(Inspection)) is None
