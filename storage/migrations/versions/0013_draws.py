"""random draws of branches to inspect (随机抽查), with their seeds

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.models.core

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draws",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawn_by", sa.Integer(), nullable=False),
        sa.Column("drawn_at", storage.models.core.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seed", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("only_passed", sa.Boolean(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["drawn_by"], ["people.id"], name=op.f("fk_draws_drawn_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draws")),
    )
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draws_drawn_by"), ["drawn_by"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draws", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draws_drawn_by"))
    op.drop_table("draws")
