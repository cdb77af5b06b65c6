"""``zhibu draw show``, ``zhibu problems config`` and ``zhibu holidays load|status`` from the shell."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.settings import Settings
from domain.kernel import holidays
from domain.kernel.clock import SystemClock
from domain.problems import config, draws
from storage import database, migrate
from templates import Renderer

EXIT_BAD_INPUT = 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    draw = sub.add_parser("draw", help="random draws of branches to inspect (随机抽查)")
    show = draw.add_subparsers(dest="action", required=True).add_parser(
        "show", help="a draw's seed and candidates, and the branches they give again")
    show.add_argument("id", type=int)
    problems = sub.add_parser("problems", help="the rectification's settings")
    conf = problems.add_subparsers(dest="action", required=True).add_parser(
        "config", help="show the settings, or set one: --set days.grave=5")
    conf.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=DAYS")
    days = sub.add_parser("holidays", help="the working-day calendar (节假日安排)")
    days_sub = days.add_subparsers(dest="action", required=True)
    load = days_sub.add_parser("load", help="load a year's official holiday arrangement from a YAML or CSV file")
    load.add_argument("file", type=Path)
    shown = days_sub.add_parser("status", help="where each year's working days come from")
    shown.add_argument("--year", type=int, action="append", default=[], help="a year to show (default: this and next)")


async def run(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
    if args.command == "holidays":
        return await _holidays(args, settings, renderer)
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            if args.command == "draw":
                found = await draws.reproduce(session, args.id)
                if found is None:
                    return _fail(renderer, "cli_draw_unknown.txt.j2", id=args.id)
                row, again = found
                print(renderer.render("cli_draw_show.txt.j2", draw=row, again=again, same=again == row.chosen))
                return 0
            for assignment in args.assignments:
                name, _, days = assignment.partition("=")
                if not days.strip().isdigit():
                    return _fail(renderer, "cli_problems_config_error.txt.j2", detail=assignment)
                try:
                    await config.set_value(session, name.strip(), int(days))
                except config.BadSetting as error:
                    return _fail(renderer, "cli_problems_config_error.txt.j2", detail=str(error))
            print(renderer.render("cli_problems_config.txt.j2", values=await config.current(session)))
            return 0
    finally:
        await engine.dispose()


def _fail(renderer: Renderer, template: str, **values: object) -> int:
    print(renderer.render(template, **values), file=sys.stderr)
    return EXIT_BAD_INPUT


async def _holidays(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
    """Load a file (all of it, or nothing and every problem listed), then say where each year stands."""
    arrangement = None
    if args.action == "load":
        try:
            data = await asyncio.to_thread(args.file.read_bytes)
            arrangement = holidays.parse_file(data, args.file.name)
        except OSError:
            return _fail(renderer, "cli_file_missing.txt.j2", path=str(args.file))
        except holidays.HolidayFileError as error:
            return _fail(renderer, "cli_holidays_errors.txt.j2", path=str(args.file), problems=error.problems)
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            if arrangement is not None:
                loaded = await holidays.load(session, arrangement, actor_id=None, at=SystemClock().now())
                print(renderer.render("cli_holidays_loaded.txt.j2", loaded=loaded))
            await holidays.refresh(session)
            today = SystemClock().now().astimezone(ZoneInfo(settings.timezone)).date()
            years = sorted(set(getattr(args, "year", None) or (today.year, today.year + 1))
                           | ({arrangement.year} if arrangement else set()))
            print(renderer.render("cli_holidays_status.txt.j2", years=holidays.coverage(years)))
    finally:
        await engine.dispose()
    return 0
