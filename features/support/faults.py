"""Test doubles that inject failures into a real store (the database is never mocked)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from rewind.models import Checkpoint, StoreStats
from rewind.storage import (
    BlobRepository,
    CheckpointRepository,
    Store,
    StoreQueries,
    UnitOfWork,
    WorkspaceRepository,
)

NOBODY = 65534


class InjectedFailure(RuntimeError):
    """The failure a scenario asked for: stands for a crash or a lost connection."""


class FailBeforeCommit:
    """A unit of work that writes for real and then fails instead of committing.

    It records what its transaction held just before failing, so a scenario can prove the
    failure came after the writes.
    """

    def __init__(self, inner: UnitOfWork, seen: list[StoreStats]) -> None:
        self._inner = inner
        self._seen = seen

    def __enter__(self) -> FailBeforeCommit:
        self._inner.__enter__()
        self.workspaces: WorkspaceRepository = self._inner.workspaces
        self.checkpoints: CheckpointRepository = self._inner.checkpoints
        self.blobs: BlobRepository = self._inner.blobs
        self.queries: StoreQueries = self._inner.queries
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._inner.__exit__(exc_type, exc, traceback)

    def commit(self) -> None:
        self._seen.append(self.queries.stats())
        raise InjectedFailure("injected failure right before commit")


class StoreFailingBeforeCommit:
    """A real store whose writing units of work fail right before they commit."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.seen_before_failure: list[StoreStats] = []
        self.database = inner.database
        self.database_path = inner.database_path

    def reading(self) -> UnitOfWork:
        return self._inner.reading()

    def writing(self) -> UnitOfWork:
        return FailBeforeCommit(self._inner.writing(), self.seen_before_failure)

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        raise InjectedFailure("injected failure right before commit")

    def close(self) -> None:
        self._inner.close()


@contextmanager
def unprivileged(directory: Path) -> Iterator[None]:
    """Run the block as user ``nobody`` when running as root (root may write anywhere).

    Every directory below ``directory`` that its owner may write becomes writable for that
    user, and so does the SQLite store; files keep their modes, and a directory made
    read-only or unreadable by the scenario stays so.
    """
    if os.geteuid() != 0:
        yield
        return
    for item in [directory, *directory.rglob("*")]:
        if item.is_symlink():
            continue
        in_store = item.relative_to(directory).parts[:1] == ("store",)
        if in_store or (item.is_dir() and item.stat().st_mode & 0o200):
            item.chmod(0o777)
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
