"""The one boundary where database-library exceptions become rewind errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from rewind.errors import (
    DatabaseUnavailableError,
    DiskFullError,
    LockTimeoutError,
    StorageOperationError,
)

__all__ = ["translate_errors"]

_SQLITE_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (extended codes keep them in the low byte)
_SQLITE_FULL = 13
_POSTGRES_LOCK_TIMEOUT = {"55P03"}  # lock_not_available
_POSTGRES_DISK_FULL = {"53100"}  # disk_full


@contextmanager
def translate_errors(database: str) -> Iterator[None]:
    """Re-raise any SQLAlchemy error from the block as a ``StorageError``, chained.

    Args:
        database: The database URL with its password hidden, named in the message.

    Raises:
        LockTimeoutError: Another writer held a lock longer than the lock timeout.
        DiskFullError: The database's disk is full.
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
    if isinstance(exc, sa_exc.OperationalError):
        return DatabaseUnavailableError(f"database {database} is unavailable: {original}")
    return StorageOperationError(f"database operation on {database} failed: {original or exc}")
