"""Reminders, deadlines and notices (提醒与通知): rules that decide what is due, written to the outbox.

Public entry points: ``sweep`` (run every minute), ``refresh_rollcall`` (call it in the transaction
that records a submission), ``snooze``, ``mark_unreachable`` / ``mark_reachable``, and ``at_send``
(the dispatcher's check of a row against the present, right before it sends it).
"""

from domain.reminders.broadcast import broadcast
from domain.reminders.campaign_admin import (
    CampaignError,
    CampaignStatus,
    add_campaign,
    campaign_status,
)
from domain.reminders.current import AtSend, at_send
from domain.reminders.reachability import mark_reachable, mark_unreachable
from domain.reminders.rollcall import refresh_rollcall
from domain.reminders.snooze import SnoozeProblem, SnoozeRefused, snooze
from domain.reminders.sweep import RULES, SweepReport, sweep

__all__ = [
    "AtSend",
    "CampaignError",
    "CampaignStatus",
    "RULES",
    "SnoozeProblem",
    "SnoozeRefused",
    "SweepReport",
    "add_campaign",
    "at_send",
    "broadcast",
    "campaign_status",
    "mark_reachable",
    "mark_unreachable",
    "refresh_rollcall",
    "snooze",
    "sweep",
]
