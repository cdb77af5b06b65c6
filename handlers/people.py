"""/people: an admin's view of a unit's people, withdrawing a role (收回) and handing a branch over (换届).

Every choice is a button; button data only names what was pressed (``ppl:<action>:<ids>``) and the
domain re-checks the presser's roles and the object's state each time:

- ``ppl:u:<unit>`` a unit's card (its people, its sub-units, the unit above)
- ``ppl:w:<role>`` withdraw a role: choose a reason; ``ppl:wr:<role>:<reason>`` does it
- ``ppl:h:<unit>`` hand a branch over: choose the new secretary; ``ppl:hp:<unit>:<person>`` and
  ``ppl:hi:<unit>`` (by invite) ask to confirm; ``ppl:hpk:<unit>:<person>`` / ``ppl:hik:<unit>`` do it
"""

from __future__ import annotations

from telegram import BotCommand, BotCommandScopeChat

from domain.org import menus, people, units
from domain.staffing import handover
from handlers.admin import invite_link
from handlers.work import Buttons, Work, unit_of_work

MAX_ID_DIGITS = 12


def _ids(raw: list[str]) -> list[int] | None:
    """Button ids: plain ASCII digits of a bounded length, or nothing at all."""
    if not all(part.isascii() and part.isdigit() and len(part) <= MAX_ID_DIGITS for part in raw):
        return None
    return [int(part) for part in raw]


@unit_of_work
async def people_command(work: Work) -> None:
    """``/people [CODE]``: the unit's card, or the admin's units to choose from."""
    places = handover.managed_units(work.actor)
    if not places:
        work.reply("not_allowed.html.j2")
        return
    args = work.context.args or []
    if args:
        unit = await units.by_code(work.session, args[0])
        if unit is None:
            work.reply("unit_unknown.html.j2", code=args[0])
            return
        await _card(work, unit.id)
        return
    if len(places) == 1:
        await _card(work, places[0].unit_id)
        return
    work.reply("people_choose_unit.html.j2", buttons=[[(g.unit_name, f"ppl:u:{g.unit_id}")] for g in places[:20]])


@unit_of_work
async def pressed(work: Work) -> None:
    """A /people button: show, ask or do what it names, after the domain re-checked the presser."""
    action, *raw = work.update.callback_query.data.removeprefix("ppl:").split(":")
    ids = _ids(raw)
    step = STEPS.get((action, len(ids))) if ids is not None else None
    if step is None:
        work.answer("stale", alert=True)
        return
    try:
        await step(work, *ids)
    except handover.Stale:
        work.answer("stale", alert=True)
        return
    except handover.NotAllowed:
        work.answer("not_allowed", alert=True)
        return
    work.answer()


async def _card(work: Work, unit_id: int) -> None:
    try:
        card = await handover.card(work.session, actor=work.actor, unit_id=unit_id)
    except (handover.Stale, handover.NotAllowed):
        if work.update.callback_query:
            raise
        work.reply("not_allowed.html.j2")
        return
    rows: Buttons = [[(work.string("people.withdraw", name=h.name, role=work.string(f"role.{h.role.value}"))[:60],
                       f"ppl:w:{h.assignment_id}")] for h in card.holdings]  # fmt: skip
    if card.branch:
        rows.append([(work.string("people.hand_over"), f"ppl:h:{card.unit.id}")])
    children = [(u.name[:30], f"ppl:u:{u.id}") for u in card.children]
    rows += [children[i:i + 2] for i in range(0, len(children), 2)]
    if card.parent is not None:
        rows.append([(work.string("people.up"), f"ppl:u:{card.parent.id}")])
    _show(work, "people_card.html.j2", rows, card=card)


def _show(work: Work, template: str, buttons: Buttons, **values) -> None:
    """A step of the flow: edit the pressed message in place; from a command, a new message."""
    if work.update.callback_query:
        work.edit(template, buttons=buttons, **values)
    else:
        work.reply(template, buttons=buttons, **values)


