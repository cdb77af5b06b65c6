"""official holiday arrangements loaded by an admin (放假, 调休上班) for years the calendar package lacks

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 16:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.models.core

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("working", sa.Boolean(), nullable=False),
        sa.Column("loaded_by", sa.Integer(), nullable=True),
        sa.Column("loaded_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loaded_by"], ["people.id"], name=op.f("fk_calendar_days_loaded_by_people")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_days_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_days_year"))
    op.drop_table("calendar_days")
