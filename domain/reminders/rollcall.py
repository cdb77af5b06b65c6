"""The live roll call (点名看板) of a campaign in each committee group: 已提交 12/30, who has, who hasn't.

One message per (campaign, group), edited in place as branches submit. The sweep keeps every board
current; ``refresh_rollcall`` is called in the transaction that records a submission, so the board
changes at once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import outbox
from domain.kernel.outbox import Notice
from domain.reminders import campaigns
from domain.reminders.directory import Directory, Group
from domain.reminders.sweep_context import SweepContext
from storage.models import Campaign


def board_key(campaign: Campaign, group: Group) -> str:
    return f"rollcall:{campaign.id}:c{group.chat_id}"


def _board(campaign: Campaign, group: Group, directory: Directory, done: set[int], now: datetime) -> Notice | None:
    inside = {u.id for u in directory.subtree(group.unit_id)}
    branches = [b for b in directory.branches_under(campaign.unit_id) if b.id in inside]
    if not branches:
        return None
    values = {
        "campaign_id": campaign.id,
        "campaign": campaign.name,
        "deadline_on": campaign.deadline,
        "submitted": [b.name for b in branches if b.id in done],
        "missing": [b.name for b in branches if b.id not in done],
        "total": len(branches),
    }
    return Notice(key=board_key(campaign, group), kind="rollcall", chat_id=group.chat_id,
                  subject=f"campaign:{campaign.id}", template="rollcall_board.html.j2", values=values,
                  not_before=now, board_key=board_key(campaign, group))  # fmt: skip


async def boards(session: AsyncSession, directory: Directory, now: datetime, *, unit_id: int | None = None) -> list[Notice]:
    """The boards of every open campaign (only those showing ``unit_id`` when given)."""
    found: list[Notice] = []
    for campaign in await campaigns.active(session, now):
        scope = {u.id for u in directory.subtree(campaign.unit_id)}
        if unit_id is not None and unit_id not in scope:
            continue
        groups = directory.groups_over(unit_id) if unit_id is not None else directory.groups
        done = await campaigns.submitted_unit_ids(session, campaign)
        for group in groups:
            board = _board(campaign, group, directory, done, now)
            if board is not None:
                found.append(board)
    return found


async def notices(session: AsyncSession, ctx: SweepContext) -> list[Notice]:
    return await boards(session, ctx.directory, ctx.now)


async def refresh_rollcall(session: AsyncSession, *, unit_id: int, now: datetime) -> int:
    """Bring the roll-call boards showing ``unit_id`` up to date; call it in the submission's transaction.

    Returns how many board versions were queued (0 when nothing visible changed). Nothing is sent
    until the transaction commits; the dispatcher then edits each board's message in place.
    """
    directory = await Directory.load(session)
    if unit_id not in directory.units:
        return 0
    return await outbox.enqueue(session, await boards(session, directory, now, unit_id=unit_id), now=now)
