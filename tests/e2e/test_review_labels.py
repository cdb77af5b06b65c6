"""The reviewer can tell a branch's submissions apart: the form, the branch, the date and the attempt."""

from __future__ import annotations

from datetime import date

from bot import scheduling
from storage.models import Role
from tests.e2e.driver import arrives, fill, send
from tests.e2e.reminders_world import local
from tests.e2e.test_selfassessment import join


async def submit(user, command: str) -> None:
    await user.send(command)
    await fill(user)
    await user.press("✅ 提交")
    await user.replies()


async def test_one_branch_with_a_self_assessment_and_a_demonstration_pending__shows_two_different_labels(
    bot, api, database_url, clock
):
    li = await join(api, database_url, clock, Role.committee, "T01", "李审核")
    group = api.group("城关镇党委工作群")
    group.set_admin(li)
    await group.add_bot(by=li)
    await group.send(li, "/bind")
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")

    await submit(wang, "/selfcheck")
    clock.advance(minutes=20)
    await submit(wang, "/demo")

    for chat in (li, group):
        standard = await arrives(api, chat, "支部标准化自评 · 第 1 次提交 · 2026-03-02 09:30")
        demo = await arrives(api, chat, "示范阵地创建自评 · 第 1 次提交 · 2026-03-02 09:50")
        assert "城关镇红旗村党支部" in standard.text and "城关镇红旗村党支部" in demo.text
    await li.send("/review")
    [listing] = await li.replies()

    assert "待审核的自评（2 份）" in listing.text
    assert "1. 城关镇红旗村党支部 · 支部标准化自评 · 第 1 次提交 · 2026-03-02 09:30" in listing.text
    assert "2. 城关镇红旗村党支部 · 示范阵地创建自评 · 第 1 次提交 · 2026-03-02 09:50" in listing.text
    assert listing.button_texts == ["城关镇红旗村党支部 · 支部标准化自评 · 第1次 · 03-02",
                                    "城关镇红旗村党支部 · 示范阵地创建自评 · 第1次 · 03-02"]  # fmt: skip
    await li.press(listing.button_texts[1])
    summary, _first = await li.replies()
    assert "城关镇红旗村党支部 的示范阵地创建自评（第 1 次提交" in summary.text

    await li.press("跳过")
    await fill(li, {"考评结论": lambda u, p: u.press("↩️ 退回修改"), "退回理由": send("请补充活动室照片")})
    await li.press("✅ 提交")
    await li.replies()
    returned = await arrives(api, wang, "被退回")
    assert "城关镇红旗村党支部 的示范阵地创建自评（第 1 次提交）被退回" in returned.text
    assert "（/demo）" in returned.text  # the command that opens this form, not /selfcheck

    clock.set(local(date(2026, 3, 6), 9, 0))  # the self-assessment has waited four working days
    await scheduling.run_sweep(bot.runtime.deps.sessions, clock, bot.runtime.deps.timezone)
    waiting = await arrives(api, li, "等待审核已")
    assert "支部：城关镇红旗村党支部" in waiting.text and "表单：支部标准化自评" in waiting.text
