"""Group chats: /bind and /unbind link a committee's group to its unit; greeting when added.

Whether the sender administers the group is asked of Telegram before the unit of work opens: a Bot
API call inside the transaction would hold the database (SQLite's one connection) for as long as
Telegram takes to answer, and every other chat would wait.
"""

from __future__ import annotations

import functools

from telegram import ChatMember, Update

from domain.org import chats
from domain.org.chats import BindProblem, BindRefused
from handlers.callback_data import ID, parse
from handlers.deps import ZhibuContext
from handlers.work import Work, unit_of_work

ADMIN_STATUSES = (ChatMember.ADMINISTRATOR, ChatMember.OWNER)
MEMBER_READ_TIMEOUT = 20.0  # seconds: a slow answer is still an answer; no transaction waits for it


async def _is_group_admin(update: Update, context: ZhibuContext) -> bool:
    """Ask Telegram whether the sender administers this group (False outside groups, without asking)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type not in ("group", "supergroup"):
        return False
    member = await context.bot.get_chat_member(chat.id, user.id, read_timeout=MEMBER_READ_TIMEOUT)
    return member.status in ADMIN_STATUSES


async def bind(update: Update, context: ZhibuContext) -> None:
    """Bind this group to the committee unit of the user (asking which, when they review several)."""
    is_admin = await _is_group_admin(update, context)
    await unit_of_work(functools.partial(_bind_command, is_admin=is_admin))(update, context)


async def bind_chosen(update: Update, context: ZhibuContext) -> None:
    """Bind to the unit pressed; the button itself grants nothing."""
    is_admin = await _is_group_admin(update, context)
    await unit_of_work(functools.partial(_bind_chosen, is_admin=is_admin))(update, context)


async def unbind(update: Update, context: ZhibuContext) -> None:
    """Stop sending this group its unit's notices."""
    is_admin = await _is_group_admin(update, context)
    await unit_of_work(functools.partial(_unbind, is_admin=is_admin))(update, context)


async def _bind_command(work: Work, *, is_admin: bool) -> None:
    chat = work.update.effective_chat
    if chat.type not in ("group", "supergroup"):
        work.reply("bind_refused.html.j2", problem=BindProblem.not_group.value)
        return
    choices = chats.bindable_units(work.actor)
    if len(choices) > 1:
        buttons = [[(f"{name} ({code})", f"bind:{unit_id}")] for unit_id, code, name in choices[:20]]
        work.reply("bind_choose.html.j2", buttons=buttons)
        return
    await _bind(work, None, is_admin=is_admin)


async def _bind_chosen(work: Work, *, is_admin: bool) -> None:
    parsed = parse(work.update.callback_query.data, "bind", ID)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    work.answer()
    await _bind(work, parsed[0], is_admin=is_admin)


async def _bind(work: Work, unit_id: int | None, *, is_admin: bool) -> None:
    chat = work.update.effective_chat
    try:
        unit = await chats.bind_group(work.session, actor=work.actor, chat_id=chat.id, chat_type=chat.type,
                                      title=chat.title, is_group_admin=is_admin,
                                      unit_id=unit_id, at=work.now, update_id=work.update.update_id)  # fmt: skip
    except BindRefused as refused:
        work.reply("bind_refused.html.j2", problem=refused.problem.value)
        return
    work.reply("bind_done.html.j2", unit=unit)


async def _unbind(work: Work, *, is_admin: bool) -> None:
    chat = work.update.effective_chat
    try:
        unit = await chats.unbind_group(work.session, actor=work.actor, chat_id=chat.id,
                                        is_group_admin=is_admin, at=work.now,
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
