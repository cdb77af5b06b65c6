"""Alembic environment: runs on a connection handed in by storage.migrate (sync or async engine)."""

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # the `alembic` command line, for writing new revisions
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///zhibu-dev.sqlite3"
    with create_engine(url).connect() as conn:
        _run(conn)
        conn.commit()
