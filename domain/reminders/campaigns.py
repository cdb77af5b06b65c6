"""Campaign deadlines (填报任务): a nudge 7 days before, the day before and on the deadline day, to the
secretaries of branches that have not submitted (stages as in ``deadline_stage``: a 7-day nudge whose
days are all days off comes on the last working day before them).

A branch "has submitted" when a Submission of the campaign's form for that branch is submitted,
returned or passed, with ``submitted_at`` inside the campaign's window (opens_at … closes_at).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel.outbox import Button, Notice
from domain.reminders.sweep_context import SweepContext, deadline_stage
from storage.models import Campaign, Submission, SubmissionStatus

FAR_DAYS = 7
NEAR_DAYS = 1
COUNTED = (SubmissionStatus.submitted, SubmissionStatus.returned, SubmissionStatus.passed)


async def active(session: AsyncSession, now: datetime) -> list[Campaign]:
    """Campaigns open at ``now`` (their deadline day not yet over)."""
    query = select(Campaign).where(Campaign.opens_at <= now, Campaign.closes_at > now).order_by(Campaign.id)
    return list((await session.scalars(query)).all())


async def submitted_unit_ids(session: AsyncSession, campaign: Campaign) -> set[int]:
    query = select(Submission.unit_id).where(
        Submission.status.in_(COUNTED),
        Submission.submitted_at >= campaign.opens_at,
        Submission.submitted_at < campaign.closes_at,
    )
    if campaign.form_id is not None:
        query = query.where(Submission.form_id == campaign.form_id)
    return set((await session.scalars(query)).all())


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    if not ctx.reminder_time:
        return []
    found: list[Notice] = []
    for campaign in await active(session, ctx.now):
        stage = deadline_stage(campaign.deadline, ctx.today, near=NEAR_DAYS, far=FAR_DAYS)
        if stage is None:
            continue
        done = await submitted_unit_ids(session, campaign)
        subject = f"campaign:{campaign.id}"
        for branch in ctx.directory.branches_under(campaign.unit_id):
            if branch.id in done:
                continue
            values = {"campaign_id": campaign.id, "campaign": campaign.name, "deadline_on": campaign.deadline,
                      "days_left": (campaign.deadline - ctx.today).days, "unit_id": branch.id,
                      "unit_name": branch.name, "stage": stage}  # fmt: skip
            for owner in ctx.directory.secretaries(branch.id):
                found.append(Notice(key=f"{subject}:{stage}:u{branch.id}:p{owner.person_id}", kind=f"campaign.{stage}",
                                    chat_id=owner.chat_id, person_id=owner.person_id, subject=subject,
                                    template="reminder_campaign.html.j2", values=values, not_before=ctx.slot,
                                    buttons=((Button("reminder.btn.fill_in", fill_in(campaign.form_id)),),),
                                    snoozable=True))  # fmt: skip
    return found


# The button that opens a campaign's form (handlers map these to the forms they start).
FILL_IN = {"standardisation": "self:start", "demonstration": "demo:start", "activity_record": "act:start"}


def fill_in(form_id: str | None) -> str:
    return FILL_IN.get(form_id or "", "self:start")
