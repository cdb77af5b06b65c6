"""Records of organisational life (组织生活): 三会一课 and 主题党日.

Kinds: 支部党员大会 branch_general_meeting, 支委会 committee_meeting, 党小组会 group_meeting,
党课 party_lecture, 主题党日 theme_day. A member activity (党员活动) is any kind that members attend,
i.e. all but the committee meeting.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit
from storage.models import ActivityRecord

MEMBER_ACTIVITY_KINDS = ("branch_general_meeting", "group_meeting", "party_lecture", "theme_day")
MONTHS_CHECKED = 3  # "每月正常组织一次党员活动" is read off this month and the two before it


async def record(session: AsyncSession, *, unit_id: int, answers: dict[str, Any], actor_id: int, at: datetime,
                 update_id: int | None) -> ActivityRecord:  # fmt: skip
    """Keep a finished activity-record form as an ActivityRecord."""
    row = ActivityRecord(unit_id=unit_id, kind=answers["kind"], held_on=date.fromisoformat(answers["held_on"]),
                         topic=answers["topic"], attended=int(answers["attended"]),
                         expected=int(answers["expected"]), answers=answers, recorded_by=actor_id,
                         recorded_at=at)  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="activity.recorded", subject_type="activity",
                       subject_id=row.id, after={"kind": row.kind, "held_on": answers["held_on"],
                                                 "attended": row.attended, "expected": row.expected},
                       update_id=update_id)  # fmt: skip
    return row


def _months_back(today: date, n: int) -> date:
    year, month = today.year, today.month - n
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, 1)


async def monthly_ok(session: AsyncSession, *, unit_id: int, today: date) -> bool:
    """Whether a member activity was recorded in each of the last MONTHS_CHECKED months (this one too)."""
    since = _months_back(today, MONTHS_CHECKED - 1)
    held = await session.scalars(
        select(ActivityRecord.held_on).distinct().where(
            ActivityRecord.unit_id == unit_id,
            ActivityRecord.kind.in_(MEMBER_ACTIVITY_KINDS),
            ActivityRecord.held_on >= since,
            ActivityRecord.held_on <= today,
        )
    )
    months = {(d.year, d.month) for d in held}
    wanted = {(m.year, m.month) for m in (_months_back(today, k) for k in range(MONTHS_CHECKED))}
    return wanted <= months
