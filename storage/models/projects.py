"""Party-building projects (党建项目) and what they produce.

Glossary: project call 申报通知 (a yearly call: its work blocks 工作板块, how many projects a unit may
apply for, the plan deadline); call extension 单独延期 (the call reopened for one unit); project 项目
(its plan 实施方案 as answered, its status in the workflow of ``domain.projects.workflow``); quality node
质量节点 (a sub-item 子项 with an owner, a due date and what counts as done); panel score 评分 (one
panel member's scores on one stage: selection 竞标评审, or an acceptance stage 前期/中期/后期验收);
stage result 阶段结论 (an acceptance conclusion computed from the scores); project report 项目汇报
(quarterly 季度汇报, mid-year check 年中检查, implementation report 实施报告, rectification 整改情况).
"""

from __future__ import annotations

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
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.core import Base


class ProjectCall(Base):
    __tablename__ = "project_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # a project kind's id (domain/projects/kinds/)
    year: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the call's scope
    title: Mapped[str] = mapped_column(String(200))
    blocks: Mapped[list[Any]] = mapped_column(JSON)
    max_per_unit: Mapped[int] = mapped_column(Integer)
    plan_deadline: Mapped[date] = mapped_column(Date)  # the last day plans are taken (local time)
    topics: Mapped[list[Any]] = mapped_column(JSON)
    review_opened_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class CallExtension(Base):
    """The call reopened for one unit until a later day (the admin's exception to the deadline)."""

    __tablename__ = "project_call_extensions"
    __table_args__ = (UniqueConstraint("call_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_calls.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    deadline: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_call_unit", "call_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("project_calls.id"))
    kind: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the implementing unit
    status: Mapped[str] = mapped_column(String(32), index=True)  # domain.projects.workflow.Status
    title: Mapped[str] = mapped_column(String(200))
    block: Mapped[str] = mapped_column(String(40))
    responsible: Mapped[str] = mapped_column(String(100))  # 项目责任人
    budget_yuan: Mapped[int] = mapped_column(BigInteger)  # 投资概算, whole yuan
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    plan: Mapped[dict[str, Any]]  # the plan's answers as filled
    drafted_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    submitted_at: Mapped[datetime]
    endorsed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reasons: Mapped[str | None] = mapped_column(Text)  # the latest return or decision reasons
    launched_on: Mapped[date | None] = mapped_column(Date)  # 领题: quarterly reports count from its quarter
    stage: Mapped[str | None] = mapped_column(String(16))  # the acceptance stage next to conclude
    acceptance_round: Mapped[int] = mapped_column(Integer, default=1)  # 2 after rectification: the re-check
    reward_grade: Mapped[str | None] = mapped_column(String(16))
    reward_reason: Mapped[str | None] = mapped_column(Text)
    accountability_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ProjectNode(Base):
    """A quality node (质量节点): a sub-item of the plan, checked at every quarterly report."""

    __tablename__ = "project_nodes"
    __table_args__ = (Index("ix_project_nodes_due", "due_on", "percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    done_when: Mapped[str] = mapped_column(Text)
    percent: Mapped[int] = mapped_column(Integer, default=0)
    done_on: Mapped[date | None] = mapped_column(Date)


class PanelScore(Base):
    """One panel member's scores on one project at one stage (and round: a re-check is round 2)."""

    __tablename__ = "project_scores"
    __table_args__ = (UniqueConstraint("project_id", "stage", "round", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # selection | early | mid | final
    round: Mapped[int] = mapped_column(Integer, default=1)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    scores: Mapped[dict[str, Any]]  # criterion → points, as given
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime]


class StageResult(Base):
    """A conclusion computed from the panel's scores (an acceptance stage passed or not)."""

    __tablename__ = "project_stage_results"
    __table_args__ = (UniqueConstraint("project_id", "stage", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    round: Mapped[int] = mapped_column(Integer, default=1)
    passed: Mapped[bool]
    result: Mapped[dict[str, Any]]  # the computed figures, as shown when it was concluded
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime]


class ProjectReport(Base):
    """A report on a project: quarterly, mid-year check, implementation report or rectification."""

    __tablename__ = "project_reports"
    __table_args__ = (UniqueConstraint("project_id", "kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # quarterly | midyear | implementation | rectification
    period: Mapped[str] = mapped_column(String(32))  # 2026Q2, 2026:p7 (a member's mid-year check), …
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    answers: Mapped[dict[str, Any]]
    reported_at: Mapped[datetime]
