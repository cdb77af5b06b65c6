"""The rectification's configurable numbers, kept as settings (``zhibu problems config``).

- ``days.<severity>``: working days (工作日) a branch has to rectify a finding, by severity
  (一般 20, 较重 10, 严重 5 unless set otherwise);
- ``revisit_days``: calendar days after closing (销号) when a revisit (回头看) falls due (30).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.kernel import learnt
from storage.models import Severity

DEFAULTS: dict[str, int] = {"days.general": 20, "days.serious": 10, "days.grave": 5, "revisit_days": 30}
LIMIT = 3650


class BadSetting(ValueError):
    pass


async def value(session: AsyncSession, name: str) -> int:
    stored = await learnt.recall(session, f"problems.{name}")
    return int(stored) if stored and stored.isdigit() else DEFAULTS[name]


async def days_for(session: AsyncSession, severity: Severity) -> int:
    return await value(session, f"days.{severity.value}")


async def set_value(session: AsyncSession, name: str, days: int) -> None:
    if name not in DEFAULTS:
        raise BadSetting(f"unknown setting {name!r}; known: {', '.join(DEFAULTS)}")
    if not 0 < days <= LIMIT:
        raise BadSetting(f"{name} must be between 1 and {LIMIT} days")
    await learnt.remember(session, f"problems.{name}", str(days))


async def current(session: AsyncSession) -> dict[str, int]:
    return {name: await value(session, name) for name in DEFAULTS}
