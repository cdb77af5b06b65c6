"""The rectification in the chat: /rectify (我的整改), /verify (待验收), an item's card and its buttons.

Button data: ``prob:<id>`` opens a card; ``rx:<step>:<id>:<version>`` takes a step on the item as it
was shown; ``rx:ev:<id>`` sends its evidence again; ``rx:l:<rectify|verify>:<page>`` pages a list.
Each goes to one use case of ``domain.problems.usecases``, which checks everything again.
"""

from __future__ import annotations

from dataclasses import replace

from telegram import KeyboardButton, ReplyKeyboardMarkup
from telegram.constants import ParseMode

from domain.filling.purposes import Told
from domain.filling.usecases import Result
from domain.problems import holidays, usecases
from domain.problems.holidays import CalendarStatus
from domain.problems.ledger import BranchLedger, Page, Summary
from domain.problems.usecases import BranchChoice, Card, Drawn, Evidence, KindChoice, Listing
from handlers import forms
from handlers.callback_data import numeric_tail
from handlers.work import Buttons, Work, unit_of_work

BUTTONS = {"ack": "problem.btn.acknowledge", "sub": "problem.btn.submit", "ext": "problem.btn.extension",
           "ok": "problem.btn.close", "ret": "problem.btn.return", "gr": "problem.btn.grant",
           "ref": "problem.btn.refuse"}  # fmt: skip
DOT = {"red": "🔴", "yellow": "🟡", "green": "🟢"}
KINDS = ("regular", "random", "covert", "revisit")  # 定期检查, 不定期抽查, 明察暗访, 回头看


def render(work: Work, result: Result) -> None:
    """Render the use case's result in order: this module's views here, the rest as forms render them."""
    if work.update.callback_query:
        work.answer(result.toast, alert=result.alert)
    for said in result.said:
        if isinstance(said, Card):
            _card(work, said)
        elif isinstance(said, Listing):
            _listing(work, said)
        elif isinstance(said, Evidence):
            _evidence(work, said)
        elif isinstance(said, BranchChoice):
            rows = [[(f"{u.name}（{u.code}）", f"ins:u:{u.id}")] for u in said.units]
            work.reply("inspect_pick.html.j2", buttons=rows, choice=said)
        elif isinstance(said, Summary | Page | BranchLedger):
            _ledger(work, said)
        elif isinstance(said, CalendarStatus):
            rows = [[(work.string("reminder.btn.holidays"), "hol:new")]] if said.may_load else None
            work.reply("calendar_status.html.j2", buttons=rows, years=said.years, may_load=said.may_load)
        elif isinstance(said, Drawn):
            rows = [[(f"🔎 {u.name}", f"ins:d:{said.draw.id}:{u.id}")] for u in said.units]
            work.reply("draw_result.html.j2", buttons=rows, draw=said.draw, units=said.units)
        elif isinstance(said, KindChoice):
            rows = [[(work.string(f"inspection.kind.{k}"), f"ins:k:{said.unit.id}:{k}")] for k in KINDS]
            work.reply("inspect_kind.html.j2", buttons=rows, unit=said.unit, targets=said.targets)
        elif isinstance(said, Told) and said.message == "inspection_begun":
            _with_location_button(work, work.text("inspection_begun.html.j2", **said.values))
        else:
            forms.render(work, Result([said]))
    if result.notified:
        work.later(forms.wake_outbox)


def _with_location_button(work: Work, text: str) -> None:
    """Send ``text`` with a keyboard whose one button shares the phone's location (the spot check's
    first question asks for it); Telegram hides it once used."""
    chat_id = work.chat_id
    keyboard = ReplyKeyboardMarkup([[KeyboardButton(work.string("inspection.share_location"), request_location=True)]],
                                   resize_keyboard=True, one_time_keyboard=True)  # fmt: skip
    work.later(lambda ctx: ctx.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard))


def _card(work: Work, card: Card) -> None:
    item = card.item
    rows: Buttons = [[(work.string(BUTTONS[usecases.CODE_OF[v]]), f"rx:{usecases.CODE_OF[v]}:{item.id}:{item.version}")]
                     for v in card.verbs]  # fmt: skip
    if item.evidence or card.source.get("photos"):
        rows.append([(work.string("problem.btn.evidence"), f"rx:ev:{item.id}")])
    work.reply("problem_card.html.j2", buttons=rows, card=card, item=item, unit=card.unit, today=card.today,
               colour=usecases.items.colour(item.due_on, card.today))  # fmt: skip


