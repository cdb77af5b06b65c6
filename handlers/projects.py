"""Party-building projects in the chat: /call, /plan, /projects, /matrix, /calls, /todo and their buttons.

Buttons: ``pj:<id>`` a project's card; ``pj:<id>:<verb>`` a step on it (``domain.projects.usecases.VERBS``);
``pj:todo`` what waits for me; ``pl:<page>`` / ``pm:<page>`` the list's and the matrix's pages;
``pc:<id>`` a call; ``pc:<id>:r`` open its review. Each calls one use case; the domain decides.
"""

from __future__ import annotations

from domain.filling import usecases as filling
from domain.org.permissions import NotAllowed
from domain.projects import usecases, views
from handlers import forms, matrix_picture
from handlers.callback_data import numeric_tail
from handlers.work import Buttons, Work, unit_of_work

VERB_LABELS = {verb: f"project.verb.{verb}" for verb in usecases.VERBS}
PICTURE_WIDTH = 12  # more quality nodes than this in a row: offer the picture


async def _offer(work: Work, code: str) -> None:
    pressed = work.update.callback_query is not None
    forms.render(work, await filling.offer(work.session, work.actor, code, forms.moment(work), pressed=pressed))


@unit_of_work(on_repeat=forms.current_prompt)
async def open_call(work: Work) -> None:
    """/call: an admin opens a yearly call (申报通知) on their unit."""
    await _offer(work, "call")


@unit_of_work(on_repeat=forms.current_prompt)
async def draft_plan(work: Work) -> None:
    """/plan: draft a project plan (项目实施方案) for the person's unit."""
    await _offer(work, "plan")


def _page(raw: str) -> int:
    return numeric_tail(raw) or 1


@unit_of_work
async def project_list(work: Work) -> None:
    """/projects and ``pl:<page>``: the projects in the person's scope, with status and progress."""
    page = _page(work.update.callback_query.data.removeprefix("pl:")) if work.update.callback_query else 1
    listing = await views.listing(work.session, work.actor, work.today, page)
    if not listing.total and not work.actor.known:
        work.reply("not_allowed.html.j2")
        return
    buttons: Buttons = [[(f"{line.title[:28]} · {line.unit_name[:12]}", f"pj:{line.project_id}")] for line in listing.lines]
    buttons += _pager("pl", listing.page, listing.pages)
    work.answer()
    (work.edit if work.update.callback_query else work.reply)("project_list.html.j2", listing=listing, buttons=buttons)


def _pager(prefix: str, page: int, pages: int) -> Buttons:
    row = []
    if page > 1:
        row.append(("⬅️", f"{prefix}:{page - 1}"))
    if page < pages:
        row.append(("➡️", f"{prefix}:{page + 1}"))
    return [row] if row else []


@unit_of_work(on_repeat=forms.current_prompt)
async def project_pressed(work: Work) -> None:
    """``pj:<id>`` shows the card; ``pj:<id>:<verb>`` takes a step; ``pj:todo`` lists what waits."""
    parts = work.update.callback_query.data.split(":")
    if parts[1:] == ["todo"]:
        await _todo(work)
        return
    project_id = numeric_tail(parts[1]) if len(parts) > 1 else None
    if project_id is None or len(parts) > 3:
        work.answer("stale", alert=True)
        return
    if len(parts) == 3:
        work.answer()
        forms.render(work, await usecases.act(work.session, work.actor, project_id, parts[2], forms.moment(work)))
        return
    try:
        card = await usecases.show_card(work.session, work.actor, project_id, forms.moment(work))
    except NotAllowed:
        work.answer("not_allowed", alert=True)
        return
    if card is None:
        work.answer("stale", alert=True)
        return
    work.answer()
    buttons = [[(work.string(VERB_LABELS[v]), f"pj:{project_id}:{v}")] for v in card.actions]
    work.reply("project_card.html.j2", card=card, today=work.today, buttons=buttons)


@unit_of_work
async def todo(work: Work) -> None:
    """/todo: the plans and projects waiting for this person."""
    await _todo(work)


async def _todo(work: Work) -> None:
    waiting = await usecases.todo(work.session, work.actor, work.today)
    buttons = [[(f"{work.string(VERB_LABELS[verb])} · {project.title[:24]}", f"pj:{project.id}:{verb}")]
               for project, _unit, verb in waiting[:20]]  # fmt: skip
    work.answer()
    work.reply("project_todo.html.j2", waiting=waiting, buttons=buttons)


@unit_of_work
async def matrix(work: Work) -> None:
    """/matrix and ``pm:<page>``: projects × quality nodes (矩阵管理图), overdue nodes marked, paged;
    ``pm:png`` the whole scope as a picture, for when it does not fit a message."""
    raw = work.update.callback_query.data.removeprefix("pm:") if work.update.callback_query else "1"
    whole = raw == "png"
    try:
        built = await views.matrix(work.session, work.actor, work.today, None if whole else _page(raw))
    except NotAllowed:
        work.answer("not_allowed", alert=True)
        work.reply("not_allowed.html.j2")
        return
    work.answer()
    if whole:
        picture = matrix_picture.png(built)
        caption = work.text("project_matrix_caption.html.j2", matrix=built)
        chat_id = work.chat_id
        work.later(lambda ctx: ctx.bot.send_photo(chat_id, photo=picture, caption=caption, parse_mode="HTML"))
        return
    buttons = _pager("pm", built.page, built.pages)
    if built.pages > 1 or built.width > PICTURE_WIDTH:
        buttons.append([(work.string("project.btn.picture"), "pm:png")])
    (work.edit if work.update.callback_query else work.reply)("project_matrix.html.j2", matrix=built, buttons=buttons)


@unit_of_work
async def call_list(work: Work) -> None:
    """/calls: an admin's calls, each a button."""
    found = await usecases.calls_for(work.session, work.actor)
    if not found:
        work.reply("project_calls.html.j2", calls=[], buttons=[])
        return
    buttons = [[(f"{call.title[:30]} · {unit.name[:12]}", f"pc:{call.id}")] for call, unit in found[:20]]
    work.reply("project_calls.html.j2", calls=found, buttons=buttons)


@unit_of_work
async def call_pressed(work: Work) -> None:
    """``pc:<id>``: a call's plans by status and the ranking; ``pc:<id>:r`` opens the review."""
    parts = work.update.callback_query.data.split(":")
    call_id = numeric_tail(parts[1]) if len(parts) > 1 else None
    if call_id is None or len(parts) > 3 or (len(parts) == 3 and parts[2] != "r"):
        work.answer("stale", alert=True)
        return
    work.answer()
    if len(parts) == 3:
        forms.render(work, await usecases.open_review(work.session, work.actor, call_id, forms.moment(work)))
        return
    try:
        view = await usecases.call_view(work.session, work.actor, call_id)
    except NotAllowed:
        work.reply("not_allowed.html.j2")
        return
    if view is None:
        work.reply("project_refused.html.j2", reason="gone")
        return
    buttons: Buttons = [[(work.string("project.btn.open_review"), f"pc:{call_id}:r")]] if view.may_open_review else []
    buttons += [[(f"{work.string('project.verb.d')} · {view.projects[r.tally.project_id][0].title[:24]}",
                  f"pj:{r.tally.project_id}:d")] for r in view.ranking
                if view.projects[r.tally.project_id][0].status == "under_review"]  # fmt: skip
    work.reply("project_call_view.html.j2", view=view, buttons=buttons)
