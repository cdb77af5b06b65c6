"""A branch secretary fills the standardisation self-assessment on the phone."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import FormSession, Role, Submission
from tests.e2e.driver import JPEG, arrives, fill, press
from tests.e2e.harness import make_invite


async def join(api, database_url, clock, role, unit, name):
    user = api.user(name)
    await user.send(f"/start {await make_invite(database_url, clock, role, unit, name=name)}")
    await user.replies()
    return user


async def test_selfcheck__photos_back_skip_and_edit_before_submit__submits_what_was_reviewed(
    bot, api, database_url, clock
):
    reviewer = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    group = api.group("城关镇党委工作群")
    group.set_admin(reviewer)
    await group.add_bot(by=reviewer)
    await group.send(reviewer, "/bind")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")

    await wang.send("/selfcheck")
    [first] = await wang.replies()
    assert "第 1/" in first.text and "组织设置" in first.text and "支部正式党员人数" in first.text
    await wang.send("八十")  # Chinese numerals are understood
    [second] = await wang.replies()
    assert "第 2/" in second.text
    await wang.press("⬅️ 上一题")
    [back] = await wang.replies()
    assert "支部正式党员人数" in back.text and "当前回答：80" in back.text
    await wang.send("25人")

    async def album_then_done(user, _prompt):
        await user.send_album([JPEG, JPEG, JPEG])
        await user.replies()
        assert "已收到 3 张" in user.last.text  # an album is one answer, not three
        await user.press("完成 ✔️")

    review = await fill(wang, {"会议记录照片": album_then_done, "工作特色和亮点": press("跳过")})

    assert "1. 支部正式党员人数：25 人" in review.text
    assert "会议记录照片（佐证材料）：3 张照片" in review.text
    assert "工作特色和亮点：—" in review.text
    assert "自评得分 " in review.text and "未达标" not in review.text

    await wang.press("3")  # edit question 3 from the summary
    [edit] = await wang.replies()
    assert "支部委员会按期换届" in edit.text
    await wang.press("否")
    [again] = await wang.replies()
    assert "3. 支部委员会按期换届：否" in again.text and "未达标 1 项" in again.text

    await wang.press("✅ 提交")
    done = await wang.replies()
    assert any("已提交，等待党委审核" in m.text for m in done)
    async with bot.sessions() as session:
        submission = await session.scalar(select(Submission))
    assert submission.answers["member_count"] == 25 and submission.answers["election_on_time"] is False
    assert len(submission.answers["three_meetings_photos"]) == 3
    assert submission.score["failing"] == ["election_on_time"] and submission.version == "1"
    notice = await arrives(api, reviewer, "城关镇红旗村党支部 提交了自评")
    assert "1 项未达标" in notice.text and notice.button_texts == ["开始审核"]
    await arrives(api, group, "城关镇红旗村党支部 提交了自评，自评得分")


async def test_selfcheck__answers_people_type__are_understood_or_refused_with_the_question_again(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    [question] = await wang.replies()

    await wang.send_sticker()
    [refusal] = await wang.replies()
    assert "不能用贴纸" in refusal.text and "支部正式党员人数" in refusal.text
    await wang.send("很多")
    [refusal] = await wang.replies()
    assert "请输入一个数字" in refusal.text and "第 1/" in refusal.text
    await wang.send("x" * 5000)
    [refusal] = await wang.replies()
    assert "请输入一个数字" in refusal.text
    await wang.send("３０")  # full-width digits, as a Chinese keyboard types them
    [nxt] = await wang.replies()
    assert "第 2/" in nxt.text
    await wang.send("没有")
    [nxt] = await wang.replies()
    assert "第 3/" in nxt.text


async def test_selfcheck__stale_button_from_an_earlier_question__is_refused(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await wang.replies()
    await wang.send("30")
    [yes_no] = await wang.replies()
    await wang.press("是")
    await wang.replies()

    await wang.press("否", message=yes_no)  # the same button, on the question already answered
    await api.settled()

    assert "已失效" in wang.callback_answers[-1].text
    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession))
    assert form.state["answers"]["setup_approved"] is True


async def test_selfcheck__someone_else_pressing_a_forged_form_button__is_refused(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    other = await join(api, database_url, clock, Role.secretary, "T0101", "赵")
    await wang.send("/selfcheck")
    await wang.replies()

    await other.press(callback_data="f:0:x", message=other.last)  # "cancel" on a form that is not theirs
    await api.settled()

    assert "已失效" in other.callback_answers[-1].text
    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession))
    assert form.closed_at is None


async def test_selfcheck__role_withdrawn_before_submitting__does_not_take_effect(bot, api, database_url, clock):
    from sqlalchemy import delete

    from storage.models import RoleAssignment

    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await fill(wang)
    async with bot.sessions() as session, session.begin():
        await session.execute(delete(RoleAssignment))

    await wang.press("✅ 提交")
    [told] = await wang.replies()

    assert "没有生效" in told.text
    async with bot.sessions() as session:
        assert await session.scalar(select(Submission)) is None
        assert (await session.scalar(select(FormSession))).closed_at is not None


async def test_welcome_button__opens_the_self_assessment(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")

    await wang.press("📝 支部自评")
    [first] = await wang.replies()

    assert "党支部标准化规范化建设自评" in first.text and "第 1/" in first.text


async def test_selfcheck__in_english__questions_refusals_and_summary_are_english(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="Wang Fang")
    wang = api.user("Wang", language_code="en")
    await wang.send("/lang")  # the client's language_code alone is not a choice: English is picked
    await wang.replies()
    await wang.press("English")
    await wang.replies()
    await wang.send(f"/start {token}")
    [greeting] = await wang.replies()
    assert "Hello <b>" not in greeting.text and "Branch secretary" in greeting.text

    await wang.send("/selfcheck")
    [first] = await wang.replies()
    assert "question 1/" in first.text and "Number of full party members" in first.text
    await wang.send("many")
    [refusal] = await wang.replies()
    assert "Please enter a number" in refusal.text
    await wang.send("30")
    [second] = await wang.replies()
    assert second.button_texts[:2] == ["Yes", "No"] and "⬅️ Back" in second.button_texts

    async def yes(user, prompt):
        if "Yes" in prompt.button_texts:
            await user.press("Yes")
        elif "Send photos" in prompt.text:
            await (user.press("Done ✔️") if "received" in prompt.text else user.send_photo(JPEG))
        elif "Skip" in prompt.button_texts:
            await user.press("Skip")
        else:
            await user.send("12")

    review = await fill(wang, {"": yes})
    assert "please check, then submit" in review.text and "Score " in review.text
    assert "✅ Submit" in review.button_texts
