"""Forged button data (huge ids, digits that are not ASCII, fields missing or added) is answered as
no longer current: no error, nothing changed."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from storage.models import AuditEntry, Role
from tests.e2e.test_selfassessment import join

STALE = "这个按钮已失效，请重新打开菜单。"
BAD_IDS = ["9" * 60, "²", "1²", "٣", str(2**31), str(2**63), "-1", "+1", ""]
SLOTS = ["prob:{}", "rev:{}", "new:self:{}", "new:act:{}", "snz:{}", "inv:{}:secretary", "bind:{}", "f:{}:b",
         "f:{}:c:branch_general_meeting"]  # fmt: skip
MISSING = ["prob", "rev:", "new:self", "new:", "snz:", "inv:1", "inv:1:", "bind:", "lang:", "f:0", "f:0:c", "f:0:c:",
           "self:", "act"]  # fmt: skip
EXTRA = ["prob:1:2", "rev:1:x", "new:self:1:2", "snz:1:1", "inv:1:secretary:x", "bind:1:2", "lang:zh:x",
         "self:start:x", "act:start:", "f:0:b:x", "f:0:zz", "f:0:x:1"]  # fmt: skip
FORGED = [slot.format(bad) for slot in SLOTS for bad in BAD_IDS] + MISSING + EXTRA


async def test_forged_buttons__every_prefix__answered_no_longer_current_and_nothing_changes(
    bot, api, database_url, clock, caplog
):
    caplog.set_level(logging.ERROR)
    admin = await join(api, database_url, clock, Role.admin, "D001", "张部长")
    await admin.send("/activity")  # the admin is not a secretary: nothing opens
    await admin.replies()
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.send("/activity")  # a form is open, at step 0
    [prompt] = await wang.replies()
    async with bot.sessions() as session:
        audit_before = await session.scalar(select(func.count()).select_from(AuditEntry))

    for user in (wang, admin):
        for data in FORGED:
            await user.press(callback_data=data, message=user.last)
            await api.settled()
            assert user.callback_answers[-1].text == STALE, data

    for user in (wang, admin):
        assert len(user.callback_answers) == len(FORGED)
        assert not any("出错了" in m.text for m in user.messages)
    assert wang.last.text == prompt.text
    assert not caplog.records, caplog.text
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
