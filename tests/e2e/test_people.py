"""Roles withdrawn and branches handed over (换届): the old secretary's access goes, the new one's comes."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from storage.models import (
    AuditEntry,
    FormSession,
    OutboxMessage,
    OutboxStatus,
    Role,
    RoleAssignment,
)
from tests.e2e.harness import running_bot, seed_units
from tests.e2e.reminders_world import World, local
from tests.e2e.test_cli import zhibu
from tests.fakebotapi import FakeBotAPI, Limits

NOT_ALLOWED = "您没有权限执行此操作。"


@pytest.fixture
async def world(database_url, clock):
    async with FakeBotAPI(limits=Limits()) as api:
        await seed_units(database_url, clock)
        async with running_bot(api, database_url, clock) as bot:
            yield World(bot, api, clock)


async def test_handover__by_invite_in_the_chat__the_old_secretary_loses_access_and_the_new_one_gets_it(world):
    admin = await world.person("张部长", Role.admin, "D001")
    wang = await world.person("王芳", Role.secretary, "T0102")
    item = await world.problem("T0102", "党员活动室未悬挂党旗", due_on=date(2026, 3, 12))
    await world.at(local(date(2026, 3, 2), 9))  # Monday: the item turns yellow, 10 days left
    [yellow] = [m for m in wang.messages if "党员活动室未悬挂党旗" in m.text]
    await wang.press("⏰ 下个工作日再提醒", message=yellow)  # a reminder waiting for her tomorrow
    await wang.send("/selfcheck")
    [question] = await wang.replies()
    assert "第 1/" in question.text

    await admin.send("/people T0102")
    [card] = await admin.replies()
    assert "城关镇红旗村党支部" in card.text and "王芳 · 支部书记" in card.text
    await admin.press("🔄 换届（移交新书记）", message=card)
    await world.api.settled()
    assert "现任书记：王芳" in card.text
    await admin.press("✉️ 邀请新书记", message=card)
    await world.api.settled()
    assert "确认 城关镇红旗村党支部 换届？" in card.text
    await admin.press("✅ 确认换届", message=card)
    await world.api.settled()
    assert "城关镇红旗村党支部 已换届" in card.text and "已收回：王芳" in card.text
    assert "1 项问题整改未销号，已转给新书记" in card.text
    token = re.search(r"start=([\w-]+)", card.text).group(1)

    told = await world.api.wait_for(lambda _: next((m for m in wang.messages if "角色已收回" in m.text), None),
                                    timeout=10, what="the withdrawal notice")  # fmt: skip
    assert "城关镇红旗村党支部 的支部书记角色已收回（原因：换届）" in told.text
    assert "未完成的填报已关闭" in told.text
    await wang.press("✖️ 放弃", message=question)  # a button of the form she had open
    await world.api.settled()
    assert wang.callback_answers[-1].text == NOT_ALLOWED
    await wang.press(callback_data=f"prob:{item}", message=yellow)
    await world.api.settled()
    assert wang.callback_answers[-1].text == NOT_ALLOWED
    await wang.send("/selfcheck")
    [refused] = await wang.replies()
    assert "没有权限" in refused.text
    await wang.send("/problems")
    [problems] = await wang.replies()
    assert "问题清单为空" in problems.text

    li = world.api.user("李新")
    await li.send(f"/start {token}")
    [welcome] = await li.replies()
    assert "支部书记 · 城关镇红旗村党支部" in welcome.text

    seen = len(wang.messages)
    await world.at(local(date(2026, 3, 3), 9))  # her snoozed reminder was due now
    assert len(wang.messages) == seen, "no more notices or reminders for the branch she handed over"
    assert any("党员活动室未悬挂党旗" in m.text for m in li.messages), "the new secretary is reminded instead"
    [snoozed] = await world.rows(person_id=world.person_id("王芳"), status=OutboxStatus.cancelled)
    assert "no longer holds the role" in snoozed.last_error
    await li.send("/selfcheck")
    [first] = await li.replies()
    assert "第 1/" in first.text
    async with world.sessions() as session:
        [old] = (await session.scalars(select(RoleAssignment).where(
            RoleAssignment.person_id == world.person_id("王芳")))).all()  # fmt: skip
        assert old.revoked_at is not None and old.reason == "换届" and old.revoked_by == world.person_id("张部长")
        form = await session.scalar(select(FormSession).where(FormSession.person_id == world.person_id("王芳")))
        assert form.closed_at is not None
        actions = set(await session.scalars(select(AuditEntry.action)))
    assert {"role.withdrawn", "unit.handed_over", "form.withdrawn", "invite.created"} <= actions


async def test_withdraw__in_the_chat_with_a_reason__the_role_goes_and_the_history_stays(world):
    admin = await world.person("张部长", Role.admin, "D001")
    await world.person("王芳", Role.secretary, "T0102")
    reviewer = await world.person("李审核", Role.committee, "T01")

    await admin.send("/people")
    [card] = await admin.replies()
    assert "某县委组织部" in card.text and "张部长 · 组织部管理员" in card.text
    assert "收回：张部长 · 组织部管理员" in card.button_texts  # offered, and refused below
    await admin.press("城关镇党委", message=card)
    await world.api.settled()
    assert "李审核 · 党委审核人" in card.text
    await admin.press("收回：李审核 · 党委审核人", message=card)
    await world.api.settled()
    assert "收回 李审核 的党委审核人角色（城关镇党委）？" in card.text
    stale = card.buttons
    await admin.press("工作调动", message=card)
    await world.api.settled()
    assert "已收回 李审核 的党委审核人角色（城关镇党委，原因：工作调动）" in card.text
    await admin.press(callback_data=stale[1][0][1], message=card)  # a second reason: withdrawn already
    await world.api.settled()
    assert admin.callback_answers[-1].text == "这个按钮已失效，请重新打开菜单。"
    await world.drain()  # her notice first, so the next reply is the answer to /review
    await reviewer.send("/review")
    [refused] = await reviewer.replies()
    assert "没有权限" in refused.text

    await admin.send("/people D001")
    [own] = await admin.replies()
    await admin.press("收回：张部长 · 组织部管理员", message=own)
    await world.api.settled()
    assert admin.callback_answers[-1].text == NOT_ALLOWED

    outsider = await world.person("赵书记", Role.secretary, "T0101")
    await outsider.send("/people T0102")
    [nope] = await outsider.replies()
    assert "没有权限" in nope.text
    await outsider.press(callback_data=f"ppl:h:{await world.unit_id('T0102')}", message=nope)  # forged
    await outsider.press(callback_data="ppl:u:" + "9" * 60, message=nope)
    await world.api.settled()
    assert [a.text for a in outsider.callback_answers] == [NOT_ALLOWED, "这个按钮已失效，请重新打开菜单。"]
    async with world.sessions() as session:
        roles = (await session.scalars(select(RoleAssignment).order_by(RoleAssignment.id))).all()
    assert [(r.role, r.revoked_at is not None, r.reason) for r in roles] == [
        (Role.admin, False, None), (Role.secretary, False, None), (Role.committee, True, "工作调动"),
        (Role.secretary, False, None)]  # fmt: skip


async def test_people_cli__list_hand_over_to_an_existing_person_and_withdraw(world, database_url):
    wang = await world.person("王芳", Role.secretary, "T0102")
    await world.person("李新", Role.inspector, "T01")
    li_id = world.person_id("李新")
    await world.at(local(date(2026, 3, 2), 9, 30))

    listed = await asyncio.to_thread(zhibu, "people", "list", "--unit", "T01", database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert f"李新（人员 {li_id}） · 巡察考评员 · 城关镇党委" in listed.stdout
    assert "王芳" in listed.stdout and "城关镇红旗村党支部" in listed.stdout

    handed = await asyncio.to_thread(zhibu, "people", "handover", "--unit", "T0102", "--to", str(li_id),
                                     database_url=database_url)  # fmt: skip
    assert handed.returncode == 0, handed.stderr
    assert "城关镇红旗村党支部（T0102）已换届" in handed.stdout and "已收回：王芳" in handed.stdout
    assert "新书记：李新" in handed.stdout

    history = await asyncio.to_thread(zhibu, "people", "list", "--unit", "T0102", "--withdrawn",
                                      database_url=database_url)  # fmt: skip
    assert "已收回：换届" in history.stdout and "李新" in history.stdout
    assigned = re.search(r"#(\d+)\s+李新（人员 \d+） · 支部书记", history.stdout).group(1)
    withdrawn = await asyncio.to_thread(zhibu, "people", "withdraw", "--id", assigned, "--reason", "录入有误",
                                        database_url=database_url)  # fmt: skip
    again = await asyncio.to_thread(zhibu, "people", "withdraw", "--id", assigned, "--reason", "录入有误",
                                    database_url=database_url)  # fmt: skip
    not_branch = await asyncio.to_thread(zhibu, "people", "handover", "--unit", "T01", "--invite",
                                         database_url=database_url)  # fmt: skip

    assert withdrawn.returncode == 0 and "已收回 李新 的支部书记角色（城关镇红旗村党支部，原因：录入有误）" in withdrawn.stdout
    assert again.returncode == 2 and "没有这个有效的角色" in again.stderr
    assert not_branch.returncode == 2 and "只有党支部" in not_branch.stderr
    world.clock.set(local(date.today() + timedelta(days=1), 10))  # the shell wrote at the real time: catch up
    await world.drain()
    assert any("角色已收回（原因：换届）" in m.text for m in wang.messages), "the bot tells her what the shell did"
    async with world.sessions() as session:
        audit = (await session.scalars(select(AuditEntry).where(AuditEntry.action == "role.withdrawn")
                                       .order_by(AuditEntry.id))).all()  # fmt: skip
        pending = (await session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending))).all()
    assert [(a.actor_id, a.after["reason"]) for a in audit] == [(None, "换届"), (None, "录入有误")]
    assert pending == []
