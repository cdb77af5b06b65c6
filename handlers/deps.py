"""What handlers need, built once by bot/ and carried in the typed context (no module globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from domain.kernel.clock import Clock
from templates import Renderer


@dataclass
class Deps:
    sessions: async_sessionmaker[AsyncSession]
    renderer: Renderer
    clock: Clock
    default_locale: str = "zh"
    bot_username: str = ""
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    wake_outbox: Callable[[], None] = lambda: None  # the dispatcher's wake-up, set by bot/


class ZhibuContext(CallbackContext[ExtBot, dict, dict, dict]):
    """The callback context, typed, with ``deps`` to reach the database, renderer and clock."""

    @property
    def deps(self) -> Deps:
        return self.application.bot_data["deps"]


def install(application: Application, deps: Deps) -> None:
    application.bot_data["deps"] = deps
