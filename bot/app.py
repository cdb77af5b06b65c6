"""The application factory: the one place that builds the engine, the renderer and the Application."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeDefault, Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot import scheduling
from bot.aiohttp_request import AiohttpRequest
from bot.dispatcher import Dispatcher
from bot.ratelimit import SlidingWindowRateLimiter
from bot.settings import Settings
from domain.kernel import learnt
from domain.kernel.clock import Clock, SystemClock
from domain.org import menus
from handlers import deps as handler_deps
from handlers import publish
from handlers.wiring import register
from storage import database
from templates import Renderer

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    application: Application
    deps: handler_deps.Deps
    limiter: SlidingWindowRateLimiter | None = None
    dispatcher: Dispatcher | None = None  # sends the outbox; started and stopped with the Application


def build(settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None) -> Runtime:
    """Build everything the bot runs on; nothing touches the network until ``start``."""
    engine = engine or database.create_engine(settings.database_url)
    renderer = Renderer(default_locale=settings.locale, timezone=settings.timezone)
    deps = handler_deps.Deps(sessions=database.sessionmaker(engine), renderer=renderer, clock=clock or SystemClock(),
                             default_locale=settings.locale, timezone=ZoneInfo(settings.timezone))  # fmt: skip
    application = (
        ApplicationBuilder()
        .token(settings.token())
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_url)
        .context_types(ContextTypes(context=handler_deps.ZhibuContext))
        # One sliding-window budget for handlers' replies and the outbox dispatcher alike.
        .rate_limiter(limiter := SlidingWindowRateLimiter(max_retries=3))
        # Our own poller and webhook confirm an update only after its effect is committed.
        .updater(None)
        # The largest file a handler downloads is a checklist: reading stops past it.
        .request(AiohttpRequest(proxy=settings.proxy_url, max_file_bytes=publish.MAX_BYTES))
        .get_updates_request(AiohttpRequest(pool_size=1, proxy=settings.proxy_url))
        .build()
    )
    handler_deps.install(application, deps)
    register(application)
    application.add_error_handler(_on_error)
    dispatcher = Dispatcher(bot=application.bot, engine=engine, sessions=deps.sessions, renderer=renderer,
                            clock=deps.clock, limiter=limiter, tz=deps.timezone, default_locale=settings.locale)  # fmt: skip
    deps.wake_outbox = dispatcher.wake
    return Runtime(settings, engine, application, deps, limiter, dispatcher)


async def start(runtime: Runtime) -> None:
    """Initialise the Application, learn the bot's username and publish the default command menus."""
    app = runtime.application
    await app.initialize()
    runtime.deps.bot_username = app.bot.username
    async with runtime.deps.sessions() as session, session.begin():
        await learnt.remember(session, learnt.BOT_USERNAME, app.bot.username)
    await publish_default_commands(app, runtime.deps.renderer)
    await app.start()
    if runtime.dispatcher is not None:
        await runtime.dispatcher.start()
        scheduling.schedule_sweep(app, sessions=runtime.deps.sessions, clock=runtime.deps.clock,
                                  tz=runtime.deps.timezone, dispatcher=runtime.dispatcher)  # fmt: skip


async def stop(runtime: Runtime) -> None:
    app = runtime.application
    if runtime.dispatcher is not None:
        await runtime.dispatcher.stop()
    if app.running:
        await app.stop()
    await app.shutdown()
    await runtime.engine.dispose()


async def publish_default_commands(app: Application, renderer: Renderer) -> None:
    """Strangers and groups see these menus, in the department's language whatever their client's
    (menus per client language are removed); people get their own per chat when they join."""
    locale = renderer.default_locale
    private = [BotCommand(c, renderer.string(f"cmd.{c}", locale)) for c in ("start", "help", "lang")]
    group = [BotCommand(c, renderer.string(f"cmd.{c}", locale)) for c in menus.GROUP]
    for scope, commands in ((BotCommandScopeDefault(), private), (BotCommandScopeAllGroupChats(), group)):
        await app.bot.set_my_commands(commands, scope=scope)
        await app.bot.delete_my_commands(scope=scope, language_code="en")


async def _on_error(update: object, context: handler_deps.ZhibuContext) -> None:
    """Log the failure and tell the user, so nothing fails silently."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        deps = context.deps
        text = deps.renderer.render("error.html.j2")  # the department's language: not the client's
        try:
            await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML)
        except Exception:  # the error report must not raise in turn
            log.exception("could not tell the user about the failure")
