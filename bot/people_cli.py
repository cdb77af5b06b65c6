"""``zhibu people list|withdraw|handover``: a unit's people, withdrawing a role, handing a branch over (换届).

The same domain calls as /people in the chat, with the shell as the (trusted) actor; each change is
one transaction with its audit rows. Messages to the people concerned go through the outbox and are
sent by the running bot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable

from bot.settings import Settings
from domain.kernel.clock import SystemClock
from domain.org import invites, units
from domain.staffing import handover
from storage import database, migrate
from templates import Renderer

EXIT_BAD_INPUT = 2


def add_parsers(sub: argparse._SubParsersAction) -> None:
    cmd = sub.add_parser("people", help="a unit's people: list, withdraw a role, hand a branch over (换届)")
    actions = cmd.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the roles held in a unit and its sub-units, with their numbers")
    listing.add_argument("--unit", required=True, help="unit code")
    listing.add_argument("--withdrawn", action="store_true", help="also the roles withdrawn before (history)")
    withdraw = actions.add_parser("withdraw", help="withdraw a role (its number from `people list`)")
    withdraw.add_argument("--id", required=True, type=int, help="the role's number, e.g. 12 for #12")
    withdraw.add_argument("--reason", required=True, help="why (kept with the role and in the audit log)")
    hand = actions.add_parser("handover", help="hand a branch to a new secretary; the old ones lose the role")
    hand.add_argument("--unit", required=True, help="the branch's code")
    whom = hand.add_mutually_exclusive_group(required=True)
    whom.add_argument("--to", type=int, metavar="PERSON_ID", help="an existing person (number from `people list`)")
    whom.add_argument("--invite", action="store_true", help="create an invite link for the new secretary")
    hand.add_argument("--name", help="the new secretary's name (with --invite)")
    hand.add_argument("--expires", type=int, default=invites.DEFAULT_DAYS, help="days the invite stays valid")
    hand.add_argument("--reason", default=handover.HANDOVER_REASON, help="default: 换届")


async def run(args: argparse.Namespace, settings: Settings, renderer: Renderer,
              bot_username: Callable[[object], Awaitable[str | None]]) -> int:  # fmt: skip
    """Run one ``people`` action; ``bot_username(session)`` names the bot for invite links."""
    if args.action == "withdraw" and not args.reason.strip():
        return _fail(renderer, "cli_people_error.txt.j2", problem="reason")
    if args.action == "handover" and not 1 <= args.expires <= invites.MAX_DAYS:
        return _fail(renderer, "cli_invite_days.txt.j2", max_days=invites.MAX_DAYS)
    engine = database.create_engine(settings.database_url)
    await migrate.upgrade(engine)
    now = SystemClock().now()
    try:
        async with database.sessionmaker(engine)() as session, session.begin():
            if args.action == "withdraw":
                done = await handover.withdraw(session, actor=None, assignment_id=args.id, reason=args.reason, at=now)
                output = ("cli_people_withdrawn.txt.j2", {"withdrawn": done})
            else:
                unit = await units.by_code(session, args.unit)
                if unit is None:
                    return _fail(renderer, "cli_unit_unknown.txt.j2", code=args.unit)
                if args.action == "list":
                    holdings = await handover.people_of(session, unit, subtree=True, withdrawn=args.withdrawn)
                    output = ("cli_people_list.txt.j2", {"unit": unit, "holdings": holdings})
                else:
                    username = await bot_username(session) if args.invite else None
                    if args.invite and username is None:
                        return _fail(renderer, "cli_username_unknown.txt.j2")
                    result = await handover.hand_over(session, actor=None, unit=unit, to_person_id=args.to,
                                                      invite_name=args.name, invite_days=args.expires,
                                                      reason=args.reason, at=now)  # fmt: skip
                    link = f"https://t.me/{username}?start={result.invite.token}" if result.invite else None
                    output = ("cli_people_handed_over.txt.j2", {"result": result, "link": link})
        print(renderer.render(output[0], **output[1]))  # once committed
        return 0
    except handover.Stale:
        return _fail(renderer, "cli_people_error.txt.j2", problem="stale")
    except handover.NotAllowed:
        return _fail(renderer, "cli_people_error.txt.j2", problem="not_branch")
    finally:
        await engine.dispose()


def _fail(renderer: Renderer, template: str, **values: object) -> int:
    print(renderer.render(template, **values), file=sys.stderr)
    return EXIT_BAD_INPUT
