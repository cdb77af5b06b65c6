"""整改销号 in the chat: a secretary acknowledges, submits evidence, is returned and resubmits; a
committee reviewer verifies and closes; extensions granted and refused; owners and stale buttons refused."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from domain.problems import lifecycle
from storage.models import (
    AuditEntry,
    ProblemItem,
    ProblemStatus,
    Role,
    RoleAssignment,
    Severity,
    Unit,
)
from tests.e2e.driver import JPEG, arrives
from tests.e2e.test_selfassessment import join


async def raise_item(bot, clock, code: str, clause: str, due_on: date, severity=Severity.general) -> int:
    async with bot.sessions() as session, session.begin():
        unit = await session.scalar(select(Unit).where(Unit.code == code))
        item = await lifecycle.raise_item(session, unit=unit, source_type="submission", source_id=1, item="dues_paid",
                                          category="队伍建设", clause=clause, reason=None, severity=severity,
                                          due_on=due_on, actor_id=None, at=clock.now())  # fmt: skip
        return item.id


async def item_row(bot, item_id: int) -> ProblemItem:
    async with bot.sessions() as session:
        return await session.get_one(ProblemItem, item_id)


async def open_card(user, item_id: int):
    await user.press(callback_data=f"prob:{item_id}", message=user.last)
    return (await user.replies())[-1]  # (a notice may have come in since their last action)


async def answer_form(user, *answers):
    """Send each answer (text, a callable acting on the user, or ``press:`` a button) then submit; the
    last reply (what submitting did)."""
    for answer in answers:
        if callable(answer):
            await answer(user)
        elif answer.startswith("press:"):
            await user.press(answer.removeprefix("press:"))
        else:
            await user.send(answer)
        await user.replies()
    assert "请核对后提交" in user.last.text, user.last.text
    await user.press("✅ 提交")
    return (await user.replies())[-1]


async def test_rectify__acknowledge_submit_returned_resubmitted_closed__each_step_told_and_kept(
    bot, api, database_url, clock
):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    green = await raise_item(bot, clock, "T0102", "党员花名册未及时更新", date(2026, 4, 30))
    item_id = await raise_item(bot, clock, "T0102", "党员活动室未悬挂党旗", date(2026, 3, 6), Severity.serious)
    red = await raise_item(bot, clock, "T0102", "党费收缴台账缺失", date(2026, 2, 27), Severity.grave)
    await raise_item(bot, clock, "Z0101", "别的支部的问题", date(2026, 2, 1))

    await wang.send("/rectify")
    [listing] = await wang.replies()
    assert "我的整改（3 项未销号）" in listing.text and "别的支部" not in listing.text
    assert [b.split(" ")[0] + " " + b.split(" ")[1] for b in listing.button_texts] == [
        f"🔴 #{red}", f"🟡 #{item_id}", f"🟢 #{green}"]  # most urgent first  # fmt: skip
    assert "已逾期 3 天" in listing.text and "还剩 4 天" in listing.text and "还剩 59 天" in listing.text

    await wang.press(listing.button_texts[1])
    [card] = await wang.replies()
    assert "党员活动室未悬挂党旗" in card.text and "待整改" in card.text and "较重" in card.text
    assert card.button_texts == ["✍️ 确认整改"]
    await wang.press("✍️ 确认整改")
    step, first = await wang.replies()
    assert "确认整改" in step.text and "整改措施" in first.text
    told = await answer_form(wang, "购置党旗并悬挂，张贴制度", "3月5日")
    assert "已确认整改问题" in told.text and "3月5日" in told.text

    card = await open_card(wang, item_id)
    assert "整改中" in card.text and "购置党旗并悬挂" in card.text
    assert card.button_texts == ["📤 提交验收", "⏳ 申请延期"]
    await wang.press("📤 提交验收")
    await wang.replies()

    async def photo(user):
        await user.send_photo(JPEG, caption="新挂的党旗")

    async def document(user):
        await user.send_document(b"%PDF-1.4 report", "整改报告.pdf")

    told = await answer_form(wang, "已购置党旗并悬挂", photo, "press:完成 ✔️", document)
    assert "已提交验收" in told.text

    notice = await arrives(api, li, "提交了整改，请验收")
    assert "党员活动室未悬挂党旗" in notice.text
    await li.press("查看问题", message=notice)
    [card] = await li.replies()
    assert "整改情况：已购置党旗并悬挂" in card.text and "📷" in card.text and "新挂的党旗" in card.text
    assert "整改报告.pdf" in card.text
    assert card.button_texts == ["✅ 验收销号", "↩️ 退回重改", "📎 查看佐证材料"]
    await li.press("📎 查看佐证材料")
    shown = await li.replies()
    assert [m.kind for m in shown] == ["photo", "document"] and shown[0].text == "新挂的党旗"
    await li.press("↩️ 退回重改", message=card)
    await li.replies()
    told = await answer_form(li, "照片看不清党旗位置，请补拍")
    assert "已退回重改" in told.text

    returned = await arrives(api, wang, "被退回")
    assert "照片看不清党旗位置" in returned.text
    await wang.press("查看问题", message=returned)
    [card] = await wang.replies()
    assert "退回重改" in card.text and "退回理由：照片看不清党旗位置" in card.text
    await wang.press("📤 提交验收", message=card)
    await wang.replies()
    told = await answer_form(wang, "补拍了全景照片", photo, "press:完成 ✔️", "press:跳过")
    assert "已提交验收" in told.text

    again = await arrives(api, li, "提交了整改，请验收", after=len(li.messages) - 1)
    await li.press("查看问题", message=again)
    [card] = await li.replies()
    await li.press("✅ 验收销号", message=card)
    [told] = await li.replies()
    assert "已销号" in told.text and "回头看" in told.text
    closed = await arrives(api, wang, "销号")
    assert "党员活动室未悬挂党旗" in closed.text

    row = await item_row(bot, item_id)
    assert row.status is ProblemStatus.closed and row.closed_at is not None
    assert row.evidence == [{"type": "photo", "file_id": row.evidence[0]["file_id"], "size": len(JPEG),
                             "caption": "新挂的党旗"}]  # fmt: skip
    card = await open_card(wang, item_id)
    history = card.text.split("处理记录")[1]
    assert [line.split("· ")[1].split("：")[0] for line in history.strip().splitlines()] == [
        "列入问题清单", "确认整改", "提交验收", "退回重改", "提交验收", "验收销号"]  # fmt: skip
    assert "李审核 · 退回重改：照片看不清党旗位置" in history and "王芳 · 确认整改" in history
    assert card.button_texts == ["📎 查看佐证材料"]  # no step is offered on a closed item


async def test_extension__one_granted_moves_the_due_date__one_refused_keeps_it(bot, api, database_url, clock):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    granted = await raise_item(bot, clock, "T0102", "活动室面积不足", date(2026, 3, 20))
    refused = await raise_item(bot, clock, "T0102", "制度未上墙", date(2026, 3, 20))
    for item_id, until in ((granted, "2026-04-30"), (refused, "2026-04-15")):
        card = await open_card(wang, item_id)
        await wang.press("✍️ 确认整改", message=card)
        await wang.replies()
        await answer_form(wang, "协调场地", "3月18日")
        card = await open_card(wang, item_id)
        await wang.press("⏳ 申请延期", message=card)
        await wang.replies()
        await wang.send("3月19日")  # not after the due date: asked again, nothing kept
        [again] = await wang.replies()
        assert "申请延期至" in again.text and "2026-03-21" in again.text
        told = await answer_form(wang, until, "场地协调需要时间")
        assert "已申请延期至" in told.text

    asked = await arrives(api, li, "申请延期至 2026年4月30日")
    assert "场地协调需要时间" in asked.text
    await li.press("查看问题", message=asked)
    [card] = await li.replies()
    assert card.button_texts == ["✅ 同意延期", "✖️ 不同意延期"]
    await li.press("✅ 同意延期", message=card)
    [told] = await li.replies()
    assert "新的整改期限为 2026年4月30日" in told.text

    asked = await arrives(api, li, "申请延期至 2026年4月15日")
    await li.press("查看问题", message=asked)
    [card] = await li.replies()
    await li.press("✖️ 不同意延期", message=card)
    await li.replies()
    told = await answer_form(li, "期限内可以完成")
    assert "整改期限仍为 2026年3月20日" in told.text

    await arrives(api, wang, "延期申请<b>已同意</b>".replace("<b>", "").replace("</b>", ""))
    no = await arrives(api, wang, "延期申请未同意")
    assert "期限内可以完成" in no.text
    rows = [await item_row(bot, i) for i in (granted, refused)]
    assert [(r.status, r.due_on) for r in rows] == [(ProblemStatus.acknowledged, date(2026, 4, 30)),
                                                    (ProblemStatus.acknowledged, date(2026, 3, 20))]  # fmt: skip


async def submitted_item(bot, api, database_url, clock, wang) -> int:
    item_id = await raise_item(bot, clock, "T0102", "党费收缴台账缺失", date(2026, 3, 20))
    card = await open_card(wang, item_id)
    await wang.press("✍️ 确认整改", message=card)
    await wang.replies()
    await answer_form(wang, "补建台账", "3月9日")
    card = await open_card(wang, item_id)
    await wang.press("📤 提交验收", message=card)
    await wang.replies()
    await answer_form(wang, "台账已建立", "press:跳过", "press:跳过")
    return item_id


async def test_the_owner__trying_to_close_their_own_item__is_refused_even_holding_a_verifier_role(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    item_id = await submitted_item(bot, api, database_url, clock, wang)
    async with bot.sessions() as session, session.begin():  # 王芳 is also a committee reviewer of the town
        person_id = await session.scalar(select(RoleAssignment.person_id))
        town = await session.scalar(select(Unit.id).where(Unit.code == "T01"))
        session.add(RoleAssignment(person_id=person_id, role=Role.committee, unit_id=town, created_at=clock.now()))
    row = await item_row(bot, item_id)

    card = await open_card(wang, item_id)
    assert "✅ 验收销号" not in card.button_texts
    await wang.press(callback_data=f"rx:ok:{item_id}:{row.version}", message=card)
    await api.settled()

    assert wang.callback_answers[-1].text == "这是您负责整改的问题，不能由您本人验收或审批。"
    assert (await item_row(bot, item_id)).status is ProblemStatus.submitted
    await wang.send("/verify")
    [listing] = await wang.replies()
    assert "目前没有待验收的整改" in listing.text


async def test_bad_presses__change_nothing_and_say_why(bot, api, database_url, clock):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    other = await join(api, database_url, clock, Role.committee, "Z01", "县直审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    item_id = await raise_item(bot, clock, "T0102", "制度未上墙", date(2026, 3, 20))
    card = await open_card(wang, item_id)
    await wang.press("✍️ 确认整改", message=card)
    await wang.replies()
    await answer_form(wang, "制作展板", "3月9日")

    await li.press(callback_data=f"rx:ok:{item_id}:1", message=li.last)  # not submitted yet
    await api.settled()
    assert li.callback_answers[-1].text == "这个问题当前的状态不能执行此操作，可能已由他人处理。"
    await wang.press("✍️ 确认整改", message=card)  # the card from before acknowledging
    await api.settled()
    assert wang.callback_answers[-1].text == "这个问题刚刚有了变化，请重新打开查看。"
    await other.press(callback_data=f"prob:{item_id}", message=other.last)  # another committee's branch
    await api.settled()
    assert other.callback_answers[-1].text == "您没有权限执行此操作。"
    await other.press(callback_data=f"rx:ok:{item_id}:1", message=other.last)
    await api.settled()
    assert other.callback_answers[-1].text == "您没有权限对这个问题执行此操作。"

    card = await open_card(wang, item_id)
    await wang.press("📤 提交验收", message=card)
    await wang.replies()
    await answer_form(wang, "展板已上墙", "press:跳过", "press:跳过")
    card = await open_card(li, item_id)
    await li.press("✅ 验收销号", message=card)
    await li.replies()
    row = await item_row(bot, item_id)
    for code in ("ret", "ok", "ext", "sub"):  # any step on a closed item
        await li.press(callback_data=f"rx:{code}:{item_id}:{row.version}", message=card)
        await api.settled()
        expected = "这个问题已销号，不能再操作。" if code in ("ret", "ok") else "您没有权限对这个问题执行此操作。"
        assert li.callback_answers[-1].text == expected
    await wang.press(callback_data=f"rx:sub:{item_id}:{row.version}", message=card)
    await api.settled()
    assert wang.callback_answers[-1].text == "这个问题已销号，不能再操作。"
    async with bot.sessions() as session:
        steps = (await session.scalars(select(AuditEntry.action).where(AuditEntry.subject_type == "problem")
                                       .order_by(AuditEntry.id))).all()  # fmt: skip
    assert steps == ["problem.created", "problem.acknowledge", "problem.submit", "problem.close"]
