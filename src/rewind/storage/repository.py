"""The checkpoint repository: reads and writes checkpoints, changes and blobs in one session.

It never commits: the unit of work that owns the session decides. A manifest is the fold of
the change rows along a checkpoint's ancestors, nearest first, computed by one recursive query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Integer, Select, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rewind.models import Checkpoint, CheckpointType, DiffEntry, ManifestEntry, StoreStats
from rewind.storage.mapping import (
    change_values,
    checkpoint_from_row,
    checkpoint_values,
    manifest_entry,
)
from rewind.storage.tables import BlobChunkRow, BlobRow, ChangeRow, CheckpointRow, WorkspaceRow

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "CheckpointRepository",
    "NewBlob",
    "SqlCheckpointRepository",
    "WorkspaceHead",
]


_BATCH = 500  # ids per IN (...) query, well under every database's parameter limit


@dataclass(frozen=True, slots=True)
class NewBlob:
    """A content to store: its hash, sizes and compressed chunks (read lazily, in order)."""

    content_hash: str
    size: int
    codec: str
    chunk_count: int
    chunks: Iterable[bytes]


@dataclass(frozen=True, slots=True)
class BlobHeader:
    """What the store records about a blob besides its chunks."""

    size: int
    codec: str
    chunk_count: int


@dataclass(frozen=True, slots=True)
class WorkspaceHead:
    """A workspace's record: the checkpoint its next snapshot diffs against."""

    workspace_id: int
    head_id: str | None
    restoring_to: str | None = None


@dataclass(frozen=True, slots=True)
class CheckpointQuery:
    """Filters for listing checkpoints, newest first."""

    plan_id: str | None = None
    decision_id: str | None = None
    checkpoint_type: CheckpointType | None = None
    limit: int | None = None
    before_id: str | None = None


