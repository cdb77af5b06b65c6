"""Two reviewers submitting their evaluation of one self-assessment at the same moment: one decision
stands and the other reviewer is told "已由其他审核人处理", not that something went wrong.

On PostgreSQL the two bots behind the forwarder (tests/e2e/parallel.py) both reach the write while a
lock held from outside keeps the submission row; released, they race for it every run.
"""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import ItemReview, Role, Submission, SubmissionStatus
from tests.e2e.driver import arrives, fill, send
from tests.e2e.parallel import together
from tests.e2e.test_evaluation import submit_selfcheck
from tests.e2e.test_selfassessment import join

SUBMISSION_ROW = "SELECT 1 FROM submissions WHERE id = :id FOR UPDATE"


async def test_two_reviewers_submit_at_once__one_decision_and_the_other_is_told_it_was_handled(
    bots, api, database_url, clock
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
    await fill(zhao, {"考评结论": lambda u, p: u.press("↩️ 退回修改"), "退回理由": send("再看看")})
    async with bots.sessions() as session:
        submission = await session.scalar(select(Submission))

    async with together(api, bots, database_url, 2, lock=SUBMISSION_ROW, id=submission.id):
        await li.press("✅ 提交")
        await zhao.press("✅ 提交")
    told = {r.first_name: [m.text for m in await r.replies()] for r in (li, zhao)}

    async with bots.sessions() as session:
        submission = await session.scalar(select(Submission))
        reviews = await session.scalar(select(func.count()).select_from(ItemReview))
    winner, loser = ("李审核", "赵审核") if submission.status is SubmissionStatus.passed else ("赵审核", "李审核")
    assert submission.status in (SubmissionStatus.passed, SubmissionStatus.returned)
    assert any("已由其他审核人处理" in text for text in told[loser]), told
    assert not any("出错了" in text for text in told[loser] + told[winner]), told
    assert not any("已由其他审核人处理" in text for text in told[winner]), told
    assert reviews > 0
