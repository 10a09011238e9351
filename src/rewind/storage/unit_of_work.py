"""Units of work: one database transaction per use case, rolled back unless committed.

``SqlStore`` owns the engine and hands out units of work; a unit of work owns one session and
one transaction, and is the boundary where SQLAlchemy errors become rewind errors.
"""

from __future__ import annotations

import os
import threading
from types import TracebackType
from typing import Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from rewind.errors import LockTimeoutError
from rewind.models import Checkpoint
from rewind.storage.blobs import SqlBlobRepository
from rewind.storage.checkpoints import SqlCheckpointRepository, insert_checkpoint
from rewind.storage.engine import WRITE_OPTION, display_url, sqlite_database_path
from rewind.storage.errors import read_only_store, translate_errors
from rewind.storage.queries import SqlStoreQueries
from rewind.storage.repositories import (
    BlobRepository,
    CheckpointRepository,
    StoreQueries,
    WorkspaceRepository,
)
from rewind.storage.workspaces import SqlWorkspaceRepository

__all__ = ["SqlStore", "SqlUnitOfWork", "Store", "UnitOfWork"]


class UnitOfWork(Protocol):
    """One transaction over the four repositories; ``commit()`` once or it rolls back."""

    workspaces: WorkspaceRepository
    checkpoints: CheckpointRepository
    blobs: BlobRepository
    queries: StoreQueries

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None:
        """Make everything written in this unit of work durable, at once."""


class Store(Protocol):
    """A checkpoint store: hands out units of work for reading or for writing."""

    @property
    def database(self) -> str:
        """The store's URL with its password hidden."""

    @property
    def database_path(self) -> str | None:
        """The real path of the database file (never tracked in a workspace), or None."""

    def reading(self) -> UnitOfWork:
        """Return a unit of work that only reads."""

    def writing(self) -> UnitOfWork:
        """Return a unit of work that writes (SQLite: takes the write lock at its start).

        Raises:
            ReadOnlyStoreError: The store was opened read-only.
        """

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint that holds no files, in a transaction of its own.

        Raises:
            ReadOnlyStoreError: The store was opened read-only.
            StorageError: The database failed; nothing was stored.
        """

    def close(self) -> None:
        """Release every connection."""


class SqlUnitOfWork:
    """A unit of work on one SQLAlchemy session; never commits on its own.

    ``turn`` is the store's lock when its one connection must be used by one unit of work at
    a time (an in-memory SQLite database): it is held from entry to exit.
    """

    workspaces: WorkspaceRepository
    checkpoints: CheckpointRepository
    blobs: BlobRepository
    queries: StoreQueries

    def __init__(
        self, session_factory: sessionmaker[Session], database: str, turn: _Turn | None = None
    ) -> None:
        self._session_factory = session_factory
        self._database = database
        self._committed = False
        self._turn = turn

    def __enter__(self) -> SqlUnitOfWork:
        if self._turn is not None:
            self._turn.take(self._database)
        try:
            with translate_errors(self._database):
                self._session = self._session_factory()
                self._session.begin()
        except BaseException:
            if self._turn is not None:
                self._turn.give_back()
            raise
        self.workspaces = SqlWorkspaceRepository(self._session)
        self.checkpoints = SqlCheckpointRepository(self._session)
        self.blobs = SqlBlobRepository(self._session)
        self.queries = SqlStoreQueries(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            with translate_errors(self._database):
                try:
                    if not self._committed:
                        self._session.rollback()
                finally:
                    self._session.close()
                if isinstance(exc, SQLAlchemyError):
                    raise exc  # translated on its way out, with the original chained
        finally:
            if self._turn is not None:
                self._turn.give_back()

    def commit(self) -> None:
        """Commit the transaction."""
        with translate_errors(self._database):
            self._session.commit()
        self._committed = True


class _Turn:
    """A lock taken for a whole unit of work, waiting at most the lock timeout."""

    def __init__(self, timeout: float) -> None:
        self._lock = threading.Lock()
        self._timeout = timeout

    def take(self, database: str) -> None:
        if not self._lock.acquire(timeout=self._timeout):
            raise LockTimeoutError(
                f"database {database} was in use by another thread past the lock timeout "
                f"({self._timeout:g} s)"
            )

    def give_back(self) -> None:
        self._lock.release()


class SqlStore:
    """The SQLAlchemy checkpoint store: an engine and its session factories.

    ``single_connection_timeout`` is set for an in-memory SQLite database, whose one
    connection is shared: units of work then take turns (waiting at most that long), so
    threads sharing the service see every promise a database file keeps.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        single_connection_timeout: float | None = None,
        read_only: bool = False,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        path = sqlite_database_path(engine.url)
        self._database_path = None if path is None else os.path.realpath(path)
        self._turn = None if single_connection_timeout is None else _Turn(single_connection_timeout)
        # A reading unit of work sees one state of the store however many statements it
        # runs (SQLite's read transactions always do), even while a prune commits.
        readers = engine
        if engine.dialect.name == "postgresql":
            readers = engine.execution_options(isolation_level="REPEATABLE READ")
        self._readers = sessionmaker(readers, expire_on_commit=False)
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._writers = sessionmaker(self._write_engine, expire_on_commit=False)

    @property
    def database(self) -> str:
        """The store's URL with its password hidden."""
        return display_url(self._engine.url)

    @property
    def database_path(self) -> str | None:
        """The SQLite database file's real path (symlinks resolved), or None."""
        return self._database_path

    def reading(self) -> SqlUnitOfWork:
        """Return a unit of work that only reads."""
        return SqlUnitOfWork(self._readers, self.database, self._turn)

    def writing(self) -> SqlUnitOfWork:
        """Return a unit of work that writes, holding SQLite's write lock from its start.

        Raises:
            ReadOnlyStoreError: The store was opened read-only.
        """
        if self._read_only:
            raise read_only_store(self.database, "opened read-only")
        return SqlUnitOfWork(self._writers, self.database, self._turn)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint that holds no files, in a transaction of its own.

        One insert needs no session: this is a metadata-only checkpoint, which an orchestrator
        may take at every step, so it costs only a connection's transaction.

        Raises:
            ReadOnlyStoreError: The store was opened read-only.
            StorageError: The database failed; nothing was stored.
        """
        if self._read_only:
            raise read_only_store(self.database, "opened read-only")
        if self._turn is not None:
            self._turn.take(self.database)
        try:
            with translate_errors(self.database), self._write_engine.begin() as connection:
                insert_checkpoint(connection, checkpoint)
        finally:
            if self._turn is not None:
                self._turn.give_back()

    def close(self) -> None:
        """Dispose of the engine's connections."""
        self._engine.dispose()
