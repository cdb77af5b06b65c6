"""A party-building project's whole life in the chat, with the travelling clock (seeds 000 and 001).

Call announced → plan drafted with four quality nodes → endorsed → scored by three panel members (one
refused on their own unit) → selected and announced → two quarterly reports (one node overdue and
flagged) → mid-year check → acceptance stages, the final one failed → rectification closed → re-check
passed → reward recorded; and a project ending in accountability; and each refusal of Must have 5.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from storage.models import (
    AuditEntry,
    PanelScore,
    ProblemItem,
    ProblemStatus,
    Project,
    ProjectNode,
    Role,
)
from tests.e2e.projects_world import (
    answer_plan,
    arrives,
    fill_sheet,
    project_id,
    reply_to,
    status,
    submit,
    travel,
)
from tests.e2e.reminders_world import World, local


@pytest.fixture
async def world(bot, api, clock):
    clock.set(local(date(2026, 3, 2), 9, 30))
    return World(bot, api, clock)


async def open_call(world: World, admin, *, max_per_unit: str = "1", deadline: str = "2026-04-15") -> str:
    await admin.send("/call")
    await admin.replies()
    await admin.send("2026")
    await admin.replies()
    for block in ("党员素质提高工程", "基层民主建设深化和拓展工程", "示范板块（示范片、示范带）"):
        await admin.press(block)
        await admin.replies()
    await admin.press("完成 ✔️")
    await admin.replies()
    await admin.send(max_per_unit)
    await admin.replies()
    await admin.send(deadline)
    await admin.replies()
    await admin.send("党员积分制管理\n社区网格化党建")
    await admin.replies()
    return await submit(admin)


async def test_a_project_from_the_call_to_its_reward(world: World, api) -> None:
    admin = await world.person("张部长", Role.admin, "D001")
    committee = await world.person("李书记", Role.committee, "T01")
    wang = await world.person("王芳", Role.secretary, "T0102")
    other = await world.person("刘书记", Role.secretary, "T0101")
    panel = [await world.person(name, Role.panel, "D001") for name in ("赵教授", "钱委员", "孙老师")]
    zhou = await world.person("周书记", Role.panel, "D001")
    async with world.sessions() as session, session.begin():  # 周 is also the secretary of 王芳's branch
        from storage.models import RoleAssignment

        session.add(RoleAssignment(person_id=world.person_id("周书记"), role=Role.secretary,
                                   unit_id=await world.unit_id("T0102"), created_at=world.clock.now()))  # fmt: skip
    town_group = await world.group("城关镇党委工作群", "T01")
    county_group = await world.group("县直机关工委群", "Z01")

    # 1. The call, announced to the committee groups and the people who may apply.
    opened = await open_call(world, admin)
    assert "已发布：2026年度党建项目申报" in opened and "每个单位可申报 1 个项目" in opened
    announced = await arrives(api, town_group, "2026年度党建项目申报")
    assert "党员素质提高工程、基层民主建设深化和拓展工程、示范板块" in announced.text and "2026年4月15日" in announced.text
    await arrives(api, county_group, "2026年度党建项目申报")
    notice = await arrives(api, wang, "点下面的按钮开始填写")
    assert notice.button_texts == ["📝 填写项目方案"]

    # 2. The plan, with a budget that is not a number and a node after the end refused on the way.
    world.clock.set(local(date(2026, 3, 10), 10))
    await wang.press("📝 填写项目方案", message=notice)
    await wang.replies()
    review = await answer_plan(wang, bad_inputs=True)
    assert "投资概算：50000 元" in review
    assert "1. 建立积分台账 · 张三 · 2026-06-30 · 台账建成并公示" in review
    done = await submit(wang)
    assert "项目方案《党员积分制管理》（城关镇红旗村党支部）已提交" in done
    pid = await project_id(world, "党员积分制管理")
    async with world.sessions() as session:
        project = await session.get(Project, pid)
        nodes = list(await session.scalars(select(ProjectNode).where(ProjectNode.project_id == pid)))
    assert project.status == "submitted" and project.budget_yuan == 50000 and len(nodes) == 4

    # More projects than the call allows (1 a unit): refused before anything is typed.
    await wang.send("/plan")
    assert "本单位在这次申报中已有 1 个项目，每个单位最多申报 1 个" in await reply_to(wang)

    # 3. The committee above endorses and forwards it.
    request = await arrives(api, committee, "报送了党建项目方案《党员积分制管理》")
    await committee.press("去审核", message=request)
    first = await reply_to(committee)
    assert "党员积分制管理" in first and "子项 4 个" in first
    await committee.press("同意，推荐报组织部")
    await committee.replies()
    await committee.press("跳过")
    await committee.replies()
    assert "已审核推荐《党员积分制管理》" in await submit(committee)
    await arrives(api, wang, "已经党（工）委审核推荐")
    await arrives(api, admin, "已经所属党（工）委审核推荐")

    # A plan after the deadline is refused, unless the admin reopens the call for that unit.
    await travel(world, date(2026, 4, 16))
    await other.send("/plan")
    assert "申报已于 2026年4月15日 截止" in await reply_to(other)

    # 4. The review: three members score, the fourth is refused on his own unit.
    await travel(world, date(2026, 4, 20))
    await admin.send("/calls")
    await admin.replies()
    await admin.press(admin.last.button_texts[0])
    view = await reply_to(admin)
    assert "已推荐，待评审：1" in view
    await admin.press("🗳 开始评审")
    assert "1 个项目进入评审" in await reply_to(admin)
    for member, numbers in zip(panel, ([9, 9, 8, 8, 9], [8, 8, 8, 7, 8], [7, 9, 8, 8, 7]), strict=True):
        todo = await arrives(api, member, "个项目方案进入评审")
        await member.press("查看待评项目", message=todo)
        await member.replies()
        await member.press("评审打分 · 党员积分制管理")
        await member.replies()
        await fill_sheet(member, numbers, "选题准、措施实")
        assert "已记录您对《党员积分制管理》的评分" in await submit(member)
    await zhou.press(callback_data=f"pj:{pid}:s", message=(await arrives(api, zhou, "个项目方案进入评审")))
    assert "这是您本单位的项目，按回避要求您不能为它评分" in await reply_to(zhou)
    async with world.sessions() as session:
        scores = list(await session.scalars(select(PanelScore).where(PanelScore.project_id == pid)))
    assert len(scores) == 3 and world.person_id("周书记") not in {s.person_id for s in scores}

    # 5. The decision, with the ranking computed from the scores, announced to every committee group.
    await admin.send("/calls")
    await admin.replies()
    await admin.press(admin.last.button_texts[0])
    ranking = await reply_to(admin)
    assert "1. 党员积分制管理 · 城关镇红旗村党支部：81.17（3 位评委）" in ranking and "尚未评分：周书记" not in ranking
    await admin.press("立项决定 · 党员积分制管理")
    sheet = await reply_to(admin)
    assert "综合得分 81.17（3 位评委：" in sheet and "排名 1/1" in sheet
    await admin.press("立项（中标）")
    await admin.replies()
    await admin.send("选题针对性强，措施可行")
    await admin.replies()
    assert "《党员积分制管理》已立项" in await submit(admin)
    await arrives(api, town_group, "经组织部评审，确定立项（中标）")
    await arrives(api, county_group, "经组织部评审，确定立项（中标）")
    decided = await arrives(api, wang, "确定立项（中标）")
    # A second decision on a decided project.
    await admin.press(callback_data=f"pj:{pid}:d", message=admin.last)
    assert "已经作出立项决定，不能再次决定" in await reply_to(admin)
    # A report on a project that is not running yet.
    await wang.press(callback_data=f"pj:{pid}:r", message=decided)
    assert "不在实施中" in await reply_to(wang)

    world.clock.set(local(date(2026, 5, 6), 10))
    await wang.press("🚀 领题启动", message=decided)
    assert "已领题启动" in await reply_to(wang)
    assert await status(world, pid) == "running"
    audit = await _audit(world, pid)
    assert [a for a, _ in audit] == ["project.submit", "project.endorse", "project.open_review", "project.select",
                                     "project.launch"]  # fmt: skip


    # 6. Running: a node past its date is flagged to the unit and its committee; the quarterly reports.
    await travel(world, date(2026, 7, 1), 9)
    flagged = await arrives(api, committee, "质量节点逾期：子项 1 建立积分台账")
    assert "城关镇红旗村党支部《党员积分制管理》" in flagged.text and "完成 0%" in flagged.text
    await arrives(api, wang, "质量节点逾期：子项 1 建立积分台账")
    assert (await world.sweep()).added == 0, "a node is flagged once"
    world.clock.set(local(date(2026, 7, 2), 10))
    await wang.press(callback_data=f"pj:{pid}", message=decided)
    card = await reply_to(wang)
    assert "⚠️ 1. 建立积分台账（张三，2026年6月30日）0% 逾期" in card and "实施中" in card
    assert "下一个期限：子项 1 建立积分台账" in card
    q2 = await report(wang, pid, [80, 30, 0, 0], "台账基本建成")
    assert "2026Q2 季度汇报已提交" in q2 and "有 1 个质量节点已过完成时限仍未完成" in q2
    await wang.press(callback_data=f"pj:{pid}:r", message=wang.last)
    assert "已到期的季度汇报都已提交。下一次（2026Q3）自 2026年9月1日 起填报" in await reply_to(wang)

    # The mid-year check (年中检查) by a panel member, and the early acceptance.
    world.clock.set(local(date(2026, 7, 6), 10))
    await panel[0].press(callback_data=f"pj:{pid}:m", message=panel[0].last)
    await panel[0].replies()
    await panel[0].press("按计划推进")
    await panel[0].replies()
    await panel[0].send("台账已建，评议待开展")
    await panel[0].replies()
    await panel[0].press("跳过")
    await panel[0].replies()
    assert "年中检查已记录" in await submit(panel[0])
    await arrives(api, wang, "推进情况：按计划推进")
    await accept(world, panel[:2], pid, [8, 8, 8, 8, 8])
    concluded = await conclude(admin, pid)
    assert "《党员积分制管理》前期验收通过：平均 80.00 分（及格 60，2 位评委）" in concluded

    await travel(world, date(2026, 10, 8), 9)
    due = await arrives(api, wang, "2026Q3 季度汇报请于 2026年10月10日 前提交")
    assert due.button_texts[0] == "去汇报"
    await arrives(api, committee, "子项 2 开展第一次积分评议")  # 30% at its date, 08-31
    world.clock.set(local(date(2026, 10, 8), 10))
    await wang.press("去汇报", message=due)
    assert "2026Q3 季度汇报已提交" in await report(wang, None, [100, 100, 60, 10], "评议会已召开")
    await accept(world, panel[:2], pid, [8, 7, 8, 8, 8])
    assert "中期验收通过" in await conclude(admin, pid)

    # 7. The final acceptance needs the implementation report first; it fails, and rectification opens items.
    world.clock.set(local(date(2026, 12, 15), 10))
    await panel[0].press(callback_data=f"pj:{pid}:a", message=panel[0].last)
    assert "后期验收前，项目单位需先提交年度实施报告" in await reply_to(panel[0])
    await wang.press(callback_data=f"pj:{pid}:i", message=wang.last)
    await wang.replies()
    for text in ("按方案完成积分制管理", "积分制让党员作用看得见", "群众满意度 96%", "48000"):
        await wang.send(text)
        await wang.replies()
    await wang.press("完成 ✔️")  # no photos
    await wang.replies()
    assert "项目实施报告已提交" in await submit(wang)
    world.clock.set(local(date(2026, 12, 18), 10))
    await accept(world, panel[:2], pid, [6, 4, 6, 5, 6])
    failed = await conclude(admin, pid)
    assert "后期验收未通过：平均 54.00 分" in failed and "薄弱方面：特色明显、解决了实际问题" in failed
    assert await status(world, pid) == "rectifying"
    told = await arrives(api, wang, "后期验收未通过")
    assert "党员积分制管理：特色明显未达到验收要求，2027年1月17日 前完成" in told.text
    async with world.sessions() as session:
        items = list(await session.scalars(select(ProblemItem).where(ProblemItem.source_type == "project")))
    assert [(i.item, i.status) for i in items] == [("features", ProblemStatus.open), ("problems_solved", ProblemStatus.open)]
    await panel[0].press(callback_data=f"pj:{pid}:a", message=panel[0].last)
    assert "整改尚未完成" in await reply_to(panel[0])

    # 8. Rectification closed, the re-check passes, the reward is recorded and announced.
    world.clock.set(local(date(2027, 1, 5), 10))
    await wang.press(callback_data=f"pj:{pid}:f", message=told)
    await wang.replies()
    await wang.send("挂牌示范岗 10 个，解决群众反映问题 23 件")
    await wang.replies()
    await wang.press("完成 ✔️")
    await wang.replies()
    assert "2 项问题已销号" in await submit(wang)
    await arrives(api, panel[2], "已报送《党员积分制管理》的整改情况")
    async with world.sessions() as session:
        assert {i.status for i in await session.scalars(select(ProblemItem))} == {ProblemStatus.closed}
    await accept(world, panel[:2], pid, [8, 8, 8, 8, 8])
    assert "后期验收通过" in await conclude(admin, pid)
    assert await status(world, pid) == "accepted"
    await admin.press(callback_data=f"pj:{pid}:w", message=admin.last)
    sheet = await reply_to(admin)
    assert "投资概算 50,000 元" in sheet and "后期验收（第 1 轮）：54.00 分，未通过" in sheet
    await admin.press("奖励")
    await admin.replies()
    await admin.send("整改到位，经验可推广")
    await admin.replies()
    assert "决定已记录并通报" in await submit(admin)
    await arrives(api, town_group, "通过验收，给予奖励")
    await arrives(api, wang, "通过验收，给予奖励")
    assert await status(world, pid) == "rewarded"
    assert [a for a, _ in await _audit(world, pid)] == [
        "project.submit", "project.endorse", "project.open_review", "project.select", "project.launch",
        "project.reported", "project.midyear_checked", "project.concluded", "project.reported", "project.concluded",
        "project.implementation_reported", "project.concluded", "project.rectify", "project.concluded",
        "project.accept", "project.complete", "project.reward"]  # fmt: skip

    # Everyone sees the project in the list with its progress; the committee sees the matrix.
    await committee.send("/projects")
    listed = await reply_to(committee)
    assert "党员积分制管理 · 城关镇红旗村党支部" in listed and "已奖励 ▓▓▓▓▓▓▓░░░ 68%" in listed
    await committee.send("/matrix")
    matrix = await reply_to(committee)
    assert "项目矩阵管理图（1 个项目）" in matrix and "✅✅🟩🟨" in matrix
    await committee.press(callback_data="pm:png", message=committee.last)
    picture = await api.wait_for(lambda _api: next((m for m in committee.messages if m.kind == "photo"), None),
                                 what="the matrix as a picture")  # fmt: skip
    assert "项目矩阵管理图：1 个项目" in picture.text


async def report(user, pid: int | None, percents: list[int], results: str) -> str:
    """A quarterly report: each node's percent, the results, no photos, no problems, the next steps."""
    if pid is not None:
        await user.press(callback_data=f"pj:{pid}:r", message=user.last)
    await user.replies()
    for percent in percents:
        await user.send(f"{percent}%")
        await user.replies()
    await user.send(results)
    await user.replies()
    await user.press("完成 ✔️")
    await user.replies()
    await user.press("跳过")
    await user.replies()
    await user.send("继续推进")
    await user.replies()
    return await submit(user)


