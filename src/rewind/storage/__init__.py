"""Persistence: tables, engine, migrations, the repositories and the unit of work.

The only package that imports SQLAlchemy (and, in ``migrate``, Alembic, lazily).
"""

from __future__ import annotations

from sqlalchemy.engine import URL, Engine

from rewind.errors import DatabaseNotFoundError, ReadOnlyStoreError, SchemaVersionError
from rewind.models import SchemaStatus, SchemaUpgrade
from rewind.storage.engine import (
    build_engine,
    display_url,
    is_in_memory,
    is_read_only,
    lock_timeout,
    parse_database_url,
    sqlite_database_path,
)
from rewind.storage.migrate import current_revision, head_revision, is_at_head, upgrade_to_head
from rewind.storage.records import (
    BlobHeader,
    CheckpointQuery,
    CheckpointSummary,
    DirectoryScope,
    IndexUpdate,
    NewBlob,
    StoredChange,
    WorkspaceHead,
    WorkspaceRecord,
)
from rewind.storage.repositories import (
    BlobRepository,
    CheckpointRepository,
    StoreQueries,
    WorkspaceRepository,
)
from rewind.storage.unit_of_work import SqlStore, Store, UnitOfWork

__all__ = [
    "BlobHeader",
    "BlobRepository",
    "CheckpointQuery",
    "CheckpointRepository",
    "CheckpointSummary",
    "DirectoryScope",
    "IndexUpdate",
    "NewBlob",
    "SqlStore",
    "Store",
    "StoreQueries",
    "StoredChange",
    "UnitOfWork",
    "WorkspaceHead",
    "WorkspaceRecord",
    "WorkspaceRepository",
    "open_store",
    "schema_status",
    "upgrade_schema",
]


def open_store(url: str, *, create: bool = True) -> SqlStore:
    """Open the store at ``url`` with its schema upgraded to the newest revision.

    A SQLite file rewind may only read (``?mode=ro``, its permissions, a read-only mount)
    is opened read-only: nothing is created or upgraded, and writing raises
    ``ReadOnlyStoreError``.

    Args:
        url: A database URL.
        create: Whether to create the database (a SQLite file) and rewind's tables when
            they do not exist yet; if False, a missing store raises and nothing is created.

    Raises:
        DatabaseURLError: ``url`` is malformed or unsupported.
        DatabaseNotFoundError: ``create`` is False (or the file is read-only) and no rewind
            store exists there.
        DatabaseUnavailableError: The database cannot be reached or opened.
        InsecureFileError: A file of the user's store (or of a store in a ``.rewind``) is a
            symlink or another user's, or a new store's file is a dangling symlink.
        SchemaVersionError: The database belongs to a newer rewind, or is not rewind's, or
            is read-only at an older revision.
        ReadOnlyStoreError: The database refuses the writes an upgrade needs.
    """
    parsed = parse_database_url(url)
    read_only = is_read_only(parsed)
    if not create or read_only:
        _require_existing_file(parsed)
    engine = build_engine(parsed)
    try:
        if read_only:
            _require_head(engine)
        else:
            upgrade_to_head(engine, create=create)
    except ReadOnlyStoreError as exc:  # a server or role refusing the upgrade's writes
        engine.dispose()
        raise ReadOnlyStoreError(
            f"database {display_url(engine.url)} is read-only and needs a schema upgrade to "
            f"revision {head_revision()!r} before this rewind can use it: open it once with "
            "write access"
        ) from exc
    except BaseException:
        engine.dispose()
        raise
    memory = is_in_memory(parsed)
    return SqlStore(
        engine,
        single_connection_timeout=lock_timeout(parsed) if memory else None,
        read_only=read_only,
    )


def _require_head(engine: Engine) -> None:
    """Check that a store opened read-only needs no upgrade (it cannot take one)."""
    if is_at_head(engine):
        return
    revision, head = current_revision(engine), head_revision()
    if revision is None:
        raise DatabaseNotFoundError(
            f"database {display_url(engine.url)} holds no rewind store, and it is read-only"
        )
    if revision != head:
        raise SchemaVersionError(
            f"database {display_url(engine.url)} is read-only at schema revision {revision!r}, "
            f"not {head!r}, this rewind's: open it once with write access to upgrade it (or, "
            "if a newer rewind wrote it, upgrade rewind)"
        )


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
        return _status(parsed, None)
    engine = build_engine(parsed)
    try:
        return _status(parsed, current_revision(engine))
    finally:
        engine.dispose()


def upgrade_schema(url: str) -> SchemaUpgrade:
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
        after = _status(parsed, current_revision(engine))
        return SchemaUpgrade(previous_revision=before, status=after)
    finally:
        engine.dispose()


def _status(url: URL, revision: str | None) -> SchemaStatus:
    return SchemaStatus(database=display_url(url), revision=revision, head=head_revision())


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
