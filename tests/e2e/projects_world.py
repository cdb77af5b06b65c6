"""Driving party-building projects through the chat: people press what they see and type what they would."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from storage.models import Project
from tests.e2e.driver import arrives, question_of
from tests.e2e.reminders_world import World, local
from tests.fakebotapi import FakeUser

PLAN_TEXT = {
    "项目名称": "党员积分制管理",
    "选题": "党员作用发挥不明显，先锋模范作用难以量化",
    "项目责任人": "王芳（支部书记）",
    "项目建设的重要性": "破解农村党员管理难题",
    "项目建设内容": "建立党员积分台账和评议制度",
    "推进方式": "试点先行、逐月积分、季度评议",
    "组织措施": "成立项目领导小组，书记负总责",
    "时间安排和实施步骤": "5月启动，6月建账，8月评议，12月总结",
    "预期目标": "党员参与率达到95%以上",
    "目标体系": "积分覆盖全部党员",
    "保证体系": "支委分工负责",
    "考核体系": "季度评议、年终考核",
    "支撑体系": "镇党委指导，村委会配合",
    "效益评估体系": "群众满意度测评",
}
NODES = [("建立积分台账", "张三", "2026-06-30", "台账建成并公示"),
         ("开展第一次积分评议", "李四", "2026-08-31", "评议会召开并有记录"),
         ("建立党员示范岗", "王五", "2026-10-31", "挂牌10个示范岗"),
         ("年终总结表彰", "王芳", "2026-12-15", "召开表彰大会")]  # fmt: skip


async def reply_to(user: FakeUser) -> str:
    """The text of the newest message to ``user`` after the last action."""
    found = await user.replies()
    assert found, "no reply"
    return "\n".join(m.text for m in found)


async def answer_plan(user: FakeUser, *, title: str = PLAN_TEXT["项目名称"], block: str = "党员素质提高工程",
                      starts: str = "2026-05-01", ends: str = "2026-12-31", budget: str = "5万元",
                      nodes=NODES, bad_inputs: bool = False) -> str:  # fmt: skip
    """Answer the plan form question by question until its review; returns the review's text."""
    texts = {**PLAN_TEXT, "项目名称": title, "项目开始日期": starts, "项目完成日期": ends, "投资概算": budget}
    for _ in range(60):
        prompt = user.last
        if "✅ 提交" in prompt.button_texts:
            return prompt.text
        label = question_of(prompt)
        if "所属工作板块" in label:
            await user.press(block)
        elif "子项分解" in label:
            await add_nodes(user, nodes, bad_inputs=bad_inputs)
            await user.press("完成 ✔️")
        elif "投资概算" in label and bad_inputs:
            await user.send("很多")
            refused = await reply_to(user)
            assert "请输入一个数字" in refused and "投资概算" in refused, refused
            await user.send(budget)
        elif "协作单位" in label:
            await user.press("跳过")
        else:
            key = next(k for k in texts if k in label)
            await user.send(texts[key])
        await user.replies()
    raise AssertionError(f"the plan did not reach its review:\n{user.last.text}")


async def add_nodes(user: FakeUser, nodes, *, bad_inputs: bool = False) -> None:
    for index, (title, owner, due, done_when) in enumerate(nodes):
        await user.press("➕ 添加一项")
        await user.replies()
        await user.send(title)
        await user.replies()
        await user.send(owner)
        await user.replies()
        if bad_inputs and index == len(nodes) - 1:
            await user.send("2027-01-10")  # after the project ends
            refused = await reply_to(user)
            assert "完成时限应在项目开始和完成日期之间" in refused, refused
        await user.send(due)
        await user.replies()
        await user.send(done_when)
        listed = await reply_to(user)
        assert f"已填 {index + 1} 项" in listed, listed


async def fill_sheet(user: FakeUser, numbers: list[int], comment: str) -> str:
    """A score sheet: the criteria one by one, then the comment; returns the review's text."""
    for number in numbers:
        await user.send(str(number))
        await user.replies()
    await user.send(comment)
    await user.replies()
    assert "✅ 提交" in user.last.button_texts, user.last.text
    return user.last.text


async def submit(user: FakeUser) -> str:
    await user.press("✅ 提交")
    return await reply_to(user)


async def project_id(world: World, title: str) -> int:
    async with world.sessions() as session:
        return await session.scalar(select(Project.id).where(Project.title == title))


async def status(world: World, pid: int) -> str:
    async with world.sessions() as session:
        return (await session.get(Project, pid)).status


async def travel(world: World, day: date, hour: int = 10) -> None:
    await world.at(local(day, hour))


__all__ = ["arrives", "reply_to"]
