"""``zhibu project call|reopen|review|list``: the department's project work from the shell.

The shell acts as an administrator of the call's unit; what it writes (the announcement, notices to
the panel) goes to the outbox and the running bot sends it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from zoneinfo import ZoneInfo

from bot.settings import Settings
from domain.kernel import workdays
from domain.kernel.clock import SystemClock
from domain.org import units
from domain.projects import calls, lifecycle
from domain.projects import kind as kinds
from storage import database, migrate
from storage.models import ProjectCall
from templates import Renderer

EXIT_BAD_INPUT = 2


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def add_parsers(sub: argparse._SubParsersAction) -> None:
    project = sub.add_parser("project", help="party-building projects (党建项目)")
    actions = project.add_subparsers(dest="action", required=True)
    call = actions.add_parser("call", help="open a yearly call and announce it")
    call.add_argument("--unit", required=True, help="unit code of the call's scope (e.g. the department)")
    call.add_argument("--year", required=True, type=int)
    call.add_argument("--kind", default="party_building", help="the project kind (default party_building)")
    call.add_argument("--blocks", help="work blocks, comma-separated names (default: all of the kind's)")
    call.add_argument("--max", type=int, help="projects a unit may apply for (default: the kind's most)")
    call.add_argument("--deadline", type=_day, help="YYYY-MM-DD, the last day for plans (default: the kind's)")
    call.add_argument("--topic", action="append", default=[], help="a reference topic (repeatable)")
    reopen = actions.add_parser("reopen", help="let one unit submit plans after the deadline")
    reopen.add_argument("--call", required=True, type=int)
    reopen.add_argument("--unit", required=True, help="unit code")
    reopen.add_argument("--until", required=True, type=_day)
    review = actions.add_parser("review", help="put the endorsed plans of a call under the panel's review")
    review.add_argument("--call", required=True, type=int)
    listing = actions.add_parser("list", help="the projects and their status")
    listing.add_argument("--call", type=int)


async def run(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    now = SystemClock().now()
    today = workdays.local_date(now, ZoneInfo(settings.timezone))
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            if args.action == "list":
                rows = await calls.project_rows(session, args.call)
                print(renderer.render("cli_projects_list.txt.j2", rows=rows))
                return 0
            if args.action == "review":
                call = await session.get(ProjectCall, args.call)
                if call is None:
                    raise calls.CallError("unknown_call", call_id=args.call)
                scope = await units.by_id(session, call.unit_id)
                opened = await lifecycle.open_review(session, call=call, actor=calls.shell_actor(scope), at=now,
                                                     update_id=None)  # fmt: skip
                print(renderer.render("cli_project_done.txt.j2", what="review", call=call, count=len(opened)))
                return 0
            unit = await units.by_code(session, args.unit)
            if unit is None:
                return _fail(renderer, "cli_unit_unknown.txt.j2", code=args.unit)
            if args.action == "reopen":
                row = await calls.reopen(session, actor=None, call_id=args.call, unit=unit, until=args.until,
                                         today=today, at=now)  # fmt: skip
                print(renderer.render("cli_project_done.txt.j2", what="reopen", unit=unit, until_on=row.deadline))
                return 0
            blocks = [b.strip() for b in args.blocks.split(",") if b.strip()] if args.blocks else None
            opened = await calls.open_call(session, actor=None, kind_id=args.kind, unit=unit, year=args.year,
                                           blocks=blocks, max_per_unit=args.max, deadline=args.deadline,
                                           topics=args.topic, today=today, at=now)  # fmt: skip
            print(renderer.render("cli_project_done.txt.j2", what="call", call=opened.call, unit=unit,
                                  count=opened.announced))  # fmt: skip
            return 0
    except calls.CallError as error:
        kind = kinds.shipped().get(getattr(args, "kind", ""))
        return _fail(renderer, "cli_project_error.txt.j2", code=error.code, values=error.values,
                     per_unit=kind.per_unit if kind else None)  # fmt: skip
    finally:
        await engine.dispose()


def _fail(renderer: Renderer, template: str, **values: object) -> int:
    print(renderer.render(template, **values), file=sys.stderr)
    return EXIT_BAD_INPUT
