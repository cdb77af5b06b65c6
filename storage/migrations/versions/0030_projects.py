"""party-building projects: calls, projects, quality nodes, panel scores, stage results, reports

Revision ID: 0030
Revises: 0014
Create Date: 2026-12-01 23:55:47.430760
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0030"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "project_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("blocks", sa.JSON(), nullable=False),
        sa.Column("max_per_unit", sa.Integer(), nullable=False),
        sa.Column("plan_deadline", sa.Date(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column(
            "review_opened_at", storage.models.core.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_project_calls_created_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_project_calls_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_calls")),
    )
    with op.batch_alter_table("project_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_project_calls_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "project_call_extensions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["project_calls.id"],
            name=op.f("fk_project_call_extensions_call_id_project_calls"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_project_call_extensions_created_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_project_call_extensions_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_call_extensions")),
        sa.UniqueConstraint("call_id", "unit_id", name=op.f("uq_project_call_extensions_call_id")),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("block", sa.String(length=40), nullable=False),
        sa.Column("responsible", sa.String(length=100), nullable=False),
        sa.Column("budget_yuan", sa.BigInteger(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=False),
        sa.Column("drafted_by", sa.Integer(), nullable=False),
        sa.Column("submitted_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("endorsed_by", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.Text(), nullable=True),
        sa.Column("launched_on", sa.Date(), nullable=True),
        sa.Column("stage", sa.String(length=16), nullable=True),
        sa.Column("acceptance_round", sa.Integer(), nullable=False),
        sa.Column("reward_grade", sa.String(length=16), nullable=True),
        sa.Column("reward_reason", sa.Text(), nullable=True),
        sa.Column("accountability_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["project_calls.id"], name=op.f("fk_projects_call_id_project_calls")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["people.id"], name=op.f("fk_projects_decided_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["drafted_by"], ["people.id"], name=op.f("fk_projects_drafted_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["endorsed_by"], ["people.id"], name=op.f("fk_projects_endorsed_by_people")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_projects_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_projects")),
    )
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.create_index("ix_projects_call_unit", ["call_id", "unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_projects_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "project_nodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_when", sa.Text(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_nodes_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_nodes")),
    )
    with op.batch_alter_table("project_nodes", schema=None) as batch_op:
        batch_op.create_index("ix_project_nodes_due", ["due_on", "percent"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_project_nodes_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("reported_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_project_reports_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_reports_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_reports")),
        sa.UniqueConstraint(
            "project_id", "kind", "period", name=op.f("uq_project_reports_project_id")
        ),
    )
    with op.batch_alter_table("project_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_reports_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("scored_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_project_scores_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_project_scores_project_id_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_scores")),
        sa.UniqueConstraint(
            "project_id", "stage", "round", "person_id", name=op.f("uq_project_scores_project_id")
        ),
    )
    with op.batch_alter_table("project_scores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_scores_project_id"), ["project_id"], unique=False
        )

    op.create_table(
        "project_stage_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["people.id"], name=op.f("fk_project_stage_results_decided_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["projects.id"],
            name=op.f("fk_project_stage_results_project_id_projects"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_stage_results")),
        sa.UniqueConstraint(
            "project_id", "stage", "round", name=op.f("uq_project_stage_results_project_id")
        ),
    )
    with op.batch_alter_table("project_stage_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_project_stage_results_project_id"), ["project_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("project_stage_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_stage_results_project_id"))

    op.drop_table("project_stage_results")
    with op.batch_alter_table("project_scores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_scores_project_id"))

    op.drop_table("project_scores")
    with op.batch_alter_table("project_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_reports_project_id"))

    op.drop_table("project_reports")
    with op.batch_alter_table("project_nodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_nodes_project_id"))
        batch_op.drop_index("ix_project_nodes_due")

    op.drop_table("project_nodes")
    with op.batch_alter_table("projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_projects_unit_id"))
        batch_op.drop_index(batch_op.f("ix_projects_status"))
        batch_op.drop_index("ix_projects_call_unit")

    op.drop_table("projects")
    op.drop_table("project_call_extensions")
    with op.batch_alter_table("project_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_project_calls_unit_id"))

    op.drop_table("project_calls")
