"""The ``zhibu`` command line (also ``python -m bot``). Bad input: a clear message and a non-zero exit."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from pathlib import Path

from telegram import Bot
from telegram.error import TelegramError

from bot import app as bot_app
from bot import people_cli, polling, problems_cli, project_cli, reminder_cli, webhook
from bot.aiohttp_request import AiohttpRequest
from bot.settings import ConfigError, Settings, load_settings
from domain.forms import FormDefinitionError
from domain.kernel import learnt
from domain.kernel.clock import SystemClock
from domain.org import invites, units
from domain.org.unit_file import UnitFileError
from domain.standardisation import checklists
from storage import database, migrate
from storage.models import Role
from templates import Renderer

EXIT_BAD_INPUT = 2


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zhibu", description="支部助手 Zhibu — Telegram bot for party-branch work")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot with long polling")
    hook = sub.add_parser("webhook", help="run the bot behind an HTTPS webhook")
    hook.add_argument("--url", help="public HTTPS URL Telegram posts to (default ZHIBU_WEBHOOK_URL)")
    hook.add_argument("--listen", help="address to listen on (default ZHIBU_WEBHOOK_LISTEN)")
    hook.add_argument("--port", type=int, help="port to listen on (default ZHIBU_WEBHOOK_PORT)")
    db = sub.add_parser("db", help="database")
    db.add_subparsers(dest="action", required=True).add_parser("upgrade", help="upgrade to the newest schema")
    unit = sub.add_parser("units", help="the unit tree")
    unit_sub = unit.add_subparsers(dest="action", required=True)
    imp = unit_sub.add_parser("import", help="import units from a CSV or XLSX file")
    imp.add_argument("file", type=Path)
    unit_sub.add_parser("list", help="print the unit tree")
    checklist = sub.add_parser("checklist", help="checklists (form definitions)")
    pub = checklist.add_subparsers(dest="action", required=True).add_parser(
        "publish", help="check and publish a checklist version from a YAML or XLSX file")
    pub.add_argument("file", type=Path)
    inv = sub.add_parser("invite", help="invites")
    create = inv.add_subparsers(dest="action", required=True).add_parser("create", help="create an invite link")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--unit", required=True, help="unit code")
    create.add_argument("--name", help="the invited person's name")
    create.add_argument("--expires", type=int, default=invites.DEFAULT_DAYS, help="days until it expires")
    reminder_cli.add_parsers(sub)
    people_cli.add_parsers(sub)
    problems_cli.add_parsers(sub)
    project_cli.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _config_error(exc)
    renderer = Renderer(default_locale=settings.locale, timezone=settings.timezone)
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(_dispatch(args, settings, renderer))
    except ConfigError as exc:
        return _config_error(exc, settings.locale)
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
    match args.command, getattr(args, "action", None):
        case "run", _:
            return await _run(settings, mode="polling")
        case "webhook", _:
            overrides = {k: v for k, v in (("webhook_url", args.url), ("webhook_listen", args.listen),
                                           ("webhook_port", args.port)) if v is not None}  # fmt: skip
            return await _run(settings.model_copy(update=overrides), mode="webhook")
        case "db", "upgrade":
            engine = database.create_engine(settings.database_url)
            await migrate.upgrade(engine)
            await engine.dispose()
            print(renderer.render("cli_db_upgraded.txt.j2"))
            return 0
        case "units", "import":
            return await _units_import(settings, renderer, args.file)
        case "units", "list":
            return await _units_list(settings, renderer)
        case "invite", "create":
            return await _invite_create(settings, renderer, args)
        case "checklist", "publish":
            return await _checklist_publish(settings, renderer, args.file)
        case ("campaign", _) | ("broadcast", _):
            return await reminder_cli.run(args, settings, renderer)
        case "people", _:
            return await people_cli.run(args, settings, renderer,
                                        bot_username=lambda session: _bot_username(settings, session))
        case ("draw", _) | ("problems", _) | ("holidays", _):
            return await problems_cli.run(args, settings, renderer)
        case "project", _:
            return await project_cli.run(args, settings, renderer)
    raise AssertionError(args)


async def _run(settings: Settings, *, mode: str) -> int:
    settings.token()  # fail before touching the database
    if mode == "webhook":
        url, secret = settings.public_url(), settings.secret()
    runtime = bot_app.build(settings)
    await migrate.upgrade(runtime.engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await bot_app.start(runtime)
    settle_heap()
    try:
        if mode == "webhook":
            await webhook.serve(runtime.application, url=url, listen=settings.webhook_listen,
                                port=settings.webhook_port, secret=secret, cert=settings.webhook_cert,
                                key=settings.webhook_key, stop=stop)  # fmt: skip
        else:
            await polling.poll(runtime.application, long_poll_seconds=settings.poll_timeout, stop=stop)
    finally:
        await bot_app.stop(runtime)
    return 0


def settle_heap() -> None:
    """Tune the garbage collector for a long-running bot: what start-up loaded (libraries, checklists,
    templates) lives as long as the process, so it is frozen out of collections, and the young
    generation is collected every 10,000 allocations rather than 700. Each update allocates a few
    thousand short-lived objects; measured on the form answer path this saves about a tenth of the CPU."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 100)