class CheckpointRepository(Protocol):
    """What the service needs from a store, inside one unit of work."""

    def lock_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, locked until the unit of work ends."""

    def manifest(self, checkpoint_id: str) -> dict[str, ManifestEntry]:
        """Return the tree recorded by a snapshot, by path."""

    def add(self, checkpoint: Checkpoint) -> None:
        """Store a checkpoint that records no files."""

    def add_snapshot(
        self,
        checkpoint: Checkpoint,
        changes: Sequence[DiffEntry],
        blobs: Iterable[NewBlob],
        workspace: WorkspaceHead,
    ) -> None:
        """Store a snapshot, its changes and its new contents, and make it the head."""

    def move_head(self, workspace: WorkspaceHead, checkpoint_id: str) -> None:
        """Make ``checkpoint_id`` the checkpoint the workspace's next snapshot diffs against."""

    def mark_restoring(self, workspace: WorkspaceHead, checkpoint_id: str | None) -> None:
        """Record (or, with None, clear) the rollback the workspace's files are undergoing."""

    def blob_headers(self, content_hashes: Iterable[str]) -> dict[str, BlobHeader]:
        """Return the headers of those blobs that exist."""

    def blob_chunks(self, content_hash: str, chunk_count: int) -> Iterator[bytes]:
        """Yield a blob's compressed chunks in order, one query each."""

    def snapshot_ids(self) -> list[str]:
        """Return the id of every checkpoint that records files, oldest first."""

    def blob_ids(self) -> list[str]:
        """Return the id of every blob, sorted."""

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""

    def list(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""

    def stats(self) -> StoreStats:
        """Count what the store holds."""


class SqlCheckpointRepository:
    """``CheckpointRepository`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, creating it, locked until the transaction ends.

        On SQLite the write transaction already holds the database lock; on PostgreSQL the
        row lock serialises the snapshots of this workspace and no other.
        """
        values = {"plan_id": plan_id, "sandbox_ref": sandbox_ref}
        self._session.execute(self._insert_ignoring_duplicates(WorkspaceRow, values))
        row = self._session.execute(
            select(WorkspaceRow.id, WorkspaceRow.head_id, WorkspaceRow.restoring_to)
            .where(WorkspaceRow.plan_id == plan_id, WorkspaceRow.sandbox_ref == sandbox_ref)
            .with_for_update()
        ).one()
        return WorkspaceHead(row.id, row.head_id, row.restoring_to)

    def mark_restoring(self, workspace: WorkspaceHead, checkpoint_id: str | None) -> None:
        """Record (or, with None, clear) the rollback the workspace's files are undergoing."""
        self._session.execute(
            update(WorkspaceRow)
            .where(WorkspaceRow.id == workspace.workspace_id)
            .values(restoring_to=checkpoint_id)
        )

    def manifest(self, checkpoint_id: str) -> dict[str, ManifestEntry]:
        """Return the tree of a snapshot: its changes folded over its ancestors'."""
        start = select(
            CheckpointRow.id.label("id"),
            CheckpointRow.parent_id.label("parent_id"),
            literal(0, Integer).label("depth"),
        ).where(CheckpointRow.id == checkpoint_id)
        ancestors = start.cte("chain", recursive=True)
        chain = ancestors.union_all(
            select(CheckpointRow.id, CheckpointRow.parent_id, ancestors.c.depth + 1).join(
                ancestors, CheckpointRow.id == ancestors.c.parent_id
            )
        )
        ranked = (
            select(
                ChangeRow,
                func.row_number()
                .over(partition_by=ChangeRow.path, order_by=chain.c.depth)
                .label("rank"),
            )
            .join(chain, ChangeRow.checkpoint_id == chain.c.id)
            .subquery()
        )
        rows = self._session.execute(
            select(
                ranked.c.path, ranked.c.kind, ranked.c.content_hash, ranked.c.size, ranked.c.mode
            )
            .where(ranked.c.rank == 1, ranked.c.change != "deleted")
            .order_by(ranked.c.path)
        )
        return {row.path: manifest_entry(*row) for row in rows}

    def add(self, checkpoint: Checkpoint) -> None:
        """Insert the checkpoint's row."""
        self._session.execute(insert(CheckpointRow), [checkpoint_values(checkpoint)])

    def add_snapshot(
        self,
        checkpoint: Checkpoint,
        changes: Sequence[DiffEntry],
        blobs: Iterable[NewBlob],
        workspace: WorkspaceHead,
    ) -> None:
        """Insert new blobs, the checkpoint, its change rows; move the workspace head."""
        for blob in blobs:
            self._add_blob(blob)
        self.add(checkpoint)
        if changes:
            self._session.execute(
                insert(ChangeRow),
                [change_values(checkpoint.checkpoint_id, entry) for entry in changes],
            )
        self.move_head(workspace, checkpoint.checkpoint_id)

    def move_head(self, workspace: WorkspaceHead, checkpoint_id: str) -> None:
        """Make ``checkpoint_id`` the checkpoint the workspace's next snapshot diffs against."""
        self._session.execute(
            update(WorkspaceRow)
            .where(WorkspaceRow.id == workspace.workspace_id)
            .values(head_id=checkpoint_id)
        )

    def blob_headers(self, content_hashes: Iterable[str]) -> dict[str, BlobHeader]:
        """Return the headers of those blobs that exist (queried in batches)."""
        wanted = sorted(set(content_hashes))
        headers: dict[str, BlobHeader] = {}
        for start in range(0, len(wanted), _BATCH):
            rows = self._session.execute(
                select(BlobRow).where(BlobRow.id.in_(wanted[start : start + _BATCH]))
            ).scalars()
            headers.update(
                {row.id: BlobHeader(row.size, row.codec, row.chunk_count) for row in rows}
            )
        return headers

    def blob_chunks(self, content_hash: str, chunk_count: int) -> Iterator[bytes]:
        """Yield a blob's compressed chunks in order; a missing chunk ends the stream early."""
        for seq in range(chunk_count):
            data = self._session.scalar(
                select(BlobChunkRow.data).where(
                    BlobChunkRow.blob_id == content_hash, BlobChunkRow.seq == seq
                )
            )
            if data is None:
                return
            yield data

    def snapshot_ids(self) -> list[str]:
        """Return the id of every checkpoint that records files, oldest first."""
        statement = (
            select(CheckpointRow.id)
            .where(CheckpointRow.tree_hash.is_not(None))
            .order_by(CheckpointRow.id)
        )
        return list(self._session.scalars(statement))

    def blob_ids(self) -> list[str]:
        """Return the id of every blob, sorted."""
        return list(self._session.scalars(select(BlobRow.id).order_by(BlobRow.id)))

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""
        row = self._session.get(CheckpointRow, checkpoint_id)
        return None if row is None else checkpoint_from_row(row)

    def list(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""
        statement = _filtered(select(CheckpointRow), query).order_by(CheckpointRow.id.desc())
        if query.limit is not None:
            statement = statement.limit(query.limit)
        return [checkpoint_from_row(row) for row in self._session.scalars(statement)]

    def stats(self) -> StoreStats:
        """Count checkpoints, changes, blobs and their bytes."""
        session = self._session
        return StoreStats(
            checkpoints=session.scalar(select(func.count()).select_from(CheckpointRow)) or 0,
            changes=session.scalar(select(func.count()).select_from(ChangeRow)) or 0,
            blobs=session.scalar(select(func.count()).select_from(BlobRow)) or 0,
            content_bytes=session.scalar(select(func.coalesce(func.sum(BlobRow.size), 0))) or 0,
            stored_bytes=session.scalar(
                select(func.coalesce(func.sum(func.length(BlobChunkRow.data)), 0))
            )
            or 0,
        )

    def _add_blob(self, blob: NewBlob) -> None:
        values = {
            "id": blob.content_hash,
            "size": blob.size,
            "codec": blob.codec,
            "chunk_count": blob.chunk_count,
        }
        statement = self._insert_ignoring_duplicates(BlobRow, values).returning(BlobRow.id)
        if self._session.execute(statement).scalar_one_or_none() is None:
            return  # stored already, by this or another checkpoint
        for seq, data in enumerate(blob.chunks):
            self._session.execute(
                insert(BlobChunkRow),
                [{"blob_id": blob.content_hash, "seq": seq, "data": data}],
            )

    def _insert_ignoring_duplicates(self, row_class: type[Any], values: dict[str, Any]) -> Any:
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        return dialect.insert(row_class).values(values).on_conflict_do_nothing()


def _filtered(statement: Select[Any], query: CheckpointQuery) -> Select[Any]:
    conditions = [
        column == value
        for column, value in (
            (CheckpointRow.plan_id, query.plan_id),
            (CheckpointRow.decision_id, query.decision_id),
            (CheckpointRow.checkpoint_type, query.checkpoint_type),
        )
        if value is not None
    ]
    if query.before_id is not None:
        conditions.append(CheckpointRow.id < query.before_id)
    return statement.where(*conditions)
