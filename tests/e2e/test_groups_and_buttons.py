"""Committee groups are bound by the right people only; buttons carry no authority."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Chat, Invite, Role
from tests.e2e.harness import make_invite


async def _join(user, database_url, clock, role, unit, name=None):
    await user.send(f"/start {await make_invite(database_url, clock, role, unit, name=name)}")
    await user.replies()


async def _bound_unit(bot, chat_id):
    async with bot.sessions() as session:
        chat = await session.get(Chat, chat_id)
        return chat.unit_id if chat else None


async def test_bind__committee_reviewer_who_is_group_admin__binds_the_group(bot, api, database_url, clock):
    li = api.user("李审核")
    await _join(li, database_url, clock, Role.committee, "T01")
    group = api.group("城关镇党委工作群")
    group.set_admin(li)
    await group.add_bot(by=li)
    [hello] = await group.replies()
    assert "/bind" in hello.text

    await group.send(li, "/bind")
    [done] = await group.replies()

    assert "已绑定到 城关镇党委" in done.text
    assert await _bound_unit(bot, group.id) is not None


async def test_bind__reviewer_who_is_not_group_admin__is_refused(bot, api, database_url, clock):
    li = api.user("李审核")
    await _join(li, database_url, clock, Role.committee, "T01")
    group = api.group("某群")
    await group.add_bot(by=li)
    await group.replies()

    await group.send(li, "/bind")
    [refusal] = await group.replies()

    assert "只有本群的管理员" in refusal.text
    assert await _bound_unit(bot, group.id) is None


async def test_bind__group_admin_without_a_committee_role__is_refused(bot, api, database_url, clock):
    secretary, stranger = api.user("书记"), api.user("路人")
    await _join(secretary, database_url, clock, Role.secretary, "T0102")
    group = api.group("支部群")
    group.set_admin(secretary)
    group.set_admin(stranger)
    await group.add_bot(by=secretary)

    await group.send(secretary, "/bind")
    await group.send(stranger, "/bind")
    refusals = await group.replies()

    assert len(refusals) == 3 and all("不是该党组织的党委审核人" in m.text for m in refusals[1:])
    assert await _bound_unit(bot, group.id) is None


async def test_bind__in_a_private_chat__explains_where_to_use_it(bot, api, database_url, clock):
    li = api.user("李审核")
    await _join(li, database_url, clock, Role.committee, "T01")

    await li.send("/bind")
    [answer] = await li.replies()

    assert "只能在群聊中使用" in answer.text


async def test_unbind__by_the_reviewer__stops_notices(bot, api, database_url, clock):
    li = api.user("李审核")
    await _join(li, database_url, clock, Role.committee, "T01")
    group = api.group("城关镇党委工作群", supergroup=True)
    group.set_admin(li)
    await group.add_bot(by=li)
    await group.send(li, "/bind")
    await group.send(li, "/unbind")
    replies = await group.replies()

    assert "已解除" in replies[-1].text
    assert await _bound_unit(bot, group.id) is None


async def test_admin__invites_in_the_chat_with_role_buttons(bot, api, database_url, clock):
    zhang = api.user("张部长")
    await _join(zhang, database_url, clock, Role.admin, "D001")

    await zhang.send("/invite T0103")
    [choose] = await zhang.replies()
    assert "城关镇新民村党支部" in choose.text and "支部书记" in choose.button_texts
    await zhang.press("支部书记")
    await zhang.replies()

    assert "https://t.me/zhibu_test_bot?start=" in zhang.last.text
    token = zhang.last.text.split("?start=")[1].split()[0]
    newcomer = api.user("新书记")
    await newcomer.send(f"/start {token}")
    [greeting] = await newcomer.replies()
    assert "城关镇新民村党支部" in greeting.text


async def test_forged_button__secretary_pressing_an_admin_invite__is_not_allowed(bot, api, database_url, clock):
    secretary = api.user("书记")
    await _join(secretary, database_url, clock, Role.secretary, "T0102")
    async with bot.sessions() as session:
        invites_before = await session.scalar(select(func.count()).select_from(Invite))

    await secretary.press(callback_data="inv:1:admin", message=secretary.last)
    await api.settled()

    assert secretary.callback_answers[-1].text == "您没有权限执行此操作。"
    assert secretary.callback_answers[-1].show_alert
    async with bot.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Invite)) == invites_before


async def test_forged_button__committee_binding_another_committees_group__is_refused(bot, api, database_url, clock):
    li = api.user("李审核")
    await _join(li, database_url, clock, Role.committee, "T01")
    group = api.group("县直工委群")
    group.set_admin(li)
    await group.add_bot(by=li)
    await group.replies()

    await group.press(li, callback_data="bind:6", message=group.last)  # 6 = 县直机关工委, not Li's
    [refusal] = await group.replies()

    assert "不是该党组织的党委审核人" in refusal.text
    assert await _bound_unit(bot, group.id) is None


async def test_stale_button__unknown_data__says_it_is_no_longer_current(bot, api):
    visitor = api.user("访客")
    await visitor.send("/lang")
    await visitor.replies()

    await visitor.press(callback_data="old:42", message=visitor.last)
    await api.settled()

    assert "已失效" in visitor.callback_answers[-1].text
