"""Organisational life (组织生活, 三会一课): a nudge by the 20th, and quota warnings each quarter.

By the 20th of a month with no activity recorded that month, the branch's secretaries are
reminded. At the start of the last month of a quarter they are told which quotas the branch is on
course to miss: 支委会 (committee_meeting) and 党小组会 (group_meeting) monthly, 支部党员大会
(branch_general_meeting) and 党课 (party_lecture) quarterly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel.outbox import Button, Notice
from domain.reminders.sweep_context import SweepContext
from storage.models import ActivityRecord

MONTH_DAY = 20
QUARTER_NOTICE_UNTIL_DAY = 10  # "at the start of the month": a late sweep after that stays quiet
MONTHLY = ("committee_meeting", "group_meeting")
QUARTERLY = ("branch_general_meeting", "party_lecture")
BUTTONS = ((Button("reminder.btn.record_activity", "act:start"),),)


def quarter_months(day: date) -> list[date]:
    first = (day.month - 1) // 3 * 3 + 1
    return [date(day.year, first + i, 1) for i in range(3)]


def at_risk(held: dict[str, set[date]], today: date) -> list[dict]:
    """The quotas the branch is on course to miss; ``held`` maps a kind to the months it was held."""
    months = quarter_months(today)
    elapsed = [m for m in months if m < date(today.year, today.month, 1)]
    risks = []
    for kind in MONTHLY:
        missed = [m for m in elapsed if m not in held.get(kind, set())]
        if missed:
            risks.append({"kind": kind, "missed_months": [m.month for m in missed]})
    for kind in QUARTERLY:
        if not held.get(kind):
            risks.append({"kind": kind, "missed_months": []})
    return risks


async def _held(session: AsyncSession, since: date, until: date) -> dict[int, dict[str, set[date]]]:
    rows = (await session.execute(select(ActivityRecord.unit_id, ActivityRecord.kind, ActivityRecord.held_on)
                                  .where(ActivityRecord.held_on >= since, ActivityRecord.held_on <= until))).all()  # fmt: skip
    held: dict[int, dict[str, set[date]]] = defaultdict(lambda: defaultdict(set))
    for unit_id, kind, held_on in rows:
        held[unit_id][kind].add(date(held_on.year, held_on.month, 1))
    return held


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    today, found = ctx.today, []
    quarter_due = today.month % 3 == 0 and today.day <= QUARTER_NOTICE_UNTIL_DAY
    if today.day < MONTH_DAY and not quarter_due:
        return []
    held = await _held(session, quarter_months(today)[0], today)
    month = date(today.year, today.month, 1)
    for branch in ctx.directory.all_branches():
        kinds = held.get(branch.id, {})
        owners = ctx.directory.secretaries(branch.id)
        if today.day >= MONTH_DAY and not any(month in months for months in kinds.values()):
            values = {"unit_name": branch.name, "month": today.month, "year": today.year}
            for owner in owners:
                found.append(Notice(key=f"orglife:month:u{branch.id}:{month:%Y-%m}:p{owner.person_id}",
                                    kind="orglife.month", chat_id=owner.chat_id, person_id=owner.person_id,
                                    subject=f"orglife:u{branch.id}", template="reminder_orglife_month.html.j2",
                                    values=values, not_before=ctx.slot, buttons=BUTTONS, snoozable=True))  # fmt: skip
        risks = at_risk(kinds, today) if quarter_due else []
        if risks:
            quarter = (today.month - 1) // 3 + 1
            values = {"unit_name": branch.name, "quarter": quarter, "year": today.year, "risks": risks}
            for owner in owners:
                found.append(Notice(key=f"orglife:quarter:u{branch.id}:{today.year}Q{quarter}:p{owner.person_id}",
                                    kind="orglife.quarter", chat_id=owner.chat_id, person_id=owner.person_id,
                                    subject=f"orglife:u{branch.id}", template="reminder_orglife_quarter.html.j2",
                                    values=values, not_before=ctx.slot, buttons=BUTTONS, snoozable=True))  # fmt: skip
    return found
