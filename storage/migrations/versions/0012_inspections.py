"""spot checks on site (现场检查) and their findings

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 12:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.models.core

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("inspector_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("regular", "random", "covert", "revisit", name="inspectionkind", native_enum=False,
                                  length=32), nullable=False),  # fmt: skip
        sa.Column("started_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", storage.models.core.UTCDateTime(timezone=True), nullable=True),
        sa.Column("targets", sa.JSON(), nullable=True),
        sa.Column("draw_id", sa.Integer(), nullable=True),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("inflated", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["inspector_id"], ["people.id"], name=op.f("fk_inspections_inspector_id_people")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_inspections_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index("ix_inspections_unit", ["unit_id", "submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspections_inspector_id"), ["inspector_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspections_inspector_id"))
        batch_op.drop_index("ix_inspections_unit")
    op.drop_table("inspections")
