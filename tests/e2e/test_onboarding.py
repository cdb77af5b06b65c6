"""A person joins through an invite link, sees who they are, asks for help and switches language."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEntry, Person, Role, RoleAssignment
from tests.e2e.harness import make_invite


async def _count(bot, model) -> int:
    async with bot.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_secretary__taps_invite__is_greeted_by_name_with_branch_role_and_menu(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    wang = api.user("Fang", "Wang", language_code="zh")

    await wang.send(f"/start {token}")
    [greeting] = await wang.replies()

    assert "王芳" in greeting.text
    assert "支部书记 · 城关镇红旗村党支部" in greeting.text
    assert "/help" in greeting.text and "/invite" not in greeting.text
    assert greeting.button_texts == ["📝 支部自评", "🗓 记录组织生活"]
    menu = api.commands(scope={"type": "chat", "chat_id": wang.id})
    assert [c["command"] for c in menu] == ["start", "help", "lang", "selfcheck", "demo", "activity", "problems",
                                            "cancel", "plan", "projects", "todo"]  # fmt: skip


async def test_invite__used_twice__second_person_is_refused_and_nothing_changes(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102")
    first, second = api.user("甲"), api.user("乙")
    await first.send(f"/start {token}")
    await first.replies()
    people, audits = await _count(bot, Person), await _count(bot, AuditEntry)

    await second.send(f"/start {token}")
    [refusal] = await second.replies()

    assert "已经被使用过" in refusal.text
    assert (await _count(bot, Person), await _count(bot, AuditEntry)) == (people, audits)


async def test_invite__after_it_expires__is_refused(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", days=3)
    clock.advance(days=3, seconds=1)
    late = api.user("迟到")

    await late.send(f"/start {token}")
    [refusal] = await late.replies()

    assert "已过期" in refusal.text
    assert await _count(bot, Person) == 0


async def choose_language(user, label: str) -> None:
    """Pick a language with /lang, as a person does."""
    await user.send("/lang")
    await user.replies()
    await user.press(label)
    await user.replies()


async def test_invite__unknown_token__is_refused_in_the_users_language(bot, api):
    visitor = api.user("Visitor", language_code="en")
    await choose_language(visitor, "English")  # the client's language_code alone is not a choice

    await visitor.send("/start not-a-real-token")
    [refusal] = await visitor.replies()

    assert "not valid" in refusal.text and "administrator" in refusal.text
    assert await _count(bot, Person) == 0


async def test_stranger__start_without_token__is_told_how_to_get_an_invite(bot, api):
    stranger = api.user("路人")

    await stranger.send("/start")
    [answer] = await stranger.replies()

    assert "邀请链接" in answer.text and "管理员" in answer.text


async def test_help__lists_only_the_commands_of_the_users_roles(bot, api, database_url, clock):
    secretary, admin = api.user("书记"), api.user("管理员")
    for user, role, unit in ((secretary, Role.secretary, "T0102"), (admin, Role.admin, "D001")):
        await user.send(f"/start {await make_invite(database_url, clock, role, unit)}")
        await user.replies()

    await secretary.send("/help")
    await admin.send("/help")
    [secretary_help], [admin_help] = await secretary.replies(), await admin.replies()

    assert "/lang" in secretary_help.text and "/invite" not in secretary_help.text
    assert "/invite" in admin_help.text and "/units" in admin_help.text
    admin_menu = api.commands(scope={"type": "chat", "chat_id": admin.id})
    assert "invite" in [c["command"] for c in admin_menu]


async def test_lang__switch_to_english__later_replies_and_menu_are_english(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    wang = api.user("王芳")
    await wang.send(f"/start {token}")
    await wang.replies()

    await wang.send("/lang")
    [choice] = await wang.replies()
    assert choice.button_texts == ["中文", "English"]
    await wang.press("English")
    await wang.replies()
    assert "English" in wang.last.text
    await wang.send("/help")
    [help_text] = await wang.replies()

    assert "Commands" in help_text.text and "Switch language" in help_text.text
    menu = api.commands(scope={"type": "chat", "chat_id": wang.id})
    assert menu[0]["description"].startswith("Start")


async def test_name_with_markup__is_shown_literally(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="<b>王</b> & 芳 🌸")
    user = api.user("x")

    await user.send(f"/start {token}")
    [greeting] = await user.replies()

    assert "<b>王</b> & 芳 🌸" in greeting.text


async def test_redelivered_start__is_applied_once_and_greets_again(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102")
    user = api.user("重复")
    update = await user.send(f"/start {token}")
    await user.replies()
    audits, seen = await _count(bot, AuditEntry), len(user.messages)

    await api.redeliver(update)
    await api.settled()

    # Nothing is applied twice and there is no "already used": the person is greeted again instead.
    assert len(user.messages) == seen + 1 and "欢迎回来" in user.last.text
    assert await _count(bot, AuditEntry) == audits
    assert await _count(bot, RoleAssignment) == 1


async def test_invite__two_people_redeem_it_at_the_same_moment__exactly_one_gets_the_role(
    bot, api, database_url, clock
):
    tokens = [await make_invite(database_url, clock, Role.secretary, "T0102") for _ in range(3)]
    for n, token in enumerate(tokens):
        first, second = api.user(f"甲{n}"), api.user(f"乙{n}")
        await first.send(f"/start {token}")  # both in one batch: handled in parallel, one lane per chat
        await second.send(f"/start {token}")
        answers = [*await first.replies(), *await second.replies()]
        assert sum("支部书记" in m.text for m in answers) == 1
        assert sum("已经被使用过" in m.text for m in answers) == 1

    assert await _count(bot, RoleAssignment) == len(tokens)
    assert await _count(bot, Person) == len(tokens)  # the one refused joined nobody


async def test_client_reporting_english__is_greeted_in_chinese_until_it_picks_english(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="王芳")
    wang = api.user("Fang", "Wang", language_code="en")  # many Chinese phones run an English Telegram

    await wang.send(f"/start {token}")
    [greeting] = await wang.replies()
    assert "支部书记 · 城关镇红旗村党支部" in greeting.text and greeting.button_texts == ["📝 支部自评", "🗓 记录组织生活"]
    await wang.send("/help")
    [help_text] = await wang.replies()
    assert "/lang" in help_text.text and "Commands" not in help_text.text
    assert api.commands(language_code="en") is None  # no English menu for English clients either
    assert api.commands()[0]["description"] == "开始 / 重新显示菜单"

    await choose_language(wang, "English")
    await wang.send("/help")
    [help_text] = await wang.replies()
    assert "Commands" in help_text.text
    await wang.send("/start")
    [again] = await wang.replies()
    assert "Branch secretary" in again.text  # the choice is kept


async def test_stranger_who_picks_english__keeps_it_after_joining(bot, api, database_url, clock):
    token = await make_invite(database_url, clock, Role.secretary, "T0102", name="Wang Fang")
    wang = api.user("Wang")
    await choose_language(wang, "English")

    await wang.send(f"/start {token}")
    [greeting] = await wang.replies()
    await wang.send("/help")
    [help_text] = await wang.replies()

    assert "Branch secretary" in greeting.text
    assert "Commands" in help_text.text  # the choice made as a stranger is the person's now