def _listing(work: Work, listing: Listing) -> None:
    rows: Buttons = []
    for item, _unit in listing.items:
        dot = "✅" if item.status.value == "submitted" else DOT[usecases.items.colour(item.due_on, listing.today)]
        rows.append([(f"{dot} #{item.id} {item.clause[:24]}", f"prob:{item.id}")])
    paging = []
    if listing.page > 0:
        paging.append((work.string("list.previous"), f"rx:l:{listing.kind}:{listing.page - 1}"))
    if listing.page + 1 < listing.pages:
        paging.append((work.string("list.next"), f"rx:l:{listing.kind}:{listing.page + 1}"))
    if paging:
        rows.append(paging)
    work.reply(f"{listing.kind}_list.html.j2", buttons=rows, listing=listing, today=listing.today,
               colour=usecases.items.colour)  # fmt: skip


def _ledger(work: Work, shown: Summary | Page | BranchLedger) -> None:
    if isinstance(shown, Summary):
        label = work.string
        rows: Buttons = [[(f"🔴 {label('ledger.overdue')} {shown.overdue}", "lg:o:all:0"),
                          (label("ledger.active"), "lg:s:active:0")]]  # fmt: skip
        statuses = [(f"{label('problem.status.' + s)} {n}", f"lg:s:{s}:0") for s, n in shown.by_status.items() if n]
        rows += [statuses[i:i + 2] for i in range(0, len(statuses), 2)]
        rows.append([(label(f"problem.source.{s}"), f"lg:src:{s}:0") for s in shown.by_source])
        rows.append([(label("ledger.by_branch"), "lg:b:0:0")])
        work.reply("ledger_summary.html.j2", buttons=rows, summary=shown)
        return
    if isinstance(shown, BranchLedger):
        rows = [[(f"#{item.id} {item.clause[:28]}", f"prob:{item.id}")] for item, _ in shown.entries[:20]]
        work.reply("ledger_branch.html.j2", buttons=rows, ledger=shown, today=shown.today,
                   colour=usecases.items.colour)  # fmt: skip
        return
    if shown.kind == "b":
        rows = [[(f"{line.unit.name}（{line.open}/{line.overdue}）", f"lg:u:{line.unit.id}:0")] for line in shown.rows]
    else:
        rows = [[(f"#{item.id} {unit.name[:10]}：{item.clause[:18]}", f"prob:{item.id}")] for item, unit in shown.rows]
    paging = []
    if shown.page > 0:
        paging.append((work.string("list.previous"), f"lg:{shown.kind}:{shown.value}:{shown.page - 1}"))
    if shown.page + 1 < shown.pages:
        paging.append((work.string("list.next"), f"lg:{shown.kind}:{shown.value}:{shown.page + 1}"))
    if paging:
        rows.append(paging)
    work.reply("ledger_page.html.j2", buttons=rows, listing=shown, today=shown.today, colour=usecases.items.colour)


def _evidence(work: Work, shown: Evidence) -> None:
    chat_id = work.chat_id
    for kept in shown.files:
        caption = kept.get("caption") or None
        send = "send_photo" if kept.get("type") == "photo" else "send_document"  # captions as the sender wrote them
        work.later(lambda ctx, f=kept["file_id"], c=caption, m=send: getattr(ctx.bot, m)(chat_id, f, caption=c))


@unit_of_work
async def rectify(work: Work) -> None:
    """/rectify: the person's open items, most urgent first."""
    render(work, await usecases.rectify_list(work.session, work.actor, forms.moment(work)))


@unit_of_work
async def verify(work: Work) -> None:
    """/verify: the items waiting for this person's verdict."""
    render(work, await usecases.verify_list(work.session, work.actor, forms.moment(work)))


@unit_of_work
async def card_pressed(work: Work) -> None:
    """Show one item (``prob:<id>``) to someone whose roles cover its branch."""
    item_id = numeric_tail(work.update.callback_query.data.removeprefix("prob:"))
    if item_id is None:
        work.answer("stale", alert=True)
        return
    render(work, await usecases.card(work.session, work.actor, item_id, forms.moment(work)))