async def accept(world: World, members, pid: int, numbers: list[int]) -> None:
    for member in members:
        await member.press(callback_data=f"pj:{pid}:a", message=member.last)
        await member.replies()
        await fill_sheet(member, numbers, "按验收标准评分")
        assert "的评分" in await submit(member)


async def conclude(admin, pid: int) -> str:
    await admin.press(callback_data=f"pj:{pid}", message=admin.last)
    await admin.replies()
    await admin.press("作出验收结论")
    return await reply_to(admin)


async def _audit(world: World, pid: int) -> list[tuple[str, dict]]:
    async with world.sessions() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.subject_type == "project",
                                                              AuditEntry.subject_id == str(pid),
                                                              AuditEntry.action.like("project.%"),
                                                              AuditEntry.action != "project.scored")
                                     .order_by(AuditEntry.id))  # fmt: skip
        return [(r.action, r.after) for r in rows]


__all__ = ["ProblemItem", "ProblemStatus"]


async def test_a_returned_plan_resubmitted__a_call_reopened_for_one_unit__and_a_project_ending_in_accountability(
    world: World, api
) -> None:
    admin = await world.person("张部长", Role.admin, "D001")
    chen = await world.person("陈书记", Role.secretary, "Z0101")
    wu = await world.person("吴书记", Role.committee, "Z01")
    liu = await world.person("刘书记", Role.secretary, "T0101")
    member = await world.person("赵教授", Role.panel, "D001")
    group = await world.group("县直机关工委群", "Z01")
    assert "每个单位可申报 2 个项目" in await open_call(world, admin, max_per_unit="2")

    await chen.send("/plan")
    await chen.replies()
    await answer_plan(chen, title="机关党员志愿服务", block="基层民主建设深化和拓展工程")
    await submit(chen)
    pid = await project_id(world, "机关党员志愿服务")

    # Returned with reasons; the plan opens on its review with every answer, changed and submitted again.
    request = await arrives(api, wu, "报送了党建项目方案《机关党员志愿服务》")
    await wu.press("去审核", message=request)
    await wu.replies()
    await wu.press("退回修改")
    await wu.replies()
    await wu.send("请细化考核体系")
    await wu.replies()
    assert "已退回《机关党员志愿服务》" in await submit(wu)
    returned = await arrives(api, chen, "退回理由：请细化考核体系")
    assert returned.button_texts == ["修改后重新提交"]
    await chen.press("修改后重新提交", message=returned)
    review = await reply_to(chen)
    assert "1. 项目名称：机关党员志愿服务" in review and "3. 建立党员示范岗 · 王五" in review
    await chen.press("17")  # 考核体系
    await chen.replies()
    await chen.send("季度评议、年终考核、群众测评")
    await chen.replies()
    assert "已提交" in await submit(chen)
    assert await status(world, pid) == "submitted"
    async with world.sessions() as session:
        assert (await session.get(Project, pid)).plan["assessment_system"] == "季度评议、年终考核、群众测评"
    await wu.press("去审核", message=await arrives(api, wu, "报送了党建项目方案《机关党员志愿服务》", after=1))
    await wu.replies()
    await wu.press("同意，推荐报组织部")
    await wu.replies()
    await wu.press("跳过")
    await wu.replies()
    await submit(wu)

    # The deadline passes; the department reopens the call for one unit only.
    await travel(world, date(2026, 4, 16))
    await liu.send("/plan")
    assert "申报已于 2026年4月15日 截止" in await reply_to(liu)
    from domain.projects import calls
    from storage.models import ProjectCall, Unit

    async with world.sessions() as session, session.begin():
        call = await session.scalar(select(ProjectCall))
        unit = await session.scalar(select(Unit).where(Unit.code == "T0101"))
        await calls.reopen(session, actor=None, call_id=call.id, unit=unit, until=date(2026, 4, 30),
                           today=date(2026, 4, 16), at=world.clock.now())  # fmt: skip
    await liu.send("/plan")
    assert "项目名称" in await reply_to(liu)
    await liu.send("/cancel")
    await liu.replies()

    # Selected and launched, then the plan is not met: accountability, announced.
    await travel(world, date(2026, 4, 20))
    await admin.press(callback_data="pc:1:r", message=admin.last)
    await admin.replies()
    await member.press(callback_data=f"pj:{pid}:s", message=await arrives(api, member, "进入评审"))
    await member.replies()
    await fill_sheet(member, [7, 7, 7, 7, 7], "可行")
    await submit(member)
    await admin.press(callback_data=f"pj:{pid}:d", message=admin.last)
    decision = await reply_to(admin)
    assert "综合得分 70.00（1 位评委：70.00）" in decision and "评分人数不足，结果仅供参考" in decision
    await admin.press("立项（中标）")
    await admin.replies()
    await admin.send("同意立项")
    await admin.replies()
    await submit(admin)
    await chen.press("🚀 领题启动", message=await arrives(api, chen, "确定立项（中标）"))
    await chen.replies()
    world.clock.set(local(date(2026, 11, 2), 10))
    await admin.press(callback_data=f"pj:{pid}", message=admin.last)
    assert "追究责任" in (await admin.replies())[-1].button_texts
    await admin.press("追究责任")
    await admin.replies()
    await admin.send("子项均未按期完成，季度汇报缺报")
    await admin.replies()
    assert "决定已记录并通报" in await submit(admin)
    announced = await arrives(api, group, "未按要求完成项目计划，追究项目责任人 王芳（支部书记） 的责任")
    assert "理由：子项均未按期完成，季度汇报缺报" in announced.text
    assert await status(world, pid) == "accountability"
    assert [a for a, _ in await _audit(world, pid)][-1] == "project.hold_accountable"
