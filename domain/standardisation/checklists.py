"""Which version of a form is in force: the shipped one, or the latest an admin published (发布清单).

A submission keeps the (form id, version) it was filled against, and any version can be read back.
A file is checked (``check``: bounded, parsed, validated) before the transaction that publishes it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.forms import (
    SHIPPED_FORMS,
    DefinitionIssue,
    FormDefinition,
    FormDefinitionError,
    LocalText,
    bounds,
    load_form_xlsx,
    load_form_yaml,
    shipped_form,
)
from domain.kernel import audit
from domain.org import permissions
from domain.org.people import Actor
from domain.org.permissions import Action
from storage.models import PublishedForm

_parsed: dict[tuple[str, str, int], FormDefinition] = {}  # parsed published versions, by row id
_versions: dict[tuple[str, str], FormDefinition] = {}  # a published version never changes: read it once


async def current(session: AsyncSession, form_id: str) -> FormDefinition:
    """The version new fillings use: the newest published, else the shipped one."""
    row = await session.scalar(
        select(PublishedForm).where(PublishedForm.form_id == form_id).order_by(PublishedForm.id.desc()).limit(1)
    )
    return _load(row) if row else shipped_form(form_id)


async def version(session: AsyncSession, form_id: str, version: str) -> FormDefinition:
    """Exactly ``version`` of ``form_id`` (published or shipped); KeyError when there is none."""
    if (form_id, version) in _versions:
        return _versions[(form_id, version)]
    row = await session.scalar(
        select(PublishedForm).where(PublishedForm.form_id == form_id, PublishedForm.version == version)
    )
    if row:
        found = _load(row)
    else:
        found = shipped_form(form_id)
        if found.version != version:
            raise KeyError(f"{form_id} version {version}")
    _versions[(form_id, version)] = found
    return found


@dataclass(frozen=True)
class Checked:
    """A checklist file read and checked: what ``publish`` stores. Reading it is CPU work on a hostile
    file, so callers run ``check`` before any transaction opens and off the event loop."""

    definition: FormDefinition
    source: dict


@dataclass(frozen=True)
class Report:
    """The first issues of a refused file (enough to fix it, and one message long) and how many more."""

    issues: tuple[DefinitionIssue, ...]
    total: int

    @property
    def not_listed(self) -> int:
        return self.total - len(self.issues)


MAX_FILE_BYTES = bounds.MAX_FILE_BYTES


def may_publish(actor: Actor) -> bool:
    """Whether the actor may publish checklist versions (admins: the permissions table)."""
    return permissions.may_somewhere(actor, Action.publish_checklist)


def check(data: bytes, filename: str) -> Checked:
    """Read and check a checklist file (YAML or XLSX), bounded in size and shape; FormDefinitionError
    lists every problem."""
    bounds.check_file_size(len(data), "file")
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm"))
    if is_xlsx:
        defn = load_form_xlsx(data)
        source = {"format": "xlsx", "source": base64.b64encode(data).decode()}
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormDefinitionError([_issue("bad_file", "文件不是 UTF-8 文本", "the file is not UTF-8 text")]) from None
        defn = load_form_yaml(text)
        source = {"format": "yaml", "source": text}
    if defn.id not in SHIPPED_FORMS:
        known = "、".join(SHIPPED_FORMS)
        raise FormDefinitionError([_issue("unknown_form", f"未知表单“{bounds.quoted(defn.id)}”（可用：{known}）",
                                          f"unknown form {bounds.quoted(defn.id)!r} (known: {', '.join(SHIPPED_FORMS)})")])  # fmt: skip
    return Checked(defn, source)


def report(error: FormDefinitionError) -> Report:
    return Report(error.issues[: bounds.REPORTED_ISSUES], len(error.issues))


async def publish(session: AsyncSession, *, checked: Checked, actor_id: int | None, at: datetime) -> FormDefinition:
    """Publish a checked checklist as a new version; FormDefinitionError when that version exists."""
    defn, source = checked.definition, checked.source
    taken = await session.scalar(
        select(PublishedForm.id).where(PublishedForm.form_id == defn.id, PublishedForm.version == defn.version)
    )
    if taken or shipped_form(defn.id).version == defn.version:
        raise FormDefinitionError([_issue("version_exists", f"版本 {bounds.quoted(defn.version)} 已存在，请提高版本号",
                                          f"version {bounds.quoted(defn.version)} exists already; raise the version")])  # fmt: skip
    row = PublishedForm(form_id=defn.id, version=defn.version, source_format=source["format"], definition=source,
                        published_by=actor_id, published_at=at)  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(session, at=at, actor_id=actor_id, action="form.published", subject_type="form",
                       subject_id=f"{defn.id}@{defn.version}", after={"fields": len(defn.fields)})  # fmt: skip
    return defn


def _load(row: PublishedForm) -> FormDefinition:
    key = (row.form_id, row.version, row.id)
    if key not in _parsed:
        source = row.definition
        if source["format"] == "xlsx":
            _parsed[key] = load_form_xlsx(base64.b64decode(source["source"]))
        else:
            _parsed[key] = load_form_yaml(source["source"])
    return _parsed[key]


def _issue(code: str, zh: str, en: str) -> DefinitionIssue:
    return DefinitionIssue(code=code, sheet="settings", row=None, column="form_id", message=LocalText(zh, en))
