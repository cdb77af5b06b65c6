"""/start with an invite token, /help and /lang."""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat

from domain.org import invites, menus, people
from domain.org.invites import InviteRefused
from handlers.callback_data import one_of, parse
from handlers.work import Work, unit_of_work

LANGUAGES = (("zh", "lang.zh"), ("en", "lang.en"))


def menu_buttons(work: Work, actor: people.Actor) -> list[list[tuple[str, str]]]:
    """The everyday actions of the person's roles, as buttons under the greeting."""
    labels = {"self": "menu.selfcheck", "act": "menu.activity"}
    starts = menus.everyday_starts(actor)
    return [[(work.string(labels[code]), f"{code}:start") for code in starts]] if starts else []


async def greet_again(work: Work) -> None:
    """After a re-delivered /start: greet a person who has joined (their first greeting may be lost)."""
    if work.actor.known:
        work.reply("welcome.html.j2", actor=work.actor, returning=True, commands=menus.private_commands(work.actor),
                   buttons=menu_buttons(work, work.actor))  # fmt: skip


@unit_of_work(on_repeat=greet_again)
async def start(work: Work) -> None:
    """Redeem the invite in ``/start TOKEN``, or greet / explain how to get an invite."""
    args = work.context.args or []
    if not args:
        if work.actor.known:
            await greet_again(work)
        else:
            work.reply("start_stranger.html.j2")
        return
    user = work.update.effective_user
    try:
        redeemed = await invites.redeem(work.session, token=args[0][:64], actor=work.actor,
                                        display_name=user.full_name, at=work.now,
                                        update_id=work.update.update_id)  # fmt: skip
    except InviteRefused as refused:
        work.reply("invite_refused.html.j2", problem=refused.problem.value, known=work.actor.known)
        return
    actor = await people.actor_for(work.session, user.id)
    work.reply("welcome.html.j2", actor=actor, returning=False, joined_role=redeemed.role.value,
               joined_unit=redeemed.unit.name, commands=menus.private_commands(actor),
               buttons=menu_buttons(work, actor))  # fmt: skip
    publish_commands(work, actor)


@unit_of_work
async def help_command(work: Work) -> None:
    """List the commands of the user's roles (only those)."""
    if work.update.effective_chat.type != "private":
        work.reply("help_group.html.j2", commands=menus.GROUP)
        return
    work.reply("help.html.j2", actor=work.actor, commands=menus.private_commands(work.actor))


@unit_of_work
async def lang_command(work: Work) -> None:
    """Offer the languages as buttons."""
    work.reply("lang_choose.html.j2", buttons=[[(work.string(key), f"lang:{code}") for code, key in LANGUAGES]])


@unit_of_work
async def lang_chosen(work: Work) -> None:
    """Switch the user's language to the one pressed."""
    parsed = parse(work.update.callback_query.data, "lang", one_of(*dict(LANGUAGES)))
    if parsed is None:
        work.answer("stale", alert=True)
        return
    code = parsed[0]
    await people.set_locale(work.session, actor=work.actor, locale=code, at=work.now,
                            update_id=work.update.update_id)  # fmt: skip
    work.locale = code
    work.answer()
    work.edit("lang_set.html.j2")
    if work.actor.known:
        publish_commands(work, work.actor)


def publish_commands(work: Work, actor: people.Actor) -> None:
    """Set this user's command menu (per-chat scope) to their roles' commands, in their language."""
    commands = [BotCommand(name, work.string(f"cmd.{name}")) for name in menus.private_commands(actor)]
    scope = BotCommandScopeChat(actor.telegram_user_id)
    work.later(lambda ctx: ctx.bot.set_my_commands(commands, scope=scope))
