"""Forms and what they produce.

Glossary: form session 填报进度 (durable progress of one person through one form); submission 提交
(a self-assessment 自评 or other finished form, with the form version it was filled against);
item review 逐项审核 (the committee's confirmation or override 组织考评); problem item 问题清单事项
(a failing item to rectify 整改 and close 销号); activity record 组织生活记录 (三会一课, 主题党日);
published form 发布的清单版本.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text

from storage.models.core import Base, Unit, enum_column


class PublishedForm(Base):
    """A checklist version an admin published; shipped versions live in the code."""

    __tablename__ = "published_forms"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    source_format: Mapped[str] = mapped_column(String(8))  # yaml | xlsx
    definition: Mapped[dict[str, Any]]  # the loaded definition as JSON, so old versions stay readable
    published_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime]


class FormSession(Base):
    """Where one person is in one form; written with every accepted answer."""

    __tablename__ = "form_sessions"
    __table_args__ = (
        Index("ix_form_sessions_open", "chat_id", "closed_at"),
        # One open form per chat, whatever two processes do at once.
        Index("uq_form_sessions_open_chat", "chat_id", unique=True, sqlite_where=text("closed_at IS NULL"),
              postgresql_where=text("closed_at IS NULL")),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    purpose: Mapped[str] = mapped_column(String(32))  # assessment | activity | …
    subject_type: Mapped[str | None] = mapped_column(String(32))  # what subject_id names, e.g. "submission"
    subject_id: Mapped[int | None] = mapped_column(Integer)  # e.g. the submission being evaluated
    state: Mapped[dict[str, Any]]
    # What the rules read about the unit and its records (type, committee above, facts such as
    # monthly activity), taken when the form began: the form is filled against those, as a
    # submission keeps the checklist version it was filled against.
    context: Mapped[dict[str, Any] | None]
    # Bumped with every accepted input; buttons carry it, so a button from an earlier prompt is stale.
    step: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped with every write (also by an album's photos, which leave the buttons as they were):
    # progress is saved only over the revision it was worked out from (compare and set).
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The message that shows the current prompt, so album photos can update its count in place.
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]

    # Every step needs the unit (rules read its type, domain, founding date): load it with the form.
    unit: Mapped[Unit] = relationship(lazy="joined", innerjoin=True)


class SubmissionStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    passed = "passed"


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (Index("ix_submissions_unit_form", "unit_id", "form_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[SubmissionStatus] = mapped_column(enum_column(SubmissionStatus), index=True)
    answers: Mapped[dict[str, Any]]
    score: Mapped[dict[str, Any] | None]
    round: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    reasons: Mapped[str | None] = mapped_column(Text)


class ItemReview(Base):
    """The reviewer's verdict on one checklist item of a submission (confirm or override)."""

    __tablename__ = "item_reviews"
    __table_args__ = (UniqueConstraint("submission_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    passed: Mapped[bool]
    overridden: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    reviewed_at: Mapped[datetime]


class ProblemStatus(enum.StrEnum):
    """Where a problem-list item is in its rectification (整改); the transitions are domain.problems.lifecycle's."""

    open = "open"  # 待整改: raised, not yet acknowledged by the branch
    acknowledged = "acknowledged"  # 整改中: the branch set out its measures (措施) and a date
    extension_requested = "extension_requested"  # 申请延期: waiting for the verifier's decision
    submitted = "submitted"  # 待验收: evidence submitted for verification
    returned = "returned"  # 退回重改: the verifier found the rectification insufficient
    closed = "closed"  # 已销号
    reopened = "reopened"  # 反弹: a revisit (回头看) found the problem again


class Severity(enum.StrEnum):
    general = "general"  # 一般
    serious = "serious"  # 较重
    grave = "grave"  # 严重


class ProblemItem(Base):
    """An item on a branch's problem list (问题清单), with the date it must be rectified by."""

    __tablename__ = "problem_items"
    __table_args__ = (Index("ix_problem_items_due", "status", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(32))  # submission | inspection | revisit
    source_id: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(64))
    clause: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ProblemStatus] = mapped_column(enum_column(ProblemStatus))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    closed_at: Mapped[datetime | None]
    severity: Mapped[Severity] = mapped_column(enum_column(Severity), default=Severity.general)
    # Bumped by every transition; buttons carry it, so a button shown before a change is stale.
    version: Mapped[int] = mapped_column(Integer, default=0)
    plan: Mapped[str | None] = mapped_column(Text)  # 整改措施
    planned_on: Mapped[date | None] = mapped_column(Date)
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    description: Mapped[str | None] = mapped_column(Text)  # what was done, with the evidence
    # Telegram file ids with type, size and caption: [{"type": "photo", "file_id": …, "size": …, "caption": …}]
    evidence: Mapped[list[Any] | None] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime | None]
    extension_until: Mapped[date | None] = mapped_column(Date)  # the date asked for
    extension_reason: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # the last verdict's
    verified_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    regressions: Mapped[int] = mapped_column(Integer, default=0)  # times reopened as 反弹
    revisit_on: Mapped[date | None] = mapped_column(Date)  # 回头看 due after closing
    revisit_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    revisited_at: Mapped[datetime | None]


class ActivityRecord(Base):
    """One meeting of organisational life: 支部党员大会, 支委会, 党小组会, 党课 or 主题党日."""

    __tablename__ = "activity_records"
    __table_args__ = (Index("ix_activity_unit_held", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(String(32))
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(500))
    attended: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]]
    recorded_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    recorded_at: Mapped[datetime]


class InspectionKind(enum.StrEnum):
    regular = "regular"  # 定期检查
    random = "random"  # 不定期抽查
    covert = "covert"  # 明察暗访: nobody is told until it is submitted
    revisit = "revisit"  # 回头看


class Inspection(Base):
    """A spot check on site (现场检查) of one branch by an inspector; its findings once submitted."""

    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_unit", "unit_id", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[InspectionKind] = mapped_column(enum_column(InspectionKind))
    started_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    # Closed items to look at again (回头看), fixed when it starts so its form stays the same.
    targets: Mapped[list[Any] | None] = mapped_column(JSON)
    draw_id: Mapped[int | None] = mapped_column(Integer)  # the random draw (随机抽查) that chose the branch
    location: Mapped[dict[str, Any] | None]  # {"lat": …, "lon": …}
    # One per item looked at: item, category, clause, outcome (pass | fail | unseen), method (听/查/看/评),
    # severity, note, photos, inflated (自评虚高), problem (the item raised or reopened).
    findings: Mapped[list[Any] | None] = mapped_column(JSON)
    inflated: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text)


class Draw(Base):
    """A random draw (随机抽查) of branches to inspect, kept so that anyone with its seed can repeat it."""

    __tablename__ = "draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    drawn_by: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    drawn_at: Mapped[datetime]
    seed: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    only_passed: Mapped[bool]  # only branches whose self-assessment passed (达标) this year
    year: Mapped[int] = mapped_column(Integer)
    candidates: Mapped[list[Any]] = mapped_column(JSON)  # unit codes, sorted: the list drawn from
    chosen: Mapped[list[Any]] = mapped_column(JSON)  # unit codes, in the order drawn
