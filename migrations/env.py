"""Alembic environment for rewind's schema.

rewind runs these revisions itself (``CheckpointService.open`` upgrades to head) and hands
over the connection it has locked. For writing a new revision, run Alembic from the repository
root with ``REWIND_DATABASE_URL`` set: ``alembic revision --autogenerate -m "what changed"``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from rewind.storage.engine import build_engine, parse_database_url
from rewind.storage.migrate import VERSION_TABLE
from rewind.storage.tables import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        version_table=VERSION_TABLE,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = build_engine(parse_database_url(os.environ["REWIND_DATABASE_URL"]))
    with engine.connect() as fresh_connection:
        run_migrations(fresh_connection)
        fresh_connection.commit()
