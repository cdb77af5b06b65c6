"""Group chats: /bind and /unbind link a committee's group to its unit; greeting when added."""

from __future__ import annotations

from telegram import ChatMember

from domain.org import chats
from domain.org.chats import BindProblem, BindRefused
from handlers.callback_data import ID, parse
from handlers.work import Work, unit_of_work

ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)


async def _is_group_admin(work: Work) -> bool:
    member = await work.context.bot.get_chat_member(work.chat_id, work.update.effective_user.id)
    return member.status in ADMIN_STATUSES


@unit_of_work
async def bind(work: Work) -> None:
    """Bind this group to the committee unit of the user (asking which, when they review several)."""
    chat = work.update.effective_chat
    if chat.type not in ("group", "supergroup"):
        work.reply("bind_refused.html.j2", problem=BindProblem.not_group.value)
        return
    choices = chats.bindable_units(work.actor)
    if len(choices) > 1:
        buttons = [[(f"{name} ({code})", f"bind:{unit_id}")] for unit_id, code, name in choices[:20]]
        work.reply("bind_choose.html.j2", buttons=buttons)
        return
    await _bind(work, None)


@unit_of_work
async def bind_chosen(work: Work) -> None:
    """Bind to the unit pressed; the button itself grants nothing."""
    parsed = parse(work.update.callback_query.data, "bind", ID)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    work.answer()
    await _bind(work, parsed[0])


async def _bind(work: Work, unit_id: int | None) -> None:
    chat = work.update.effective_chat
    try:
        unit = await chats.bind_group(work.session, actor=work.actor, chat_id=chat.id, chat_type=chat.type,
                                      title=chat.title, is_group_admin=await _is_group_admin(work),
                                      unit_id=unit_id, at=work.now, update_id=work.update.update_id)  # fmt: skip
    except BindRefused as refused:
        work.reply("bind_refused.html.j2", problem=refused.problem.value)
        return
    work.reply("bind_done.html.j2", unit=unit)


@unit_of_work
async def unbind(work: Work) -> None:
    """Stop sending this group its unit's notices."""
    chat = work.update.effective_chat
    try:
        unit = await chats.unbind_group(work.session, actor=work.actor, chat_id=chat.id,
                                        is_group_admin=await _is_group_admin(work), at=work.now,
                                        update_id=work.update.update_id)  # fmt: skip
    except BindRefused as refused:
        work.reply("bind_refused.html.j2", problem=refused.problem.value)
        return
    work.reply("unbind_done.html.j2", unit=unit)


@unit_of_work
async def bot_added(work: Work) -> None:
    """Introduce the bot when it joins a group, and say how to bind it."""
    change = work.update.my_chat_member
    if change.new_chat_member is None or change.old_chat_member is None:  # PTB reads {} as an update
        return
    if change.new_chat_member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR) and change.old_chat_member.status in (
        ChatMember.LEFT,
        ChatMember.BANNED,
    ):
        work.reply("group_hello.html.j2")
