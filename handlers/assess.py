"""Commands that open forms: /selfcheck (自评), /demo (示范阵地), /activity (组织生活), /review (组织考评),
and /problems (问题清单). Each calls one use case; what may be done is the domain's to decide."""

from __future__ import annotations

from domain.filling import usecases
from domain.org.permissions import NotAllowed
from domain.standardisation import assessment, reviewing
from handlers import forms
from handlers.callback_data import ID, TEXT, parse
from handlers.work import Work, unit_of_work


async def _offer(work: Work, code: str) -> None:
    """Start ``code``'s form for the person's branch, asking which when they have several."""
    pressed = work.update.callback_query is not None
    forms.render(work, await usecases.offer(work.session, work.actor, code, forms.moment(work), pressed=pressed))


@unit_of_work(on_repeat=forms.current_prompt)
async def selfcheck(work: Work) -> None:
    """Open the branch standardisation self-assessment."""
    await _offer(work, "self")


@unit_of_work(on_repeat=forms.current_prompt)
async def demonstration(work: Work) -> None:
    """Open the demonstration-position (示范阵地) self-assessment."""
    await _offer(work, "demo")


@unit_of_work(on_repeat=forms.current_prompt)
async def record_activity(work: Work) -> None:
    """Record a meeting of organisational life."""
    await _offer(work, "act")


@unit_of_work(on_repeat=forms.current_prompt)
async def start_pressed(work: Work) -> None:
    """A "which branch" button (``new:<code>:<unit id>``); the button grants nothing by itself."""
    parsed = parse(work.update.callback_query.data, "new", TEXT, ID)  # an unknown code is refused as stale
    if parsed is None:
        work.answer("stale", alert=True)
        return
    code, unit_id = parsed
    result = await usecases.start(work.session, work.actor, code, unit_id, forms.moment(work), pressed=True)
    forms.render(work, result)


@unit_of_work(on_repeat=forms.current_prompt)
async def reminder_start_pressed(work: Work) -> None:
    """The button on a reminder (``self:start`` / ``act:start``): open that form for the person's branch."""
    await _offer(work, work.update.callback_query.data.split(":")[0])


@unit_of_work
async def review_list(work: Work) -> None:
    """List the submissions waiting for this reviewer."""
    try:
        waiting = await assessment.reviewable(work.session, work.actor)
    except NotAllowed:
        work.reply("not_allowed.html.j2")
        return
    buttons = [[(work.string("review.button", unit=unit.name, form=work.text("form_name.html.j2", form_id=s.form_id),
                             round=s.round, date=f"{s.submitted_at.astimezone(work.deps.timezone):%m-%d}"),
                 f"rev:{s.id}")] for s, unit in waiting[:30]]  # fmt: skip
    work.reply("review_list.html.j2", waiting=waiting, buttons=buttons)


@unit_of_work(on_repeat=forms.current_prompt)
async def review_pressed(work: Work) -> None:
    """Open a submission for evaluation (``rev:<id>``), re-checking scope and that it still waits."""
    parsed = parse(work.update.callback_query.data, "rev", ID)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    forms.render(work, await reviewing.open_review(work.session, work.actor, *parsed, forms.moment(work)))


@unit_of_work
async def problems(work: Work) -> None:
    """Show the open problem-list items the person may see, with their due dates."""
    if not work.actor.known:
        work.reply("not_allowed.html.j2")
        return
    items = await assessment.problem_list(work.session, work.actor)
    buttons = [[(f"#{p.id} {unit.name[:12]}：{p.clause[:20]}", f"prob:{p.id}")] for p, unit in items[:30]]  # its card
    work.reply("problem_list.html.j2", items=items, today=work.today, buttons=buttons)
