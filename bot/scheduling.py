"""Scheduled work: the reminder sweep every minute through PTB's JobQueue.

Each run opens its own session (one transaction) and reads the injected clock, so a test that
travels in time gets the same result calling ``run_sweep`` itself, without waiting for the job.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, Job

from bot.dispatcher import Dispatcher
from domain import reminders
from domain.kernel.clock import Clock

log = logging.getLogger(__name__)

SWEEP_JOB = "reminders.sweep"
SWEEP_EVERY = 60.0


async def run_sweep(sessions: async_sessionmaker[AsyncSession], clock: Clock, tz: tzinfo) -> reminders.SweepReport:
    """One sweep in one transaction, at the clock's now."""
    async with sessions() as session, session.begin():
        report = await reminders.sweep(session, now=clock.now(), tz=tz)
    if report.added or report.failed:
        log.info("sweep: %s new notices, %s withdrawn, failed rules: %s", report.added, report.cancelled,
                 ", ".join(report.failed) or "none")  # fmt: skip
    return report


def schedule_sweep(application: Application, *, sessions: async_sessionmaker[AsyncSession], clock: Clock,
                   tz: tzinfo, dispatcher: Dispatcher, every: float = SWEEP_EVERY) -> Job:  # fmt: skip
    """Run the sweep every ``every`` seconds (the first after one interval) and wake the dispatcher."""

    async def sweep(_context) -> None:
        report = await run_sweep(sessions, clock, tz)
        if report.added:
            dispatcher.wake()

    for old in application.job_queue.get_jobs_by_name(SWEEP_JOB):
        old.schedule_removal()
    return application.job_queue.run_repeating(sweep, interval=every, first=every, name=SWEEP_JOB)
