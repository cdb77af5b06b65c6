"""An admin adds a campaign deadline (填报任务) with its scope, and sees who has not submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import audit, workdays
from domain.reminders import campaigns
from domain.reminders.directory import Directory
from storage.models import Campaign


class CampaignError(ValueError):
    """``code`` names the problem: unknown_unit, deadline_before_opening, deadline_passed, unknown_campaign."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class CampaignStatus:
    campaign: Campaign
    unit_name: str
    submitted: list[str]
    missing: list[str]


async def add_campaign(session: AsyncSession, *, name: str, form_id: str | None, unit_id: int, deadline: date,
                       opens_on: date | None, tz: tzinfo, actor_id: int | None, now: datetime) -> Campaign:  # fmt: skip
    """Open a campaign for every branch under ``unit_id``; its deadline day ends at midnight local."""
    today = workdays.local_date(now, tz)
    opens_at = workdays.start_of_day(opens_on, tz) if opens_on else now
    if opens_on and deadline < opens_on:
        raise CampaignError("deadline_before_opening")
    if deadline < today:
        raise CampaignError("deadline_passed")
    closes_at = datetime.combine(deadline + timedelta(days=1), time(0, 0), tzinfo=tz)
    campaign = Campaign(name=name, form_id=form_id, unit_id=unit_id, opens_at=opens_at, deadline=deadline,
                        closes_at=closes_at, created_by=actor_id, created_at=now)  # fmt: skip
    session.add(campaign)
    await session.flush()
    await audit.record(session, at=now, actor_id=actor_id, action="campaign.added", subject_type="campaign",
                       subject_id=campaign.id, after={"name": name, "form_id": form_id, "unit_id": unit_id,
                                                      "deadline": deadline.isoformat(),
                                                      "opens_at": opens_at.isoformat()})  # fmt: skip
    return campaign


async def campaign_status(session: AsyncSession, *, campaign_id: int) -> CampaignStatus:
    campaign = await session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError("unknown_campaign")
    directory = await Directory.load(session)
    done = await campaigns.submitted_unit_ids(session, campaign)
    branches = directory.branches_under(campaign.unit_id)
    return CampaignStatus(campaign, directory.unit(campaign.unit_id).name,
                          [b.name for b in branches if b.id in done], [b.name for b in branches if b.id not in done])
