"""``zhibu campaign add|status`` and ``zhibu broadcast``: an admin's deadlines and notices from the shell.

What they write goes into the database; the running bot's dispatcher sends it.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from zoneinfo import ZoneInfo

from bot.settings import Settings
from domain import reminders
from domain.kernel.clock import SystemClock
from domain.org import units
from storage import database, migrate
from templates import Renderer

EXIT_BAD_INPUT = 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    campaign = sub.add_parser("campaign", help="campaign deadlines (填报任务)")
    actions = campaign.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a deadline for every branch under a unit")
    add.add_argument("--name", required=True)
    add.add_argument("--form", help="the form a branch submits (e.g. standardisation); any form when omitted")
    add.add_argument("--unit", required=True, help="unit code of the scope")
    add.add_argument("--deadline", required=True, type=_day, help="YYYY-MM-DD, the last day")
    add.add_argument("--opens", type=_day, help="YYYY-MM-DD (default: now)")
    status = actions.add_parser("status", help="who has submitted and who has not")
    status.add_argument("id", type=int)
    cast = sub.add_parser("broadcast", help="a notice to everyone under a unit (sent even in quiet hours)")
    cast.add_argument("--unit", required=True, help="unit code")
    cast.add_argument("--text", required=True)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


async def run(args: argparse.Namespace, settings: Settings, renderer: Renderer) -> int:
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    now, tz = SystemClock().now(), ZoneInfo(settings.timezone)
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            if args.command == "campaign" and args.action == "status":
                result = await reminders.campaign_status(session, campaign_id=args.id)
                print(renderer.render("cli_campaign_status.txt.j2", status=result))
                return 0
            unit = await units.by_code(session, args.unit)
            if unit is None:
                return _fail(renderer, "cli_unit_unknown.txt.j2", code=args.unit)
            if args.command == "broadcast":
                count = await reminders.broadcast(session, unit_id=unit.id, text=args.text, actor_id=None, now=now)
                print(renderer.render("cli_broadcast_queued.txt.j2", count=count, unit=unit))
                return 0
            campaign = await reminders.add_campaign(session, name=args.name, form_id=args.form, unit_id=unit.id,
                                                    deadline=args.deadline, opens_on=args.opens, tz=tz, actor_id=None,
                                                    now=now)  # fmt: skip
            print(renderer.render("cli_campaign_added.txt.j2", campaign=campaign, unit=unit))
            return 0
    except reminders.CampaignError as exc:
        return _fail(renderer, "cli_campaign_error.txt.j2", code=exc.code)
    finally:
        await engine.dispose()


def _fail(renderer: Renderer, template: str, **values: object) -> int:
    print(renderer.render(template, **values), file=sys.stderr)
    return EXIT_BAD_INPUT
