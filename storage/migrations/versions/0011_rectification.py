"""problem items follow the rectification lifecycle (整改 → 验收 → 销号, 延期, 反弹)

Existing rows keep their status (open and closed are states of the new lifecycle), are of severity
一般 and version 0, and a closed one counts as verified when it was closed.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import storage.models.core

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

WHEN = storage.models.core.UTCDateTime(timezone=True)
PEOPLE = ("acknowledged_by", "submitted_by", "verified_by", "revisit_by")


def upgrade() -> None:
    with op.batch_alter_table("problem_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("severity", sa.Enum("general", "serious", "grave", name="severity",
                                                          native_enum=False, length=32),
                                      nullable=False, server_default="general"))  # fmt: skip
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("plan", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("planned_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("submitted_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("submitted_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("extension_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("extension_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("verified_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verified_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("return_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("regressions", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("revisit_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("revisit_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revisited_at", WHEN, nullable=True))
        for column in PEOPLE:
            batch_op.create_foreign_key(op.f(f"fk_problem_items_{column}_people"), "people", [column], ["id"])
    op.execute("UPDATE problem_items SET verified_at = closed_at WHERE status = 'closed'")


def downgrade() -> None:
    op.execute("UPDATE problem_items SET status = 'open' WHERE status NOT IN ('open', 'closed')")
    with op.batch_alter_table("problem_items", schema=None) as batch_op:
        for column in PEOPLE:
            batch_op.drop_constraint(op.f(f"fk_problem_items_{column}_people"), type_="foreignkey")
        for column in ("revisited_at", "revisit_by", "revisit_on", "regressions", "return_reason", "verified_at",
                       "verified_by", "extension_reason", "extension_until", "submitted_at", "submitted_by",
                       "evidence", "description", "acknowledged_by", "planned_on", "plan", "version", "severity"):  # fmt: skip
            batch_op.drop_column(column)
