"""Persistence: tables, engine, migrations, the repository and the unit of work.

The only package that imports SQLAlchemy (and, in ``migrate``, Alembic).
"""

from __future__ import annotations

from rewind.storage.engine import build_engine, parse_database_url
from rewind.storage.migrate import upgrade_to_head
from rewind.storage.repository import BlobHeader, CheckpointQuery, NewBlob, WorkspaceHead
from rewind.storage.unit_of_work import SqlStore, Store, UnitOfWork

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "NewBlob",
    "SqlStore",
    "Store",
    "UnitOfWork",
    "WorkspaceHead",
    "open_store",
]


def open_store(url: str) -> SqlStore:
    """Open the store at ``url`` with its schema upgraded to the newest revision.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseUnavailableError: The database cannot be reached or opened.
        SchemaVersionError: The database belongs to a newer rewind, or is not rewind's.
    """
    engine = build_engine(parse_database_url(url))
    try:
        upgrade_to_head(engine)
    except BaseException:
        engine.dispose()
        raise
    return SqlStore(engine)
