"""A returned self-assessment reopens with every answer kept: only the returned items are asked."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Role, Submission, SubmissionStatus
from tests.e2e.driver import arrives, fill, send
from tests.e2e.test_evaluation import submit_selfcheck
from tests.e2e.test_selfassessment import join


async def return_two_items(li) -> None:
    """The reviewer overrides #2 and #6 with reasons and returns the submission."""
    await li.press("开始审核")
    _summary, first = await li.replies()
    await li.press(next(b for b in first.button_texts if b.startswith("#2 ")))
    await li.replies()
    await li.press(next(b for b in li.last.button_texts if b.startswith("#6 ")))
    await li.replies()
    await li.press("完成 ✔️")
    await fill(li, {"改判理由：#2": send("批复文件缺失"), "改判理由：#6": send("缺组织委员"),
                    "考评结论": lambda u, p: u.press("↩️ 退回修改"), "退回理由": send("请补齐批复文件和支委人选")})  # fmt: skip
    await li.press("✅ 提交")
    await li.replies()


async def test_returned_selfcheck__resubmitted_by_answering_only_the_two_returned_items(bot, api, database_url, clock):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await submit_selfcheck(wang)
    await arrives(api, li, "提交了自评")
    await return_two_items(li)
    await arrives(api, wang, "被退回")
    async with bot.sessions() as session:
        first = (await session.scalar(select(Submission))).answers

    actions = []
    await wang.send("/selfcheck")
    [returned] = await wang.replies()
    assert "党委退回此项：批复文件缺失" in returned.text and "支部设置经上级党组织批准" in returned.text
    assert "退回项还有 2 项，其余回答都已保留" in returned.text and "当前回答：是" in returned.text
    await wang.press("✅ 是")  # the approval document is found: the answer stands
    actions.append("是")
    [second] = await wang.replies()
    assert "党委退回此项：缺组织委员" in second.text and "支委会配备齐全" in second.text
    await wang.press("否")
    actions.append("否")
    [review] = await wang.replies()
    assert "✅ 提交" in review.button_texts
    assert "↩️ 2. 支部设置经上级党组织批准，隶属关系清楚：是" in review.text
    assert "↩️ 6. 支委会配备齐全，分工明确：否（已修改）" in review.text
    assert "1. 支部正式党员人数：12 人" in review.text and "（已修改）" not in review.text.split("6. ")[0]
    await wang.press("✅ 提交")
    actions.append("提交")
    done = await wang.replies()

    assert any("已重新提交（第 2 次）" in m.text for m in done)
    assert len(actions) == 3  # the two returned items and the submit (after /selfcheck), nothing else
    async with bot.sessions() as session:
        again = await session.scalar(select(Submission))
    assert (again.status, again.round) == (SubmissionStatus.submitted, 2)
    assert again.answers == {**first, "committee_complete": False}  # every other answer, photos too, kept
