"""Persistence: tables, engine, migrations, the repository and the unit of work.

The only package that imports SQLAlchemy (and, in ``migrate``, Alembic, lazily).
"""

from __future__ import annotations

from dataclasses import dataclass

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
from rewind.storage.migrate import current_revision, head_revision, upgrade_to_head
from rewind.storage.repository import (
    BlobHeader,
    CheckpointQuery,
    CheckpointSummary,
    IndexUpdate,
    NewBlob,
    StoredChange,
    WorkspaceHead,
    WorkspaceRecord,
)
from rewind.storage.unit_of_work import SqlStore, Store, UnitOfWork

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "CheckpointSummary",
    "IndexUpdate",
    "NewBlob",
    "SchemaStatus",
    "SqlStore",
    "Store",
    "StoredChange",
    "UnitOfWork",
    "WorkspaceHead",
    "WorkspaceRecord",
    "open_store",
    "schema_status",
    "upgrade_schema",
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


@dataclass(frozen=True)
class SchemaStatus:
    """Which schema revision a database holds, beside the newest one rewind ships.

    Attributes:
        database: The database's URL, password hidden.
        revision: The database's revision; None when it holds no rewind store.
        head: The newest revision this version of rewind ships.
    """

    database: str
    revision: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        """Whether the database holds a store at the newest revision."""
        return self.revision == self.head


def schema_status(url: str) -> SchemaStatus:
    """Read the schema revision of the store at ``url``, creating and upgrading nothing.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseUnavailableError: The database cannot be reached or opened.
        StorageError: The database failed.
    """
    parsed = parse_database_url(url)
    try:
        _require_existing_file(parsed)
    except DatabaseNotFoundError:
        return SchemaStatus(display_url(parsed), None, head_revision())
    engine = build_engine(parsed)
    try:
        return SchemaStatus(display_url(parsed), current_revision(engine), head_revision())
    finally:
        engine.dispose()


def upgrade_schema(url: str) -> tuple[str | None, SchemaStatus]:
    """Create the store at ``url`` or upgrade its schema to the newest revision.

    Returns:
        The revision before (None: there was no store) and the status after.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseUnavailableError: The database cannot be reached or opened.
        SchemaVersionError: The database belongs to a newer rewind, or is not rewind's.
        StorageError: The database failed while upgrading.
    """
    parsed = parse_database_url(url)
    engine = build_engine(parsed)
    try:
        before = current_revision(engine)
        upgrade_to_head(engine, create=True)
        return before, SchemaStatus(display_url(parsed), current_revision(engine), head_revision())
    finally:
        engine.dispose()


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
