"""The committee evaluates a submission item by item; the secretary is told and resubmits."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import ItemReview, ProblemItem, Role, Submission, SubmissionStatus
from tests.e2e.driver import arrives, fill, send
from tests.e2e.test_selfassessment import join


async def submit_selfcheck(user) -> None:
    await user.send("/selfcheck")
    await fill(user)
    await user.press("✅ 提交")
    await user.replies()


async def test_evaluation__two_items_overridden_and_returned__secretary_is_told_and_resubmits(
    bot, api, database_url, clock
):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await submit_selfcheck(wang)
    await arrives(api, li, "提交了自评")

    await li.press("开始审核")
    summary, first = await li.replies()
    assert "城关镇红旗村党支部" in summary.text and "#2 ✅ 支部设置经上级党组织批准" in summary.text
    assert "逐项审核" in first.text
    await li.press(next(b for b in first.button_texts if b.startswith("#2 ")))
    await li.replies()
    await li.press(next(b for b in li.last.button_texts if b.startswith("#6 ")))
    await li.replies()
    assert [b for b in li.last.button_texts if b.startswith("✅ #")] == [
        "✅ #2 支部设置经上级党组织批准，隶属关系清楚（达标）", "✅ #6 支委会配备齐全，分工明确（达标）"]  # fmt: skip
    await li.press("完成 ✔️")
    await fill(li, {"改判理由：#2": send("批复文件缺失"), "改判理由：#6": send("缺组织委员"),
                    "考评结论": lambda u, p: u.press("↩️ 退回修改"), "退回理由": send("请补齐批复文件和支委人选")})  # fmt: skip
    await li.press("✅ 提交")
    [_, done] = await li.replies()
    assert "退回修改" in done.text and "改判 2 项" in done.text and "问题清单 2 项" in done.text

    result = await arrives(api, wang, "被退回")
    assert "请补齐批复文件和支委人选" in result.text
    assert "支部设立须经上级党组织批准，隶属关系清晰（批复文件缺失）" in result.text
    assert "整改期限" in result.text
    async with bot.sessions() as session:
        submission = await session.scalar(select(Submission))
        reviews = {r.item: r for r in await session.scalars(select(ItemReview))}
        problems = (await session.scalars(select(ProblemItem).order_by(ProblemItem.id))).all()
    assert submission.status is SubmissionStatus.returned
    assert reviews["setup_approved"].overridden and not reviews["setup_approved"].passed
    assert reviews["member_count"].passed and not reviews["member_count"].overridden
    assert [p.item for p in problems] == ["setup_approved", "committee_complete"]
    assert all(p.due_on.isoformat() == "2026-04-01" for p in problems)  # 30 days after 2026-03-02

    await wang.send("/problems")
    [listing] = await wang.replies()
    assert "问题清单（2 项未销号）" in listing.text and "还剩 30 天" in listing.text

    await submit_selfcheck(wang)
    assert any("已重新提交（第 2 次）" in m.text for m in wang.messages)
    await arrives(api, li, "重新提交了自评（第 2 次）")
    async with bot.sessions() as session:
        rows = (await session.scalars(select(Submission))).all()
    assert [(s.status, s.round) for s in rows] == [(SubmissionStatus.submitted, 2)]


async def test_evaluation__reviewer_of_another_committee__cannot_open_it(bot, api, database_url, clock):
    other = await join(api, database_url, clock, Role.committee, "Z01", "县直审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await submit_selfcheck(wang)
    async with bot.sessions() as session:
        submission = await session.scalar(select(Submission))

    await other.send("/review")
    [listing] = await other.replies()
    await other.press(callback_data=f"rev:{submission.id}", message=listing)
    await api.settled()

    assert "目前没有待审核的自评" in listing.text
    assert other.callback_answers[-1].text == "您没有权限执行此操作。"


async def test_evaluation__passed_without_overrides__secretary_sees_passed(bot, api, database_url, clock):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await submit_selfcheck(wang)
    await arrives(api, li, "提交了自评")  # the notice comes through the outbox; let it land before /review
    await li.send("/review")
    [listing] = await li.replies()
    assert listing.button_texts[0].startswith("城关镇红旗村党支部")

    await li.press(listing.button_texts[0])
    await li.replies()
    await li.press("跳过")
    await fill(li, {"考评结论": lambda u, p: u.press("✅ 达标（通过）")})
    await li.press("✅ 提交")
    await li.replies()

    result = await arrives(api, wang, "经党委审核")
    assert "达标" in result.text and "问题清单" not in result.text


async def test_evaluation__two_reviewers_at_once__the_second_is_told_and_nothing_of_theirs_is_kept(
    bot, api, database_url, clock
):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    zhao = await join(api, database_url, clock, Role.committee, "T01", "赵审核")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await submit_selfcheck(wang)
    for reviewer in (li, zhao):
        await arrives(api, reviewer, "提交了自评")
        await reviewer.press("开始审核")
        await reviewer.replies()
        await reviewer.press("跳过")

    await fill(li, {"考评结论": lambda u, p: u.press("✅ 达标（通过）")})
    await li.press("✅ 提交")
    await li.replies()
    await fill(zhao, {"考评结论": lambda u, p: u.press("↩️ 退回修改"), "退回理由": send("再看看")})
    await zhao.press("✅ 提交")
    [told] = await zhao.replies()

    assert "已由其他审核人处理" in told.text
    async with bot.sessions() as session:
        submission = await session.scalar(select(Submission))
    assert submission.status is SubmissionStatus.passed and submission.reasons is None
    await zhao.send("/review")
    [listing] = await zhao.replies()
    assert "目前没有待审核的自评" in listing.text
