"""SQLAlchemy models.

Glossary: unit 单位/党组织 (组织部, 党委, 党工委, 党总支, 党支部); person 人员; role assignment
角色分配; invite 邀请; audit log 审计日志 (台账 rests on it).
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime()}


class UnitType(enum.StrEnum):
    department = "department"  # 组织部
    town_committee = "town_committee"  # 镇党委 / 街道党工委
    direct_committee = "direct_committee"  # 直属党委 / 县直工委
    general_branch = "general_branch"  # 党总支
    branch = "branch"  # 党支部


class UnitDomain(enum.StrEnum):
    rural = "rural"  # 农村
    community = "community"  # 社区
    government = "government"  # 机关
    soe = "soe"  # 国企
    school = "school"  # 学校
    private_enterprise = "private_enterprise"  # 非公企业
    social_org = "social_org"  # 社会组织
    public_institution = "public_institution"  # 事业单位


class Role(enum.StrEnum):
    admin = "admin"  # 组织部管理员
    committee = "committee"  # 党委/党工委 reviewer
    secretary = "secretary"  # 支部书记
    inspector = "inspector"  # 巡察 / 考评组
    panel = "panel"  # 考评验收组成员: scores project plans and acceptance (domain.projects)


def enum_column(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a plain string column (no native enum types to migrate)."""
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Unit(Base):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    type: Mapped[UnitType] = mapped_column(enum_column(UnitType))
    domain: Mapped[UnitDomain | None] = mapped_column(enum_column(UnitDomain))
    founded: Mapped[date | None] = mapped_column(Date)
    # Materialised path "/1/5/23/" so a subtree is one indexed prefix query.
    path: Mapped[str] = mapped_column(String(1000), index=True)

    parent: Mapped[Unit | None] = relationship(remote_side=[id], lazy="raise")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]
    # Set when Telegram answers "blocked by the user"; cleared when they write to the bot again.
    unreachable_since: Mapped[datetime | None]


LIVE_ROLE = text("revoked_at IS NULL")


class RoleAssignment(Base):
    """A role held on a unit. A withdrawn role (收回) stays as history with when, by whom and why;
    only live rows (``revoked_at`` empty, see ``live``) grant anything, and a person holds a role on a
    unit at most once at a time."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        Index("uq_role_assignments_live", "person_id", "role", "unit_id", unique=True,
              sqlite_where=LIVE_ROLE, postgresql_where=LIVE_ROLE),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: from the command line
    reason: Mapped[str | None] = mapped_column(Text)

    @classmethod
    def live(cls) -> ColumnElement[bool]:
        """The condition every query of roles that grant something must carry."""
        return cls.revoked_at.is_(None)

    unit: Mapped[Unit] = relationship(lazy="raise")


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Only the SHA-256 of the token is kept: a leaked database does not leak usable invites.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Chat(Base):
    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(255))
    # Language chosen with /lang before the person joined (known people keep it on Person).
    locale: Mapped[str | None] = mapped_column(String(8))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    bound_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    bound_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    update_id: Mapped[int | None] = mapped_column(BigInteger)


class ProcessedUpdate(Base):
    """An update id whose effect is committed: a re-delivery changes nothing."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(index=True)  # the sweep forgets ids older than a day


class HeldUpdate(Base):
    """An update the webhook acknowledged before it was handled, kept until it is (a crash loses nothing).

    Telegram sends an update again only when the webhook does not answer 200; a slow update is
    answered at once so the next ones are not held up, and this row stands in for the re-delivery.
    ``held_until`` is the lease of the process handling it; past it, any process takes it over.
    """

    __tablename__ = "held_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[dict[str, Any]]
    held_until: Mapped[datetime]


class Lease(Base):
    """A duty only one process performs at a time (e.g. sending the outbox), held until ``expires_at``."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class Setting(Base):
    """Small key/value facts the bot learns at run time (e.g. its username for invite links)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class CalendarDay(Base):
    """A day of a year's official holiday arrangement an admin loaded: a day off (放假) or a make-up
    working day (调休上班). A year with any row is arranged; other days follow Monday–Friday."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    working: Mapped[bool]
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    loaded_at: Mapped[datetime]
