"""What each role can do: the commands shown in /help and in Telegram's command menu.

Only names here; their descriptions are text and live in templates/strings.py.
"""

from __future__ import annotations

from domain.org.people import Actor
from storage.models import Role

EVERYONE = ("start", "help", "lang")
BY_ROLE: dict[Role, tuple[str, ...]] = {
    Role.admin: ("review", "problems", "verify", "ledger", "invite", "units", "people", "publish", "holidays", "status",
                 "call", "calls", "projects", "matrix", "todo"),
    Role.committee: ("review", "problems", "verify", "ledger", "invite", "units", "plan", "projects", "matrix", "todo"),
    Role.secretary: ("selfcheck", "demo", "activity", "problems", "cancel", "plan", "projects", "todo"),
    Role.inspector: ("inspect", "draw", "problems", "verify", "ledger", "projects"),
    Role.panel: ("todo", "projects", "matrix", "cancel"),
}
GROUP = ("bind", "unbind", "help")


def private_commands(actor: Actor) -> list[str]:
    """The commands this actor may use in a private chat, in menu order, without repeats."""
    names: list[str] = []
    for role in actor.roles:
        names += [c for c in BY_ROLE[role] if c not in names]
    return [*EVERYONE, *names] if actor.known else ["start", "help", "lang"]


def everyday_starts(actor: Actor) -> list[str]:
    """The forms offered as buttons under the greeting: a branch secretary's everyday work."""
    return ["self", "act"] if actor.has(Role.secretary) else []
