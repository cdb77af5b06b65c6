"""``zhibu draw show``, ``zhibu problems config`` and ``zhibu holidays load|status`` from the shell."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings
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


async def run(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
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
