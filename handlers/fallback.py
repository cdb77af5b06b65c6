"""What the bot says to anything no other handler took."""

from __future__ import annotations

from handlers.work import Work, unit_of_work


@unit_of_work
async def unknown_message(work: Work) -> None:
    """Point a private message the bot does not understand to /help."""
    work.reply("unknown_message.html.j2", known=work.actor.known)


@unit_of_work
async def stale_button(work: Work) -> None:
    """Answer a button that names nothing current (old, or forged)."""
    work.answer("stale", alert=True)
