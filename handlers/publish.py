"""An admin publishes a new checklist version by sending the file (YAML or XLSX) to the bot."""

from __future__ import annotations

from domain.forms import FormDefinitionError
from domain.standardisation import checklists
from handlers.work import Work, unit_of_work
from storage.models import Role

SUFFIXES = (".yaml", ".yml", ".xlsx", ".xlsm")
MAX_BYTES = 2 * 1024 * 1024


async def maybe_publish(work: Work) -> bool:
    """If this is an admin's checklist file, check and publish it; False when it is not one."""
    document = work.update.effective_message.document
    if document is None or not (document.file_name or "").lower().endswith(SUFFIXES):
        return False
    if not work.actor.has(Role.admin):
        work.reply("not_allowed.html.j2")
        return True
    if (document.file_size or 0) > MAX_BYTES:
        work.reply("publish_too_big.html.j2", max_mb=MAX_BYTES // (1024 * 1024))
        return True
    telegram_file = await document.get_file()
    data = bytes(await telegram_file.download_as_bytearray())
    try:
        defn = await checklists.publish(work.session, data=data, filename=document.file_name,
                                        actor_id=work.actor.person_id, at=work.now)  # fmt: skip
    except FormDefinitionError as error:
        work.reply("publish_errors.html.j2", file_name=document.file_name, issues=error.issues)
        return True
    work.reply("publish_done.html.j2", defn=defn, fields=len(defn.fields))
    return True


@unit_of_work
async def publish_help(work: Work) -> None:
    """Explain how to publish a checklist version."""
    if not work.actor.has(Role.admin):
        work.reply("not_allowed.html.j2")
        return
    work.reply("publish_help.html.j2")