async def _apply_file(settings: Settings, renderer: Renderer, path: Path, apply, *, error: type[Exception],
                      errors_template: str, done_template: str) -> int:  # fmt: skip
    """Read ``path`` and ``apply`` it in one transaction: all of it, or nothing and every problem said."""
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError:
        return _fail(renderer, "cli_file_missing.txt.j2", path=str(path))
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            result = await apply(session, data=data, filename=path.name, actor_id=None, at=SystemClock().now())
    except error as exc:
        return _fail(renderer, errors_template, path=str(path), errors=getattr(exc, "errors", None),
                     issues=getattr(exc, "issues", None))  # fmt: skip
    finally:
        await engine.dispose()
    print(renderer.render(done_template, result=result))
    return 0


async def _units_import(settings: Settings, renderer: Renderer, path: Path) -> int:
    return await _apply_file(settings, renderer, path, units.import_units, error=UnitFileError,
                             errors_template="cli_units_errors.txt.j2", done_template="cli_units_imported.txt.j2")


async def _checklist_publish(settings: Settings, renderer: Renderer, path: Path) -> int:
    """Check the file as the bot checks one sent in the chat (bounded, read at most one byte past the
    limit), before the transaction opens; then publish it."""

    def read_and_check() -> checklists.Checked:
        with path.open("rb") as file:
            data = file.read(checklists.MAX_FILE_BYTES + 1)  # one byte more is enough to refuse it
        return checklists.check(data, path.name)

    try:
        checked = await asyncio.to_thread(read_and_check)
    except OSError:
        return _fail(renderer, "cli_file_missing.txt.j2", path=str(path))
    except FormDefinitionError as exc:
        return _fail(renderer, "cli_checklist_errors.txt.j2", path=str(path), report=checklists.report(exc))
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            result = await checklists.publish(session, checked=checked, actor_id=None, at=SystemClock().now())
    except FormDefinitionError as exc:
        return _fail(renderer, "cli_checklist_errors.txt.j2", path=str(path), report=checklists.report(exc))
    finally:
        await engine.dispose()
    print(renderer.render("cli_checklist_published.txt.j2", result=result))
    return 0


async def _units_list(settings: Settings, renderer: Renderer) -> int:
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    async with database.sessionmaker(engine)() as session:
        lines = await units.tree(session)
    await engine.dispose()
    print(renderer.render("cli_units_tree.txt.j2", lines=lines))
    return 0


async def _invite_create(settings: Settings, renderer: Renderer, args: argparse.Namespace) -> int:
    if not 1 <= args.expires <= invites.MAX_DAYS:
        return _fail(renderer, "cli_invite_days.txt.j2", max_days=invites.MAX_DAYS)
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            unit = await units.by_code(session, args.unit)
            if unit is None:
                return _fail(renderer, "cli_unit_unknown.txt.j2", code=args.unit)
            username = await _bot_username(settings, session)
            if username is None:
                return _fail(renderer, "cli_username_unknown.txt.j2")
            created = await invites.create(session, role=Role(args.role), unit=unit, name=args.name,
                                           days=args.expires, actor_id=None, at=SystemClock().now())  # fmt: skip
    finally:
        await engine.dispose()
    link = f"https://t.me/{username}?start={created.token}"
    print(renderer.render("cli_invite_created.txt.j2", invite=created, link=link))
    return 0


async def _bot_username(settings: Settings, session) -> str | None:
    """Ask the Bot API who we are when a token is set; otherwise use what the last run learnt."""
    if settings.bot_token is not None:
        try:
            request = AiohttpRequest(proxy=settings.proxy_url)
            async with Bot(settings.token(), base_url=settings.api_base_url, request=request) as tg:
                return tg.username
        except TelegramError:
            pass
    return await learnt.recall(session, learnt.BOT_USERNAME)


def _config_error(exc: ConfigError, first: str = "zh") -> int:
    """A setting is missing or wrong: one line, in both languages (the person starting the bot may
    read either, and the language setting itself may be what is wrong)."""
    said = [Renderer(default_locale=locale).render("cli_config.txt.j2", code=exc.code, detail=exc.detail)
            for locale in dict.fromkeys((first, "zh", "en"))]  # fmt: skip
    print(" / ".join(said), file=sys.stderr)
    return EXIT_BAD_INPUT


def _fail(renderer: Renderer, template: str, **values: object) -> int:
    print(renderer.render(template, **values), file=sys.stderr)
    return EXIT_BAD_INPUT
