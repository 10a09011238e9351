"""The one boundary where database-library exceptions become rewind errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import exc as sa_exc

from rewind.errors import DatabaseUnavailableError, StorageOperationError

__all__ = ["translate_errors"]


@contextmanager
def translate_errors(database: str) -> Iterator[None]:
    """Re-raise any SQLAlchemy error from the block as a ``StorageError``, chained.

    Args:
        database: The database URL with its password hidden, named in the message.

    Raises:
        DatabaseUnavailableError: The database could not be reached or was locked.
        StorageOperationError: Any other database failure.
    """
    try:
        yield
    except sa_exc.OperationalError as exc:
        raise DatabaseUnavailableError(f"database {database} is unavailable: {exc.orig}") from exc
    except sa_exc.SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise StorageOperationError(f"database operation on {database} failed: {detail}") from exc
