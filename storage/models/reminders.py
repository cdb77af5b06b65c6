"""Reminders are rows, not jobs: the outbox, live boards, campaigns and snoozes.

Glossary: outbox 待发消息 (every notice the bot owes someone, keyed so it exists once); live board
实时看板 (one group message edited in place, e.g. the roll call 点名 of a campaign); campaign 填报
任务 (a deadline an admin sets for the branches in a scope, e.g. a self-assessment round or seed
003's nomination list due 7月20日); snooze 稍后提醒.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base, enum_column


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # Telegram refused it for good (a BadRequest, or too many network errors)
    unreachable = "unreachable"  # the recipient blocked the bot
    cancelled = "cancelled"  # superseded (an older version of a live board) or withdrawn


class OutboxMessage(Base):
    """One message the bot owes a chat. ``key`` names (subject, kind, recipient, occasion) once."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_board", "board_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str | None] = mapped_column(String(64))  # e.g. "problem:12", for snoozes
    # The text is rendered when sent, in the recipient's language at that moment.
    template: Mapped[str] = mapped_column(String(64))
    values: Mapped[dict[str, Any]] = mapped_column(JSON)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)  # rows of {"label": key, "data": …}
    not_before: Mapped[datetime]
    bypass_quiet: Mapped[bool] = mapped_column(Boolean, default=False)  # explicit admin broadcasts only
    snoozable: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    board_key: Mapped[str | None] = mapped_column(String(200))  # set: edit that board's message


class LiveBoard(Base):
    """A group message kept current by editing it (已提交 12/30 …) instead of posting again."""

    __tablename__ = "live_boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    digest: Mapped[str | None] = mapped_column(String(64))  # of the last values queued
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Campaign(Base):
    """A deadline for every branch in a scope: "has submitted" is a Submission of ``form_id`` in the window."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    form_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    opens_at: Mapped[datetime]
    deadline: Mapped[date] = mapped_column(Date)  # the last local day
    closes_at: Mapped[datetime]  # the end of the deadline day, local time
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Snooze(Base):
    """Someone put off a reminder: occasions of (subject, kind) for them wait until ``until``."""

    __tablename__ = "snoozes"
    __table_args__ = (Index("ix_snoozes_person", "person_id", "until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    subject: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(48))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    until: Mapped[datetime]
    created_at: Mapped[datetime]
