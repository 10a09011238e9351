"""What the use cases need from a store, one repository per aggregate, inside a unit of work.

A unit of work hands out four: ``uow.workspaces`` (a workspace's head, rollback mark and
stat index), ``uow.checkpoints`` (checkpoints, their change rows and ancestry),
``uow.blobs`` (the stored contents) and ``uow.queries`` (counts for statistics). None
commits; the unit of work decides. The SQL implementations are ``SqlWorkspaceRepository``
(``storage.workspaces``), ``SqlCheckpointRepository`` (``storage.checkpoints``),
``SqlBlobRepository`` (``storage.blobs``) and ``SqlStoreQueries`` (``storage.queries``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, Protocol

from rewind._manifest import Known, Tree
from rewind.errors import CorruptStoreError
from rewind.models import Checkpoint, DiffEntry, StoreStats
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

__all__ = ["BlobRepository", "CheckpointRepository", "StoreQueries", "WorkspaceRepository"]


class WorkspaceRepository(Protocol):
    """The workspaces: per plan and directory, a head, a rollback mark and a stat index."""

    def lock(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, creating it, locked until the unit of work ends."""

    def find(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead | None:
        """Return the workspace's record without locking or creating it, or None."""

    def lock_in_scope(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[WorkspaceRecord]:
        """Return the workspaces in scope, each locked until the unit of work ends."""

    def records(self) -> list[WorkspaceRecord]:
        """Return every workspace record."""

    def known_directories(self, directories: Sequence[str]) -> set[str]:
        """Return those of ``directories`` that are a workspace's (of any plan)."""

    def index(self, workspace: WorkspaceHead) -> dict[str, Known]:
        """Return the workspace's index rows, by path."""

    def move_head(self, workspace: WorkspaceHead, update: IndexUpdate) -> None:
        """Make ``update.head_id`` the workspace's head, with the index rows of its tree.

        The head is the checkpoint the workspace's next snapshot diffs against.
        """

    def mark_restoring(self, workspace: WorkspaceHead, checkpoint_id: str | None) -> None:
        """Record (or, with None, clear) the rollback the workspace's files are undergoing."""


class CheckpointRepository(Protocol):
    """The checkpoints, their change rows and the ancestry that folds them into trees."""

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""

    def matching(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""

    def add(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint that records no files."""

    def add_snapshot(self, checkpoint: Checkpoint, changes: Sequence[DiffEntry]) -> None:
        """Store a snapshot and its change rows (its contents are already stored)."""

    def manifest(self, checkpoint_id: str) -> Tree:
        """Return the tree recorded by a snapshot, by path."""

    def entries_at(self, lineage: Sequence[str], paths: Collection[str]) -> Tree:
        """Return the entries of ``paths`` in the tree of ``lineage[0]`` (absent ones left out).

        ``lineage`` is that snapshot's ``ancestry``; only the rows of ``paths`` are read.
        """

    def changed_paths(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Return every path the change rows of these checkpoints name."""

    def ancestry(self, checkpoint_id: str) -> list[str]:
        """Return the ids of a checkpoint and its ancestors, nearest first."""

    def summaries(
        self,
        plan_id: str | None = None,
        sandbox_ref: str | None = None,
        *,
        within: DirectoryScope | None = None,
    ) -> list[CheckpointSummary]:
        """Return a summary of every checkpoint in scope, oldest first."""

    def stored_changes(self, checkpoint_ids: Sequence[str]) -> list[StoredChange]:
        """Return the change rows of these checkpoints, each checked."""

    def repoint(
        self, checkpoint_id: str, parent_id: str | None, changes: Sequence[DiffEntry]
    ) -> None:
        """Give a snapshot a new parent and the change rows that lead to it from there."""

    def delete(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Delete checkpoints and their change rows; return the contents those rows used."""

    def ids_starting_with(
        self, prefix: str, *, limit: int, within: DirectoryScope | None = None
    ) -> list[str]:
        """Return at most ``limit`` checkpoint ids that start with ``prefix``, sorted."""

    def ids_with_short_id(
        self, short: str, *, limit: int, within: DirectoryScope | None = None
    ) -> list[str]:
        """Return at most ``limit`` ids whose random part starts with ``short``, sorted."""

    def newest_snapshot_id(self, sandbox_ref: str) -> str | None:
        """Return the id of the newest snapshot of the workspace directory, or None."""

    def newest_labelled(self, label: str, sandbox_ref: str | None = None) -> str | None:
        """Return the id of the newest checkpoint with this label (of this workspace), or None."""

    def ancestors(self, checkpoint_id: str, generations: int) -> list[str]:
        """Return the checkpoint's id and those of its first ``generations`` ancestors."""

    def snapshot_ids(self, *, within: DirectoryScope | None = None) -> list[str]:
        """Return the id of every checkpoint that records files, oldest first."""


class BlobRepository(Protocol):
    """The stored contents: one blob per sha256, in compressed chunks."""

    def add(self, blobs: Iterable[NewBlob]) -> None:
        """Store the blobs not stored yet, and their chunks."""

    def headers(self, content_hashes: Iterable[str]) -> dict[str, BlobHeader]:
        """Return the headers of those blobs that exist."""

    def stream(
        self, content_hashes: Sequence[str] | None = None
    ) -> Iterator[tuple[str, BlobHeader | CorruptStoreError, Iterator[bytes]]]:
        """Yield every blob (or those named) with its header and chunks, in one pass."""

    def chunks(self, content_hash: str, first: int, count: int) -> list[bytes]:
        """Return the compressed chunks ``first`` to ``first + count - 1`` of a blob, in order."""

    def ids(self) -> list[str]:
        """Return the id of every blob, sorted."""

    def delete_unused(self, content_hashes: Iterable[str]) -> tuple[int, int]:
        """Delete those blobs no change row uses; return how many, and their stored bytes."""


class StoreQueries(Protocol):
    """The read side for statistics: counts and sizes across the aggregates."""

    def stats(
        self, plan_id: str | None = None, *, within: DirectoryScope | None = None
    ) -> StoreStats:
        """Count what the store (or one plan, or the workspaces ``within``) holds."""

    def plan_stored_bytes(self, *, within: DirectoryScope | None = None) -> dict[str, int]:
        """Return, per plan, the stored bytes of the contents its change rows use."""

    def change_sizes(
        self, plan_id: str | None = None, *, within: DirectoryScope | None = None
    ) -> Iterator[tuple[str, str, str, Any]]:
        """Yield (checkpoint id, path, change, size) of every change row (of one plan)."""
