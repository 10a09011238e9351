"""The one boundary where database-library exceptions become rewind errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from rewind.errors import (
    DatabaseUnavailableError,
    DiskFullError,
    LockTimeoutError,
    ReadOnlyStoreError,
    StorageOperationError,
)

__all__ = ["read_only_store", "translate_errors", "translated"]

_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)
_SQLITE_FULL = 13
_SQLITE_READONLY = 8
_POSTGRES_LOCK_TIMEOUT = {"55P03"}  # lock_not_available
_POSTGRES_DISK_FULL = {"53100"}  # disk_full
_POSTGRES_READ_ONLY = {"25006"}  # read_only_sql_transaction (a standby, a read-only user)


@contextmanager
def translate_errors(database: str) -> Iterator[None]:
    """Re-raise any SQLAlchemy error from the block as a ``StorageError``, chained.

    Args:
        database: The database URL with its password hidden, named in the message.

    Raises:
        LockTimeoutError: Another writer held a lock longer than the lock timeout.
        DiskFullError: The database's disk is full.
        ReadOnlyStoreError: The database refused to be written.
        DatabaseUnavailableError: The database could not be reached or opened.
        StorageOperationError: Any other database failure.
    """
    try:
        yield
    except sa_exc.SQLAlchemyError as exc:
        raise translated(exc, database) from exc


def translated(exc: sa_exc.SQLAlchemyError, database: str) -> Exception:
    """Return the rewind error that stands for a SQLAlchemy error on ``database``."""
    original = getattr(exc, "orig", None)
    code = getattr(original, "sqlite_errorcode", None)
    state = getattr(original, "sqlstate", None)
    if (isinstance(code, int) and code & 0xFF in _SQLITE_BUSY) or state in _POSTGRES_LOCK_TIMEOUT:
        return LockTimeoutError(
            f"database {database} is locked by another writer and stayed locked past the "
            f"lock timeout (add ?lock_timeout=SECONDS to the URL to wait longer): {original}"
        )
    if (isinstance(code, int) and code & 0xFF == _SQLITE_FULL) or state in _POSTGRES_DISK_FULL:
        return DiskFullError(f"the disk of database {database} is full: {original}")
    if (isinstance(code, int) and code & 0xFF == _SQLITE_READONLY) or state in _POSTGRES_READ_ONLY:
        return read_only_store(database, str(original))
    if isinstance(exc, sa_exc.OperationalError):
        return DatabaseUnavailableError(f"database {database} is unavailable: {original}")
    return StorageOperationError(f"database operation on {database} failed: {original or exc}")


def read_only_store(database: str, why: str) -> ReadOnlyStoreError:
    """Return the error of a write that the read-only store ``database`` cannot take."""
    return ReadOnlyStoreError(
        f"database {database} is read-only ({why}): rewind can list, show, diff, verify, "
        "count and restore_into from it, but cannot store, roll back or prune (nor dry-run a "
        "prune, which rehearses in a transaction it undoes); open it with write access"
    )
