"""Admin and committee tools in the chat: /invite and /units."""

from __future__ import annotations

from domain.org import invites, permissions, units
from domain.org.invites import NotAllowed
from domain.org.permissions import Role
from handlers.callback_data import ID, one_of, parse
from handlers.work import Work, unit_of_work

ROLE_WORDS = {
    "secretary": Role.secretary, "书记": Role.secretary, "支部书记": Role.secretary,
    "committee": Role.committee, "党委": Role.committee, "审核人": Role.committee,
    "inspector": Role.inspector, "巡察": Role.inspector, "巡察员": Role.inspector, "考评": Role.inspector,
    "admin": Role.admin, "管理员": Role.admin,
    "panel": Role.panel, "评委": Role.panel, "考评验收组": Role.panel,
}  # fmt: skip


@unit_of_work
async def invite(work: Work) -> None:
    """``/invite CODE [ROLE [NAME]]``: create an invite link, offering roles as buttons."""
    if not permissions.invitable_roles(work.actor):
        work.reply("not_allowed.html.j2")
        return
    args = work.context.args or []
    if not args:
        work.reply("invite_usage.html.j2", roles=[r.value for r in permissions.invitable_roles(work.actor)])
        return
    unit = await units.by_code(work.session, args[0])
    if unit is None:
        work.reply("unit_unknown.html.j2", code=args[0])
        return
    if len(args) >= 2:
        role = ROLE_WORDS.get(args[1].lower())
        if role is None:
            work.reply("invite_usage.html.j2", roles=[r.value for r in permissions.invitable_roles(work.actor)])
            return
        await _create(work, role, unit, " ".join(args[2:]) or None)
        return
    buttons = [[(work.string(f"role.{r.value}"), f"inv:{unit.id}:{r.value}")] for r in permissions.invitable_roles(work.actor)]
    work.reply("invite_choose_role.html.j2", unit=unit, buttons=buttons)


@unit_of_work
async def invite_role_chosen(work: Work) -> None:
    """Create the invite for the role pressed, after checking the presser may."""
    parsed = parse(work.update.callback_query.data, "inv", ID, one_of(*Role.__members__))
    unit = await units.by_id(work.session, parsed[0]) if parsed else None
    if unit is None:
        work.answer("stale", alert=True)
        return
    if await _create(work, Role(parsed[1]), unit, None, edit=True):
        work.answer()


async def _create(work: Work, role: Role, unit, name: str | None, *, edit: bool = False) -> bool:
    """Create the invite and show its link; False (with a refusal shown) when the actor may not."""
    try:
        invites.check_may_invite(work.actor, role, unit)
    except NotAllowed:
        if edit:
            work.answer("not_allowed", alert=True)
        else:
            work.reply("not_allowed.html.j2")
        return False
    created = await invites.create(work.session, role=role, unit=unit, name=name, days=invites.DEFAULT_DAYS,
                                   actor_id=work.actor.person_id, at=work.now)  # fmt: skip
    values = dict(invite=created, link=invite_link(work.deps.bot_username, created.token))
    if edit:
        work.edit("invite_created.html.j2", **values)
    else:
        work.reply("invite_created.html.j2", **values)
    return True


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start={token}"


@unit_of_work
async def units_command(work: Work) -> None:
    """Show the unit tree within the user's scope, indented."""
    try:
        lines = await units.visible_tree(work.session, work.actor)
    except permissions.NotAllowed:
        work.reply("not_allowed.html.j2")
        return
    work.reply("units_tree.html.j2", lines=lines)
