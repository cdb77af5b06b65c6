"""one open form per chat; a revision to save form progress by compare and set

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00

Before the index, a chat could end up with two open forms (two updates handled at once); the bot
always took the newest, so the older ones are closed here as they were in effect abandoned.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("form_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE form_sessions SET closed_at = updated_at WHERE closed_at IS NULL AND id NOT IN "
        "(SELECT max(id) FROM form_sessions WHERE closed_at IS NULL GROUP BY chat_id)"
    )
    op.create_index("uq_form_sessions_open_chat", "form_sessions", ["chat_id"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL"))  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_form_sessions_open_chat", table_name="form_sessions")
    with op.batch_alter_table("form_sessions", schema=None) as batch_op:
        batch_op.drop_column("revision")
