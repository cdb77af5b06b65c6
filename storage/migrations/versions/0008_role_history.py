"""withdrawn roles kept as history

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 10:00:00

A role is withdrawn (收回) by stamping it, not by deleting it: ``revoked_at``, ``revoked_by`` and
``reason``. The unique (person, role, unit) becomes unique among live rows only, so a role withdrawn
once can be given again and both rows are kept.
"""

import sqlalchemy as sa
from alembic import op

import storage.models

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_role_assignments_revoked_by_people"), "people",
                                    ["revoked_by"], ["id"])  # fmt: skip
        batch_op.drop_constraint("uq_role_assignments_person_id", type_="unique")
        batch_op.create_index("uq_role_assignments_live", ["person_id", "role", "unit_id"], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)  # fmt: skip


def downgrade() -> None:
    op.execute("DELETE FROM role_assignments WHERE revoked_at IS NOT NULL")
    with op.batch_alter_table("role_assignments", schema=None) as batch_op:
        batch_op.drop_index("uq_role_assignments_live")
        batch_op.create_unique_constraint("uq_role_assignments_person_id", ["person_id", "role", "unit_id"])
        batch_op.drop_constraint(batch_op.f("fk_role_assignments_revoked_by_people"), type_="foreignkey")
        batch_op.drop_column("reason")
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
