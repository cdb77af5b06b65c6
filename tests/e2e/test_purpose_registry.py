"""A new form purpose is one registration: no if-chain anywhere learns its name."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.filling.purposes import PURPOSES, Finishing, Purpose, Told
from domain.forms import load_form_yaml
from domain.kernel import audit
from domain.org.permissions import Action
from storage.models import AuditEntry, FormSession, Role
from tests.e2e.test_selfassessment import join

TOY_FORM = """
id: toy_count
version: "1"
title: {zh: 玩具登记, en: Toy count}
choices:
  colours: [{name: red, label: {zh: 红色, en: Red}}, {name: blue, label: {zh: 蓝色, en: Blue}}]
fields:
  - {name: toys, type: integer, required: true, label: {zh: 玩具数量, en: How many toys}}
  - {name: colour, type: choice, choices: colours, required: true, label: {zh: 颜色, en: Colour}}
"""


async def _definition(_session, _form_id, _subject_id, _version):
    return load_form_yaml(TOY_FORM)


async def _finish(f: Finishing) -> Told:
    await audit.record(f.session, at=f.at, actor_id=f.actor.person_id, action="toy.counted", subject_type="unit",
                       subject_id=f.unit.id, after=dict(f.answers), update_id=f.update_id)  # fmt: skip
    return Told("form_saved", {"title": f.definition.title.get("zh"), "unit": f.unit})


@pytest.fixture
def toy_purpose():
    PURPOSES.register(Purpose(name="toy", action=Action.record_activity, definition=_definition, finish=_finish,
                              starts={"toy": "toy_count"}))  # fmt: skip
    yield
    PURPOSES.unregister("toy")


async def test_a_registered_toy_purpose__opens_from_its_button__is_answered_and_finished(
    toy_purpose, bot, api, database_url, clock
):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    greeting = wang.last

    await wang.press(callback_data="toy:start", message=greeting)
    [first] = await wang.replies()
    assert "玩具数量" in first.text
    await wang.send("三")
    [second] = await wang.replies()
    assert "颜色" in second.text
    await wang.press("蓝色")
    [review] = await wang.replies()
    assert "玩具数量：3" in review.text and "颜色：蓝色" in review.text
    await wang.press("✅ 提交")
    replies = await wang.replies()
    assert any("已保存：玩具登记（" in m.text for m in replies)

    async with bot.sessions() as session:
        form = await session.scalar(select(FormSession).where(FormSession.purpose == "toy"))
        counted = await session.scalar(select(AuditEntry).where(AuditEntry.action == "toy.counted"))
    assert form.closed_at is not None and form.subject_type is None
    assert counted.after == {"toys": 3, "colour": "blue"}


async def test_a_purpose_code_nobody_registered__is_answered_as_no_longer_current(bot, api, database_url, clock):
    wang = await join(api, database_url, clock, Role.secretary, "T0102", "王芳")
    await wang.press(callback_data="toy:start", message=wang.last)
    await api.wait_for(lambda _api: wang.callback_answers, what="the press answered")
    assert wang.callback_answers[-1] == ("这个按钮已失效，请重新打开菜单。", True)
