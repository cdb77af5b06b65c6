"""Commands that open forms: /selfcheck (自评), /demo (示范阵地), /activity (组织生活), /review (组织考评),
and /problems (问题清单)."""

from __future__ import annotations

from domain.standardisation import assessment
from handlers import forms
from handlers.callback_data import ID, one_of, parse
from handlers.work import Work, unit_of_work
from storage.models import Role, Submission, SubmissionStatus, Unit

# The short code in button data → (purpose, form id).
STARTS = {"self": ("assessment", "standardisation"), "demo": ("assessment", "demonstration"),
          "act": ("activity", "activity_record")}  # fmt: skip


async def _offer(work: Work, code: str) -> None:
    """Start ``code``'s form for the person's branch, asking which when they have several."""
    branches = [g for g in work.actor.grants if g.role is Role.secretary]
    if not branches:
        work.reply("not_allowed.html.j2")
        return
    if len(branches) > 1:
        buttons = [[(g.unit_name, f"new:{code}:{g.unit_id}")] for g in branches[:20]]
        work.reply("choose_branch.html.j2", buttons=buttons)
        return
    await _start(work, code, branches[0].unit_id)


async def _start(work: Work, code: str, unit_id: int) -> None:
    purpose, form_id = STARTS[code]
    unit = await work.session.get(Unit, unit_id)
    if unit is None or not work.actor.may(Role.secretary, unit):
        work.answer("not_allowed", alert=True) if work.update.callback_query else work.reply("not_allowed.html.j2")
        return
    if work.update.callback_query:
        work.answer()
    await forms.begin(work, purpose=purpose, form_id=form_id, unit=unit)


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
    parsed = parse(work.update.callback_query.data, "new", one_of(*STARTS), ID)
    if parsed is None:
        work.answer("stale", alert=True)
        return
    await _start(work, *parsed)


@unit_of_work(on_repeat=forms.current_prompt)
async def reminder_start_pressed(work: Work) -> None:
    """The button on a reminder (``self:start`` / ``act:start``): open that form for the person's branch."""
    data = work.update.callback_query.data
    code = next((c for c in STARTS if parse(data, c, one_of("start")) is not None), None)
    if code is None:
        work.answer("stale", alert=True)
        return
    await _offer(work, code)
    work.answer()  # when nothing above answered it


@unit_of_work
async def problem_pressed(work: Work) -> None:
    """Show one problem-list item (``prob:<id>``) to someone whose roles cover its branch."""
    parsed = parse(work.update.callback_query.data, "prob", ID)
    found = await assessment.problem_item(work.session, *parsed) if parsed else None
    if found is None:
        work.answer("stale", alert=True)
        return
    item, unit = found
    if not any(unit.path.startswith(p) for p in work.actor.scope_paths()):
        work.answer("not_allowed", alert=True)
        return
    work.answer()
    work.reply("problem_item.html.j2", item=item, unit=unit, today=work.today)


@unit_of_work
async def review_list(work: Work) -> None:
    """List the submissions waiting for this reviewer."""
    if not (work.actor.has(Role.committee) or work.actor.has(Role.admin)):
        work.reply("not_allowed.html.j2")
        return
    waiting = await assessment.awaiting_review(work.session, work.actor)
    buttons = [[(f"{unit.name} · {s.submitted_at.astimezone(work.deps.timezone):%m-%d}", f"rev:{s.id}")]
               for s, unit in waiting[:30]]  # fmt: skip
    work.reply("review_list.html.j2", waiting=waiting, buttons=buttons)


@unit_of_work(on_repeat=forms.current_prompt)
async def review_pressed(work: Work) -> None:
    """Open a submission for evaluation (``rev:<id>``), re-checking scope and that it still waits."""
    parsed = parse(work.update.callback_query.data, "rev", ID)
    submission = await work.session.get(Submission, *parsed) if parsed else None
    unit = await work.session.get(Unit, submission.unit_id) if submission else None
    if submission is None or unit is None:
        work.answer("stale", alert=True)
        return
    try:
        assessment.check_reviewer(work.actor, unit)
    except assessment.NotAllowed:
        work.answer("not_allowed", alert=True)
        return
    if submission.status is not SubmissionStatus.submitted:
        work.answer("review.done_already", alert=True)
        return
    work.answer()
    work.reply("submission_summary.html.j2", submission=submission, unit=unit)
    await forms.begin(work, purpose="evaluation", form_id="evaluation", unit=unit, subject_id=submission.id)


@unit_of_work
async def problems(work: Work) -> None:
    """Show the open problem-list items the person may see, with their due dates."""
    if not work.actor.known:
        work.reply("not_allowed.html.j2")
        return
    items = await assessment.problem_list(work.session, work.actor)
    work.reply("problem_list.html.j2", items=items, today=work.today)

