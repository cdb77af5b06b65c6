"""The committee group's digest (党委群周报): one message a week, and one on a day something turns red.

Never one message per item: counts by colour, what is overdue and whose, what awaits the
committee's review. The weekly digest goes on the first working day of the ISO week the sweep
sees at 09:00 or later; a red-day digest goes when an item in the group's subtree turned red
today (its first overdue working day) and that week's digest went out on an earlier day.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import workdays
from domain.kernel.outbox import Notice
from domain.reminders import problems, reviews
from domain.reminders.directory import Group
from domain.reminders.sweep_context import SweepContext
from storage.models import OutboxMessage, ProblemItem, Submission

LISTED = 15  # lines of each list shown; the rest is counted


def week_key(group: Group, today: date) -> str:
    year, week, _ = today.isocalendar()
    return f"digest:week:c{group.chat_id}:{year}-W{week:02d}"


def _problem_line(item: ProblemItem, ctx: SweepContext) -> dict:
    return {"unit_name": ctx.directory.unit(item.unit_id).name, "clause": item.clause, "due_on": item.due_on,
            "overdue_days": problems.overdue_days(item.due_on, ctx.today),
            "owners": ctx.directory.names(ctx.directory.secretaries(item.unit_id))}  # fmt: skip


def _review_line(submission: Submission, ctx: SweepContext) -> dict:
    return {"unit_name": ctx.directory.unit(submission.unit_id).name, "form_id": submission.form_id,
            "waited_days": reviews.waited_days(submission, ctx)}  # fmt: skip


def digest_values(group: Group, items: list[ProblemItem], waiting: list[Submission], ctx: SweepContext) -> dict:
    inside = {u.id for u in ctx.directory.subtree(group.unit_id)}
    mine = [i for i in items if i.unit_id in inside]
    colours = Counter(problems.colour(i.due_on, ctx.today) for i in mine)
    red = [i for i in mine if problems.colour(i.due_on, ctx.today) == "red"]
    red.sort(key=lambda i: (i.due_on, i.id))
    turned = [i for i in red if problems.overdue_days(i.due_on, ctx.today) == 1]
    awaiting = [s for s in waiting if s.unit_id in inside]
    return {
        "unit_name": ctx.directory.unit(group.unit_id).name,
        "today_on": ctx.today,
        "counts": {"green": colours["green"], "yellow": colours["yellow"], "red": colours["red"]},
        "overdue": [_problem_line(i, ctx) for i in red[:LISTED]],
        "overdue_more": max(len(red) - LISTED, 0),
        "turned_red": [_problem_line(i, ctx) for i in turned[:LISTED]],
        "awaiting": [_review_line(s, ctx) for s in awaiting[:LISTED]],
        "awaiting_total": len(awaiting),
    }


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    groups = ctx.directory.groups
    if not ctx.reminder_time or not groups:
        return []
    items = await problems.open_items(session)
    waiting = await reviews.waiting(session)
    keys = {week_key(g, ctx.today): g for g in groups}
    earlier = workdays.start_of_day(ctx.today, ctx.tz)
    sent = dict((await session.execute(select(OutboxMessage.key, OutboxMessage.created_at)
                                       .where(OutboxMessage.key.in_(list(keys))))).all())  # fmt: skip
    found: list[Notice] = []
    for key, group in keys.items():
        values = digest_values(group, items, waiting, ctx)
        subject = f"digest:u{group.unit_id}"
        if key not in sent:
            found.append(Notice(key=key, kind="digest.weekly", chat_id=group.chat_id, subject=subject,
                                template="digest_weekly.html.j2", values={**values, "red_day": False},
                                not_before=ctx.slot))  # fmt: skip
        elif values["turned_red"] and sent[key] < earlier:
            found.append(Notice(key=f"digest:red:c{group.chat_id}:{ctx.today.isoformat()}", kind="digest.red",
                                chat_id=group.chat_id, subject=subject, template="digest_weekly.html.j2",
                                values={**values, "red_day": True}, not_before=ctx.slot))  # fmt: skip
    return found