async def _ask_reason(work: Work, assignment_id: int) -> None:
    holding = await handover.withdrawal_offer(work.session, actor=work.actor, assignment_id=assignment_id)
    codes = list(handover.REASONS)
    rows: Buttons = [[(work.string(f"people.reason.{code}"), f"ppl:wr:{assignment_id}:{i}")
                      for i, code in enumerate(codes)][j:j + 2] for j in range(0, len(codes), 2)]  # fmt: skip
    rows.append([(work.string("people.cancel"), f"ppl:u:{holding.unit_id}")])
    _show(work, "people_withdraw_reason.html.j2", rows, holding=holding)


async def _withdraw(work: Work, assignment_id: int, reason_index: int) -> None:
    codes = list(handover.REASONS)
    if reason_index >= len(codes):
        raise handover.Stale(str(reason_index))
    done = await handover.withdraw(work.session, actor=work.actor, assignment_id=assignment_id,
                                   reason=handover.REASONS[codes[reason_index]], at=work.now,
                                   update_id=work.update.update_id)  # fmt: skip
    _show(work, "people_withdrawn.html.j2", [[(work.string("people.up"), f"ppl:u:{done.holding.unit_id}")]],
          withdrawn=done)  # fmt: skip
    await _refresh_menus(work, done.telegram_user_id)


async def _choose_successor(work: Work, unit_id: int) -> None:
    offer = await handover.handover_offer(work.session, actor=work.actor, unit_id=unit_id)
    rows: Buttons = [[(name[:40], f"ppl:hp:{unit_id}:{person_id}")] for person_id, name in offer.candidates]
    rows.append([(work.string("people.invite_new"), f"ppl:hi:{unit_id}")])
    rows.append([(work.string("people.cancel"), f"ppl:u:{unit_id}")])
    _show(work, "people_handover_choose.html.j2", rows, offer=offer)


async def _confirm(work: Work, unit_id: int, person_id: int | None = None) -> None:
    offer = await handover.handover_offer(work.session, actor=work.actor, unit_id=unit_id, to_person_id=person_id)
    data = f"ppl:hpk:{unit_id}:{person_id}" if person_id is not None else f"ppl:hik:{unit_id}"
    rows: Buttons = [[(work.string("people.confirm_hand_over"), data)],
                     [(work.string("people.cancel"), f"ppl:u:{unit_id}")]]  # fmt: skip
    _show(work, "people_handover_confirm.html.j2", rows, offer=offer)


async def _hand_over(work: Work, unit_id: int, person_id: int | None = None) -> None:
    unit = await work.session.get(units.Unit, unit_id)
    if unit is None:
        raise handover.Stale(str(unit_id))
    result = await handover.hand_over(work.session, actor=work.actor, unit=unit, to_person_id=person_id,
                                      at=work.now, update_id=work.update.update_id)  # fmt: skip
    link = invite_link(work.deps.bot_username, result.invite.token) if result.invite else None
    _show(work, "people_handed_over.html.j2", [], result=result, link=link)
    for withdrawn in result.withdrawn:
        await _refresh_menus(work, withdrawn.telegram_user_id)
    await _refresh_menus(work, result.new_telegram_user_id)


async def _refresh_menus(work: Work, telegram_user_id: int | None) -> None:
    """After the commit: the person's command menu shows the commands of the roles they hold now."""
    if telegram_user_id is None:
        return
    actor = await people.actor_for(work.session, telegram_user_id)
    locale = actor.locale or work.deps.default_locale
    commands = [BotCommand(name, work.deps.renderer.string(f"cmd.{name}", locale))
                for name in menus.private_commands(actor)]  # fmt: skip
    scope = BotCommandScopeChat(telegram_user_id)
    work.later(lambda ctx: ctx.bot.set_my_commands(commands, scope=scope))


STEPS = {
    ("u", 1): _card,
    ("w", 1): _ask_reason,
    ("wr", 2): _withdraw,
    ("h", 1): _choose_successor,
    ("hp", 2): _confirm,
    ("hi", 1): _confirm,
    ("hpk", 2): _hand_over,
    ("hik", 1): _hand_over,
}
