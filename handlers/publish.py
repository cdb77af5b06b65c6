"""An admin publishes a new checklist version by sending the file (YAML or XLSX) to the bot.

The file is hostile until checked. It is fetched and checked in ``prepare``, before the unit of work
opens: the download is a Bot API call (none is made inside a transaction), bounded by the bytes
actually read (``MAX_BYTES``, whatever size Telegram states or leaves out); the check is CPU work,
bounded in ``domain.forms.bounds`` and run in a worker thread so the event loop keeps answering
everyone else. The unit of work then re-checks who sent it and publishes, or reports the first
problems in one message.
"""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from telegram import Update
from telegram.error import BadRequest

from domain.filling import sessions as filling
from domain.forms import FormDefinitionError
from domain.org import people
from domain.standardisation import checklists
from handlers.deps import ZhibuContext
from handlers.work import Work, unit_of_work

SUFFIXES = (".yaml", ".yml", ".xlsx", ".xlsm")
MAX_BYTES = checklists.MAX_FILE_BYTES
# One file checked at a time: the bounds hold per file, and two admins at once cannot double them.
_checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checklist-check")


@dataclass(frozen=True)
class Prepared:
    """A checklist file as fetched and checked before the unit of work."""

    checked: checklists.Checked | None = None
    refused: FormDefinitionError | None = None
    too_big: bool = False


def _is_checklist(update: Update) -> bool:
    document = update.effective_message.document if update.effective_message else None
    return document is not None and (document.file_name or "").lower().endswith(SUFFIXES)


async def prepare(update: Update, context: ZhibuContext) -> Prepared | None:
    """Fetch and check an admin's checklist file, outside any transaction; None for anything else.

    Who sent it and whether a form is open are read in a short read-only session first, so nobody
    else's file is downloaded; the unit of work checks both again.
    """
    if not _is_checklist(update) or update.effective_user is None:
        return None
    async with context.deps.sessions() as session:
        actor = await people.actor_for(session, update.effective_user.id)
        form = await filling.open_form(session, update.effective_chat.id)
    if not checklists.may_publish(actor) or form is not None:
        return None
    document = update.effective_message.document
    if (document.file_size or 0) > MAX_BYTES:
        return Prepared(too_big=True)
    try:
        telegram_file = await document.get_file()
        if (telegram_file.file_size or 0) > MAX_BYTES:
            return Prepared(too_big=True)
        data = await telegram_file.download_as_bytearray()  # the request stops reading past its limit
    except BadRequest as error:  # our transport's limit, or the Bot API's own (20 MB)
        if "too big" in str(error).lower():
            return Prepared(too_big=True)
        raise
    if len(data) > MAX_BYTES:  # whatever transport read it
        return Prepared(too_big=True)
    check = functools.partial(checklists.check, bytes(data), document.file_name)
    try:
        return Prepared(checked=await asyncio.get_running_loop().run_in_executor(_checker, check))
    except FormDefinitionError as error:
        return Prepared(refused=error)


async def maybe_publish(work: Work, prepared: Prepared | None) -> bool:
    """If this is an admin's checklist file, publish what ``prepare`` checked; False when it is not one."""
    if not _is_checklist(work.update):
        return False
    if not checklists.may_publish(work.actor):
        work.reply("not_allowed.html.j2")
        return True
    file_name = work.update.effective_message.document.file_name
    if prepared is None:  # made an admin, or a form closed, since prepare looked: not fetched
        work.reply("error.html.j2")
        return True
    if prepared.too_big:
        work.reply("publish_too_big.html.j2", max_mb=MAX_BYTES // (1024 * 1024))
        return True
    try:
        if prepared.refused is not None:
            raise prepared.refused
        defn = await checklists.publish(work.session, checked=prepared.checked, actor_id=work.actor.person_id,
                                        at=work.now)  # fmt: skip
    except FormDefinitionError as error:
        work.reply("publish_errors.html.j2", file_name=file_name, report=checklists.report(error))
        return True
    work.reply("publish_done.html.j2", defn=defn, fields=len(defn.fields))
    return True


@unit_of_work
async def publish_help(work: Work) -> None:
    """Explain how to publish a checklist version."""
    if not checklists.may_publish(work.actor):
        work.reply("not_allowed.html.j2")
        return
    work.reply("publish_help.html.j2")
