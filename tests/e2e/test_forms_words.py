"""Each hint once, and the right words for the wrong input."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage.models import FormSession, Role
from tests.e2e.driver import JPEG, default_answer, fill, question_of
from tests.e2e.test_selfassessment import join


async def test_date_and_photo_questions__show_their_examples_and_hints_once(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")
    await wang.replies()
    await wang.press("主题党日")
    [when] = await wang.replies()
    assert when.text.count("4月15日") == 1 and when.text.count("例如") == 1
    await wang.send("上上周")
    [refusal] = await wang.replies()
    assert "没看懂这个日期" in refusal.text and "活动日期" in refusal.text
    assert refusal.text.count("4月15日") == 1  # the refusal gives the examples; the question does not repeat them
    await wang.send("昨天")
    await wang.replies()
    await wang.send("学习党章")
    await wang.replies()
    await wang.send("20")
    await wang.replies()
    await wang.send("18")
    [photos] = await wang.replies()
    assert "签到表照片" in photos.text and photos.text.count("完成") == 1
    await wang.send("好的")
    [refusal] = await wang.replies()
    assert "这里需要照片，不能用文字" in refusal.text and refusal.text.count("完成") == 1


async def test_number_refused__says_once_that_a_number_is_wanted(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await wang.replies()
    await wang.send("很多")
    [refusal] = await wang.replies()
    assert "请输入一个数字" in refusal.text and refusal.text.count("请输入") == 1


async def test_room_area__quotes_only_the_threshold_that_applies_to_the_branch(bot, api, database_url, clock):
    town = await join(api, database_url, clock, Role.secretary, "T0102", "红旗村书记")  # under 城关镇党委
    direct = await join(api, database_url, clock, Role.secretary, "Z0101", "教育局书记")  # under 县直机关工委
    shown = {}

    async def look(user, prompt):
        shown[user.id] = prompt.text
        await user.send("80")

    for user in (town, direct):
        await user.send("/demo")
        await fill(user, {"党员活动室面积": look})

    assert "不少于 100 平方米（镇党委下属）" in shown[town.id] and "60" not in shown[town.id]
    assert "不少于 60 平方米（直属党委下属）" in shown[direct.id] and "100" not in shown[direct.id]


async def test_sticker_or_voice_on_a_button_question__asks_to_press_a_button(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await wang.replies()
    await wang.send("30")
    [yes_no] = await wang.replies()
    assert yes_no.button_texts[:2] == ["是", "否"]

    await wang.send_sticker()
    [refusal] = await wang.replies()
    assert "请点击下方按钮选择" in refusal.text and question_of(yes_no) in refusal.text
    assert refusal.button_texts[:2] == ["是", "否"] and "贴纸" not in refusal.text
    await wang.send_voice()
    [refusal] = await wang.replies()
    assert "请点击下方按钮选择" in refusal.text


async def test_stale_button_inside_an_open_form__says_so_and_sends_the_current_question_again(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/selfcheck")
    await wang.replies()
    await wang.send("30")
    [first_yes_no] = await wang.replies()
    await wang.press("是")
    [current] = await wang.replies()

    await wang.press("否", message=first_yes_no)
    [again] = await wang.replies()

    assert "请使用最新一条消息中的按钮" in wang.callback_answers[-1].text
    assert again.text == current.text and again.button_texts == current.button_texts
    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession))
    assert form.state["answers"]["setup_approved"] is True
    await wang.press(again.button_texts[0], message=again)  # the re-sent question's buttons work
    [nxt] = await wang.replies()
    assert "按规定划分党小组" in nxt.text  # the next question: 30 members call for party groups


async def test_photo_sent_to_a_choice_question__asks_to_press_a_button(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")
    await wang.replies()
    await wang.send_photo(JPEG)
    [refusal] = await wang.replies()
    assert "请点击下方按钮选择" in refusal.text  # the kind of activity is chosen with buttons


async def test_selfcheck_filled_through__the_total_never_grows_and_added_questions_are_supplements(
    bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    headers = []

    async def note(user, prompt):
        headers.append(prompt.text.split("\n")[0])
        await default_answer(user, prompt)

    await wang.send("/selfcheck")
    await fill(wang, {"": note})

    totals = {re.search(r"第 \d+/(\d+) 题", h).group(1) for h in headers}
    numbers = [int(re.search(r"第 (\d+)/", h).group(1)) for h in headers]
    assert len(totals) == 1 and numbers == sorted(numbers)
    supplements = [h for h in headers if "（补充）" in h]
    assert supplements and all(re.search(r"第 \d+/\d+ 题（补充）", h) for h in supplements)
    assert len(headers) == int(totals.pop()) + len(supplements)