@unit_of_work(on_repeat=forms.current_prompt)
async def pressed(work: Work) -> None:
    """A button of a card or a list (``rx:…``)."""
    parts = work.update.callback_query.data.split(":")
    when = forms.moment(work)
    if len(parts) == 4 and parts[1] == "l" and parts[2] in ("rectify", "verify") and parts[3].isdigit():
        listing = usecases.rectify_list if parts[2] == "rectify" else usecases.verify_list
        result = await listing(work.session, work.actor, when, page=min(int(parts[3]), 1000), pressed=True)
    elif len(parts) == 3 and parts[1] == "ev" and (item_id := numeric_tail(parts[2])):
        result = await usecases.evidence(work.session, work.actor, item_id)
    elif len(parts) == 4 and parts[1] in usecases.CODES and (item_id := numeric_tail(parts[2])) \
            and parts[3].isascii() and parts[3].isdigit() and len(parts[3]) <= 9:
        result = await usecases.act(work.session, work.actor, parts[1], item_id, int(parts[3]), when)
    else:
        result = replace(Result(), toast="stale", alert=True)
    render(work, result)


@unit_of_work
async def inspect(work: Work) -> None:
    """/inspect [part of a branch's name or code]: pick the branch to check on site."""
    query = " ".join(work.context.args or [])
    render(work, await usecases.inspect(work.session, work.actor, query, forms.moment(work)))


@unit_of_work(on_repeat=forms.current_prompt)
async def inspect_pressed(work: Work) -> None:
    """``ins:u:<unit>`` picks the branch, ``ins:k:<unit>:<kind>`` the kind of check and starts it;
    ``ins:d:<draw>:<unit>`` starts the 不定期抽查 of a branch drawn."""
    parts = work.update.callback_query.data.split(":")
    first = numeric_tail(parts[2]) if len(parts) in (3, 4) else None  # a unit, or for "d" a draw
    if first is not None and len(parts) == 3 and parts[1] == "u":
        result = await usecases.pick_branch(work.session, work.actor, first)
    elif first is not None and len(parts) == 4 and parts[1] == "k" and parts[3] in KINDS:
        result = await usecases.begin_inspection(work.session, work.actor, first, parts[3], forms.moment(work))
    elif first is not None and len(parts) == 4 and parts[1] == "d" and (unit_id := numeric_tail(parts[3])):
        result = await usecases.begin_drawn(work.session, work.actor, first, unit_id, forms.moment(work))
    else:
        result = replace(Result(), toast="stale", alert=True)
    render(work, result)


@unit_of_work
async def draw(work: Work) -> None:
    """/draw N [达标]: branches to inspect, drawn at random with a seed anyone can use to repeat it."""
    render(work, await usecases.draw(work.session, work.actor, list(work.context.args or []), forms.moment(work)))


@unit_of_work
async def status(work: Work) -> None:
    """/status: where each year's working days come from (a warning for any counted Monday–Friday)."""
    render(work, await holidays.status(work.session, work.actor, forms.moment(work)))


@unit_of_work(on_repeat=forms.current_prompt)
async def load_holidays(work: Work) -> None:
    """/holidays, or the ``hol:new`` button: type a year's official holiday arrangement."""
    pressed = work.update.callback_query is not None
    render(work, await holidays.begin_loading(work.session, work.actor, forms.moment(work), pressed=pressed))


@unit_of_work
async def ledger(work: Work) -> None:
    """/ledger: the problem ledger of the person's subtree."""
    render(work, await usecases.ledger(work.session, work.actor, forms.moment(work)))


@unit_of_work
async def ledger_pressed(work: Work) -> None:
    """``lg:<kind>:<value>:<page>``: a page of the ledger, or one branch's (``lg:u:<unit>:0``)."""
    parts = work.update.callback_query.data.split(":")
    if len(parts) != 4 or not (parts[3].isascii() and parts[3].isdigit() and len(parts[3]) <= 4) \
            or not (parts[2].isascii() and len(parts[2]) <= 24):  # fmt: skip
        render(work, replace(Result(), toast="stale", alert=True))
        return
    render(work, await usecases.ledger(work.session, work.actor, forms.moment(work), kind=parts[1], value=parts[2],
                                       page=int(parts[3])))
