"""Persistence: tables, engine, migrations, the repository and the unit of work.

The only package that imports SQLAlchemy (and, in ``migrate``, Alembic, lazily).
"""

from __future__ import annotations

from sqlalchemy.engine import URL

from rewind.errors import DatabaseNotFoundError
from rewind.storage.engine import (
    build_engine,
    display_url,
    is_in_memory,
    lock_timeout,
    parse_database_url,
    sqlite_database_path,
)
from rewind.storage.migrate import upgrade_to_head
from rewind.storage.repository import (
    BlobHeader,
    CheckpointQuery,
    IndexUpdate,
    NewBlob,
    WorkspaceHead,
    WorkspaceRecord,
)
from rewind.storage.unit_of_work import SqlStore, Store, UnitOfWork

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "IndexUpdate",
    "NewBlob",
    "SqlStore",
    "Store",
    "UnitOfWork",
    "WorkspaceHead",
    "WorkspaceRecord",
    "open_store",
]


def open_store(url: str, *, create: bool = True) -> SqlStore:
    """Open the store at ``url`` with its schema upgraded to the newest revision.

    Args:
        url: A database URL.
        create: Whether to create the database (a SQLite file) and rewind's tables when
            they do not exist yet; if False, a missing store raises and nothing is created.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseNotFoundError: ``create`` is False and no rewind store exists there.
        DatabaseUnavailableError: The database cannot be reached or opened.
        SchemaVersionError: The database belongs to a newer rewind, or is not rewind's.
    """
    parsed = parse_database_url(url)
    if not create:
        _require_existing_file(parsed)
    engine = build_engine(parsed)
    try:
        upgrade_to_head(engine, create=create)
    except BaseException:
        engine.dispose()
        raise
    memory = is_in_memory(parsed)
    return SqlStore(engine, single_connection_timeout=lock_timeout(parsed) if memory else None)


def _require_existing_file(url: URL) -> None:
    path = sqlite_database_path(url)
    try:
        missing = is_in_memory(url) or (path is not None and not path.is_file())
    except OSError as exc:  # a path too long, a parent that cannot be read
        raise DatabaseNotFoundError(
            f"no rewind database at {display_url(url)} ({exc.strerror}): nothing was created"
        ) from exc
    if missing:
        raise DatabaseNotFoundError(
            f"no rewind database at {display_url(url)}: nothing was created"
        )
