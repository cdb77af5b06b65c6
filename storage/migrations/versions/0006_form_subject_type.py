"""a form session names its subject by type and id

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:59:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_type", sa.String(length=32), nullable=True))
    op.execute("UPDATE form_sessions SET subject_type = 'submission' WHERE purpose = 'evaluation'")


def downgrade() -> None:
    with op.batch_alter_table("form_sessions", schema=None) as batch_op:
        batch_op.drop_column("subject_type")
