"""The checkpoint repository: reads and writes checkpoints, changes and blobs in one session.

It never commits: the unit of work that owns the session decides. A manifest is the fold of
the change rows along a checkpoint's ancestors, nearest first, computed by one recursive query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, groupby
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, Table, delete, func, insert, select
from sqlalchemy import update as update_statement
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from rewind._ids import id_time
from rewind._manifest import Known, ManifestEntry, StatKey, Tree
from rewind.errors import CorruptStoreError
from rewind.models import ChangeKind, Checkpoint, CheckpointType, DiffEntry, StoreStats
from rewind.storage.mapping import (
    change_kind,
    change_values,
    checkpoint_from_row,
    checkpoint_values,
    manifest_entry,
    stored_path,
)
from rewind.storage.tables import (
    Base,
    BlobChunkRow,
    BlobRow,
    ChangeRow,
    CheckpointRow,
    WorkspaceEntryRow,
    WorkspaceRow,
)

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "CheckpointRepository",
    "CheckpointSummary",
    "IndexUpdate",
    "NewBlob",
    "SqlCheckpointRepository",
    "StoredChange",
    "WorkspaceHead",
    "WorkspaceRecord",
]


_BATCH = 500  # ids per IN (...) query, well under every database's parameter limit


def _table(row_class: type[Base]) -> Table:
    table = row_class.__table__
    assert isinstance(table, Table)
    return table


# Multi-row inserts go to the tables, not through the ORM's bulk insert, which costs far more
# per row than the database does.
_BLOBS_TABLE = _table(BlobRow)
_CHUNKS_TABLE = _table(BlobChunkRow)
_CHANGES_TABLE = _table(ChangeRow)
_CHECKPOINTS_TABLE = _table(CheckpointRow)
_INDEX_TABLE = _table(WorkspaceEntryRow)
_WORKSPACE_COLUMNS = (
    WorkspaceRow.id,
    WorkspaceRow.head_id,
    WorkspaceRow.restoring_to,
    WorkspaceRow.index_head,
    WorkspaceRow.index_version,
    WorkspaceRow.index_origin,
)
_Selected = TypeVar("_Selected", bound="Select[*tuple[Any, ...]]")
_RECORD_COLUMNS = (
    WorkspaceRow.plan_id,
    WorkspaceRow.sandbox_ref,
    WorkspaceRow.head_id,
    WorkspaceRow.restoring_to,
    WorkspaceRow.id,
    WorkspaceRow.index_head,
)
"""A ``WorkspaceRecord``'s columns, in its fields' order."""
_CHUNK_BATCH_BYTES = 16 * 1024 * 1024  # compressed bytes per multi-row chunk insert
_INODE_BITS = 2**63 - 1  # inodes are stored in a signed 64-bit column
_PRUNE_LOCK_KEY = 0x7265_7769_6E64_0001  # "rewind", 1: PostgreSQL's advisory lock for prunes
_INCREMENTAL_VACUUM = 2  # what SQLite's auto_vacuum pragma reads for INCREMENTAL


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
    """A workspace's record: the checkpoint its next snapshot diffs against, and its index.

    ``index_head`` is the checkpoint whose tree the index rows hold; ``index_version`` rises
    with every change of the head or the index; ``index_origin`` is the machine whose file
    status the rows record.
    """

    workspace_id: int
    head_id: str | None
    restoring_to: str | None = None
    index_head: str | None = None
    index_version: int = 0
    index_origin: str | None = None


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """The index rows to write after a snapshot or a rollback, and what they now describe.

    ``version`` becomes the workspace's ``index_version`` (the caller holds its lock).

    ``entries`` are written (replacing the rows of their paths) with their proving status, or
    None; ``removed`` paths lose their rows; with ``complete`` every other row goes too.
    """

    head_id: str
    origin: str
    version: int
    entries: Sequence[tuple[ManifestEntry, StatKey | None]]
    removed: Sequence[str] = ()
    complete: bool = False


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    """A workspace as the store records it, for checking: whose, where, and its marks."""

    plan_id: str
    sandbox_ref: str
    head_id: str | None
    restoring_to: str | None
    workspace_id: int = 0
    index_head: str | None = None


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    """What retention needs to know of a checkpoint: whose it is, its kind, age and parent."""

    checkpoint_id: str
    plan_id: str
    sandbox_ref: str
    checkpoint_type: str
    label: str | None
    parent_id: str | None
    created_at: datetime
    is_snapshot: bool


@dataclass(frozen=True, slots=True)
class StoredChange:
    """One change row as stored: a path's change in a checkpoint, against its parent."""

    checkpoint_id: str
    path: str
    change: ChangeKind
    entry: ManifestEntry | None
    """The path's entry after the change (None for a deletion)."""
    kind: str


@dataclass(frozen=True, slots=True)
class CheckpointQuery:
    """Filters for listing checkpoints, newest first."""

    plan_id: str | None = None
    decision_id: str | None = None
    checkpoint_type: CheckpointType | None = None
    limit: int | None = None
    before_id: str | None = None
    sandbox_ref: str | None = None


class CheckpointRepository(Protocol):
    """What the service needs from a store, inside one unit of work."""

    def lock_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, locked until the unit of work ends."""

    def find_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead | None:
        """Return the workspace's record without locking or creating it, or None."""

    def manifest(self, checkpoint_id: str) -> Tree:
        """Return the tree recorded by a snapshot, by path."""

    def index(self, workspace: WorkspaceHead) -> dict[str, Known]:
        """Return the workspace's index rows, by path."""

    def write_index(self, workspace: WorkspaceHead, update: IndexUpdate) -> None:
        """Write index rows and record which checkpoint's tree they now hold."""

    def ancestry(self, checkpoint_id: str) -> list[str]:
        """Return the ids of a checkpoint and its ancestors, nearest first."""

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

    def stream_blobs(
        self, content_hashes: Sequence[str] | None = None
    ) -> Iterator[tuple[str, BlobHeader | CorruptStoreError, Iterator[bytes]]]:
        """Yield every blob (or those named) with its header and chunks, in one pass."""

    def snapshot_ids(self) -> list[str]:
        """Return the id of every checkpoint that records files, oldest first."""

    def blob_ids(self) -> list[str]:
        """Return the id of every blob, sorted."""

    def workspaces(self) -> list[WorkspaceRecord]:
        """Return every workspace record."""

    def ids_starting_with(self, prefix: str, *, limit: int) -> list[str]:
        """Return at most ``limit`` checkpoint ids that start with ``prefix``, sorted."""

    def plan_stored_bytes(self) -> dict[str, int]:
        """Return, per plan, the stored bytes of the contents its change rows use."""

    def change_sizes(self, plan_id: str | None = None) -> Iterator[tuple[str, str, str, Any]]:
        """Yield (checkpoint id, path, change, size) of every change row (of one plan)."""

    def lock_workspaces(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[WorkspaceRecord]:
        """Return the workspaces in scope, each locked until the unit of work ends."""

    def summaries(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[CheckpointSummary]:
        """Return a summary of every checkpoint in scope, oldest first."""

    def stored_changes(self, checkpoint_ids: Sequence[str]) -> list[StoredChange]:
        """Return the change rows of these checkpoints, each checked."""

    def repoint(
        self, checkpoint_id: str, parent_id: str | None, changes: Sequence[DiffEntry]
    ) -> None:
        """Give a snapshot a new parent and the change rows that lead to it from there."""

    def delete_checkpoints(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Delete checkpoints and their change rows; return the contents those rows used."""

    def delete_unused_blobs(self, content_hashes: Iterable[str]) -> tuple[int, int]:
        """Delete those blobs no change row uses; return how many, and their stored bytes."""

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""

    def list(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""

    def stats(self, plan_id: str | None = None) -> StoreStats:
        """Count what the store (or one plan) holds."""


class SqlCheckpointRepository:
    """``CheckpointRepository`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, creating it, locked until the transaction ends.

        On SQLite the write transaction already holds the database lock; on PostgreSQL the
        row lock serialises the snapshots of this workspace and no other, and a shared lock
        keeps prunes out until the transaction ends (see ``lock_workspaces``).
        """
        self._take_prune_lock(exclusive=False)
        values = {"plan_id": plan_id, "sandbox_ref": sandbox_ref}
        self._session.execute(self._insert_ignoring_duplicates(WorkspaceRow, values))
        row = self._session.execute(
            select(*_WORKSPACE_COLUMNS)
            .where(WorkspaceRow.plan_id == plan_id, WorkspaceRow.sandbox_ref == sandbox_ref)
            .with_for_update()
        ).one()
        return _workspace_head(row)

    def find_workspace(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead | None:
        """Return the workspace's record without locking or creating it, or None."""
        row = self._session.execute(
            select(*_WORKSPACE_COLUMNS).where(
                WorkspaceRow.plan_id == plan_id, WorkspaceRow.sandbox_ref == sandbox_ref
            )
        ).one_or_none()
        return None if row is None else _workspace_head(row)

    def mark_restoring(self, workspace: WorkspaceHead, checkpoint_id: str | None) -> None:
        """Record (or, with None, clear) the rollback the workspace's files are undergoing."""
        self._session.execute(
            update_statement(WorkspaceRow)
            .where(WorkspaceRow.id == workspace.workspace_id)
            .values(restoring_to=checkpoint_id)
        )

    def manifest(self, checkpoint_id: str) -> Tree:
        """Return the tree of a snapshot: its changes folded over its ancestors', nearest first.

        Raises:
            CorruptStoreError: The ancestry has a cycle or a missing checkpoint, or a change
                row holds a value rewind never writes.
        """
        depths = {ancestor: depth for depth, ancestor in enumerate(self.ancestry(checkpoint_id))}
        nearest: dict[str, tuple[int, Any]] = {}
        for row in self._change_rows(list(depths)):
            change_kind(row.checkpoint_id, row.path, row.change)
            depth = depths[row.checkpoint_id]
            seen = nearest.get(row.path)
            if seen is not None and seen[0] == depth:
                raise CorruptStoreError(
                    f"checkpoint {row.checkpoint_id} records {row.path[:300]!r} twice",
                    checkpoint_id=row.checkpoint_id,
                    path=row.path,
                )
            if seen is None or depth < seen[0]:
                nearest[row.path] = (depth, row)
        return {
            path: manifest_entry(
                row.checkpoint_id,
                path,
                kind=row.kind,
                content_hash=row.content_hash,
                size=row.size,
                mode=row.mode,
            )
            for path, (_depth, row) in sorted(nearest.items())
            if row.change != ChangeKind.DELETED.value
        }

    def _change_rows(self, checkpoint_ids: list[str]) -> Iterator[Any]:
        """Yield the change rows of these checkpoints (queried in batches)."""
        for start in range(0, len(checkpoint_ids), _BATCH):
            yield from self._session.execute(
                select(
                    ChangeRow.checkpoint_id,
                    ChangeRow.path,
                    ChangeRow.change,
                    ChangeRow.kind,
                    ChangeRow.content_hash,
                    ChangeRow.size,
                    ChangeRow.mode,
                ).where(ChangeRow.checkpoint_id.in_(checkpoint_ids[start : start + _BATCH]))
            )

    def index(self, workspace: WorkspaceHead) -> dict[str, Known]:
        """Return the workspace's index rows, by path.

        Raises:
            CorruptStoreError: A row holds a value rewind never writes.
        """
        rows = self._session.execute(
            select(
                WorkspaceEntryRow.path,
                WorkspaceEntryRow.kind,
                WorkspaceEntryRow.content_hash,
                WorkspaceEntryRow.size,
                WorkspaceEntryRow.mode,
                WorkspaceEntryRow.mtime_ns,
                WorkspaceEntryRow.ctime_ns,
                WorkspaceEntryRow.inode,
            ).where(WorkspaceEntryRow.workspace_id == workspace.workspace_id)
        )
        head = workspace.index_head or "(none)"
        known: dict[str, Known] = {}
        for path, kind, content_hash, size, mode, mtime_ns, ctime_ns, inode in rows:
            stored_path(head, path, "workspace index row")
            entry = manifest_entry(
                head, path, kind=kind, content_hash=content_hash, size=size, mode=mode
            )
            proof: StatKey | None = None
            if isinstance(mtime_ns, int) and isinstance(ctime_ns, int) and isinstance(inode, int):
                proof = (entry.size, mtime_ns, ctime_ns, inode)
            known[path] = Known(entry, proof)
        return known

    def write_index(self, workspace: WorkspaceHead, update: IndexUpdate) -> None:
        """Write index rows and record which checkpoint's tree they now hold."""
        owner = WorkspaceEntryRow.workspace_id == workspace.workspace_id
        if update.complete:
            self._session.execute(delete(WorkspaceEntryRow).where(owner))
        else:
            gone = [_path_hash(path) for path in update.removed]
            gone += [_path_hash(entry.path) for entry, _proof in update.entries]
            for start in range(0, len(gone), _BATCH):
                batch = gone[start : start + _BATCH]
                self._session.execute(
                    delete(WorkspaceEntryRow).where(owner, WorkspaceEntryRow.path_hash.in_(batch))
                )
        if update.entries:
            self._insert_rows(
                _INDEX_TABLE,
                [_index_values(workspace.workspace_id, *item) for item in update.entries],
            )
        self._session.execute(
            update_statement(WorkspaceRow)
            .where(WorkspaceRow.id == workspace.workspace_id)
            .values(
                index_head=update.head_id,
                index_origin=update.origin,
                index_version=update.version,
            )
        )

    def ancestry(self, checkpoint_id: str) -> list[str]:
        """Return the ids of a checkpoint and its ancestors, nearest first.

        One recursive query; ``UNION`` (not ``UNION ALL``) makes it end even on a cycle,
        which is then reported.

        Raises:
            CorruptStoreError: The parents form a cycle, or a parent does not exist.
        """
        start = select(CheckpointRow.id, CheckpointRow.parent_id).where(
            CheckpointRow.id == checkpoint_id
        )
        chain = start.cte("chain", recursive=True)
        chain = chain.union(
            select(CheckpointRow.id, CheckpointRow.parent_id).join(
                chain, CheckpointRow.id == chain.c.parent_id
            )
        )
        parents = {
            row.id: row.parent_id
            for row in self._session.execute(select(chain.c.id, chain.c.parent_id))
        }
        lineage: list[str] = []
        visited: set[str] = set()
        current: str | None = checkpoint_id
        while current is not None:
            if current in visited:
                raise CorruptStoreError(
                    f"the ancestry of checkpoint {checkpoint_id} loops back to {current}: "
                    "the store was damaged or tampered with",
                    checkpoint_id=checkpoint_id,
                )
            if current not in parents:
                child = lineage[-1] if lineage else checkpoint_id
                raise CorruptStoreError(
                    f"checkpoint {child} names the parent {current!r}, which does not exist: "
                    "the store was damaged or tampered with",
                    checkpoint_id=child,
                )
            visited.add(current)
            lineage.append(current)
            current = parents[current]
        return lineage

    def add(self, checkpoint: Checkpoint) -> None:
        """Insert the checkpoint's row (through the table: the ORM's insert costs more)."""
        values = checkpoint_values(checkpoint)
        values["metadata"] = values.pop("metadata_document")  # the column's own name
        self._session.execute(insert(_CHECKPOINTS_TABLE), [values])

    def add_snapshot(
        self,
        checkpoint: Checkpoint,
        changes: Sequence[DiffEntry],
        blobs: Iterable[NewBlob],
        workspace: WorkspaceHead,
    ) -> None:
        """Insert new blobs, the checkpoint, its change rows; move the workspace head."""
        self._add_blobs(list(blobs))
        self.add(checkpoint)
        if changes:
            self._insert_rows(
                _CHANGES_TABLE,
                [change_values(checkpoint.checkpoint_id, entry) for entry in changes],
            )
        self.move_head(workspace, checkpoint.checkpoint_id)

    def move_head(self, workspace: WorkspaceHead, checkpoint_id: str) -> None:
        """Make ``checkpoint_id`` the checkpoint the workspace's next snapshot diffs against."""
        self._session.execute(
            update_statement(WorkspaceRow)
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
                {row.id: _blob_header(row.id, row.size, row.codec, row.chunk_count) for row in rows}
            )
        return headers

    def stream_blobs(
        self, content_hashes: Sequence[str] | None = None
    ) -> Iterator[tuple[str, BlobHeader | CorruptStoreError, Iterator[bytes]]]:
        """Yield every blob (or those named), with its header and its chunks, in one pass.

        One query per batch of blobs, streamed: each blob's chunks are read as its consumer
        iterates them, so memory stays bounded. A header rewind could not have written comes
        as the ``CorruptStoreError`` that describes it.
        """
        if content_hashes is None:
            batches: list[list[str] | None] = [None]
        else:
            wanted = sorted(set(content_hashes))
            batches = [wanted[start : start + _BATCH] for start in range(0, len(wanted), _BATCH)]
        for batch in batches:
            statement = (
                select(
                    BlobRow.id,
                    BlobRow.size,
                    BlobRow.codec,
                    BlobRow.chunk_count,
                    BlobChunkRow.data,
                )
                .outerjoin(BlobChunkRow, BlobChunkRow.blob_id == BlobRow.id)
                .order_by(BlobRow.id, BlobChunkRow.seq)
                .execution_options(yield_per=64)
            )
            if batch is not None:
                statement = statement.where(BlobRow.id.in_(batch))
            rows = self._session.execute(statement)
            for blob_id, group in groupby(rows, key=lambda row: row[0]):
                first = next(group)
                header: BlobHeader | CorruptStoreError
                try:
                    header = _blob_header(blob_id, first.size, first.codec, first.chunk_count)
                except CorruptStoreError as exc:
                    header = exc
                chunks = (row.data for row in chain([first], group) if row.data is not None)
                yield blob_id, header, chunks

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

    def workspaces(self) -> list[WorkspaceRecord]:
        """Return every workspace record, by plan and directory."""
        statement = select(*_RECORD_COLUMNS).order_by(
            WorkspaceRow.plan_id, WorkspaceRow.sandbox_ref
        )
        return [WorkspaceRecord(*row) for row in self._session.execute(statement)]

    def stats(self, plan_id: str | None = None) -> StoreStats:
        """Count checkpoints, changes, blobs and their bytes (of one plan, if given).

        A plan's blobs are those its change rows use; ``tree_bytes`` and ``plans`` are
        left for the caller, who walks the histories.
        """
        session = self._session
        checkpoints = select(CheckpointRow.id)
        if plan_id is not None:
            checkpoints = checkpoints.where(CheckpointRow.plan_id == plan_id)
        changes = select(ChangeRow.content_hash)
        blobs = select(BlobRow.id, BlobRow.size)
        chunks = select(BlobChunkRow.data)
        if plan_id is not None:
            changes = changes.where(ChangeRow.checkpoint_id.in_(checkpoints))
            used = select(ChangeRow.content_hash).where(ChangeRow.checkpoint_id.in_(checkpoints))
            blobs = blobs.where(BlobRow.id.in_(used))
            chunks = chunks.where(BlobChunkRow.blob_id.in_(used))
        blob_rows = blobs.subquery()
        chunk_rows = chunks.subquery()
        return StoreStats(
            checkpoints=_count(session, checkpoints),
            snapshots=_count(session, checkpoints.where(CheckpointRow.tree_hash.is_not(None))),
            changes=_count(session, changes),
            blobs=_count(session, select(blob_rows.c.id)),
            content_bytes=session.scalar(select(func.coalesce(func.sum(blob_rows.c.size), 0))) or 0,
            stored_bytes=session.scalar(
                select(func.coalesce(func.sum(func.length(chunk_rows.c.data)), 0))
            )
            or 0,
        )

    def plan_stored_bytes(self) -> dict[str, int]:
        """Return, per plan, the stored bytes of the contents its change rows use."""
        used = (
            select(CheckpointRow.plan_id, ChangeRow.content_hash)
            .join(ChangeRow, ChangeRow.checkpoint_id == CheckpointRow.id)
            .where(ChangeRow.content_hash.is_not(None))
            .distinct()
            .subquery()
        )
        sizes = (
            select(BlobChunkRow.blob_id, func.sum(func.length(BlobChunkRow.data)).label("bytes"))
            .group_by(BlobChunkRow.blob_id)
            .subquery()
        )
        rows = self._session.execute(
            select(used.c.plan_id, func.sum(sizes.c.bytes))
            .join(sizes, sizes.c.blob_id == used.c.content_hash)
            .group_by(used.c.plan_id)
        )
        return {plan: int(total or 0) for plan, total in rows}

    def change_sizes(self, plan_id: str | None = None) -> Iterator[tuple[str, str, str, Any]]:
        """Yield (checkpoint id, path, change, size) of every change row (of one plan)."""
        statement = select(
            ChangeRow.checkpoint_id, ChangeRow.path, ChangeRow.change, ChangeRow.size
        )
        if plan_id is not None:
            statement = statement.join(CheckpointRow, CheckpointRow.id == ChangeRow.checkpoint_id)
            statement = statement.where(CheckpointRow.plan_id == plan_id)
        for row in self._session.execute(statement.execution_options(yield_per=2000)):
            yield row.checkpoint_id, row.path, row.change, row.size

    def ids_starting_with(self, prefix: str, *, limit: int) -> list[str]:
        """Return at most ``limit`` checkpoint ids that start with ``prefix``, sorted.

        ``prefix`` holds only ULID characters, so it has no ``LIKE`` wildcard to escape.
        """
        statement = (
            select(CheckpointRow.id)
            .where(CheckpointRow.id.like(f"{prefix}%"))
            .order_by(CheckpointRow.id)
            .limit(limit)
        )
        return list(self._session.scalars(statement))

    def lock_workspaces(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[WorkspaceRecord]:
        """Return the workspaces in scope, locked until the transaction ends, in id order.

        On PostgreSQL a prune first waits for every snapshot and rollback transaction under
        way, of any workspace, and holds off new ones until it ends: they may reuse or store
        the contents it deletes, and lock rows it deletes. Taking this lock before any other,
        in every transaction that writes checkpoints, means none waits for another in a
        circle. (On SQLite every write transaction already excludes the others.)
        """
        self._take_prune_lock(exclusive=True)
        statement = select(*_RECORD_COLUMNS).order_by(WorkspaceRow.id)
        statement = _in_scope(statement, WorkspaceRow, plan_id, sandbox_ref)
        rows = self._session.execute(statement.with_for_update())
        return [WorkspaceRecord(*row) for row in rows]

    def summaries(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[CheckpointSummary]:
        """Return a summary of every checkpoint in scope, oldest first.

        Raises:
            CorruptStoreError: A row holds a value rewind never writes.
        """
        statement = select(
            CheckpointRow.id,
            CheckpointRow.plan_id,
            CheckpointRow.sandbox_ref,
            CheckpointRow.checkpoint_type,
            CheckpointRow.label,
            CheckpointRow.parent_id,
            CheckpointRow.tree_hash,
        ).order_by(CheckpointRow.id)
        statement = _in_scope(statement, CheckpointRow, plan_id, sandbox_ref)
        with _reading_rows("a checkpoint"):
            rows = list(self._session.execute(statement))
        return [_summary(row) for row in rows]

    def stored_changes(self, checkpoint_ids: Sequence[str]) -> list[StoredChange]:
        """Return the change rows of these checkpoints, each checked.

        Raises:
            CorruptStoreError: A row holds a value rewind never writes.
        """
        changes = []
        for row in self._change_rows(list(checkpoint_ids)):
            change = change_kind(row.checkpoint_id, row.path, row.change)
            entry = None
            if change is not ChangeKind.DELETED:
                entry = manifest_entry(
                    row.checkpoint_id,
                    row.path,
                    kind=row.kind,
                    content_hash=row.content_hash,
                    size=row.size,
                    mode=row.mode,
                )
            changes.append(StoredChange(row.checkpoint_id, row.path, change, entry, str(row.kind)))
        return changes

    def repoint(
        self, checkpoint_id: str, parent_id: str | None, changes: Sequence[DiffEntry]
    ) -> None:
        """Give a snapshot a new parent and the change rows that lead to it from there.

        Its metadata's ``diff_base`` follows its parent; nothing else of it changes.
        """
        document = self._session.scalar(
            select(CheckpointRow.metadata_document).where(CheckpointRow.id == checkpoint_id)
        )
        if not isinstance(document, dict) or not isinstance(document.get("extra"), dict):
            raise CorruptStoreError(
                f"checkpoint {checkpoint_id} has damaged metadata", checkpoint_id=checkpoint_id
            )
        document = {**document, "extra": {**document["extra"], "diff_base": parent_id}}
        self._session.execute(
            update_statement(CheckpointRow)
            .where(CheckpointRow.id == checkpoint_id)
            .values(parent_id=parent_id, metadata_document=document)
        )
        self._session.execute(delete(ChangeRow).where(ChangeRow.checkpoint_id == checkpoint_id))
        self._insert_rows(
            _CHANGES_TABLE, [change_values(checkpoint_id, entry) for entry in changes]
        )

    def delete_checkpoints(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Delete checkpoints and their change rows; return the contents those rows used.

        The caller has repointed every kept child first, so no kept row names a deleted one.
        """
        used: set[str] = set()
        ids = list(checkpoint_ids)
        for start in range(0, len(ids), _BATCH):
            batch = ids[start : start + _BATCH]
            used.update(
                self._session.scalars(
                    select(ChangeRow.content_hash)
                    .where(ChangeRow.checkpoint_id.in_(batch), ChangeRow.content_hash.is_not(None))
                    .distinct()
                )
            )
            self._session.execute(delete(ChangeRow).where(ChangeRow.checkpoint_id.in_(batch)))
        # Children before parents: a batch never names a parent deleted in an earlier one.
        newest_first = sorted(ids, reverse=True)
        for start in range(0, len(ids), _BATCH):
            batch = newest_first[start : start + _BATCH]
            self._session.execute(delete(CheckpointRow).where(CheckpointRow.id.in_(batch)))
        return used

    def delete_unused_blobs(self, content_hashes: Iterable[str]) -> tuple[int, int]:
        """Delete those blobs no change row uses; return how many, and their stored bytes.

        Each blob is locked before it is checked, in id order: a snapshot that is about to
        use one (it locks them too, see ``_add_blobs``) either commits first, and its rows
        keep the blob, or waits and then stores the content again.
        """
        wanted = sorted(set(content_hashes))
        count = freed = 0
        for start in range(0, len(wanted), _BATCH):
            batch = wanted[start : start + _BATCH]
            locked = list(
                self._session.scalars(
                    select(BlobRow.id)
                    .where(BlobRow.id.in_(batch))
                    .order_by(BlobRow.id)
                    .with_for_update()
                )
            )
            used = set(
                self._session.scalars(
                    select(ChangeRow.content_hash)
                    .where(ChangeRow.content_hash.in_(locked))
                    .distinct()
                )
            )
            unused = [blob_id for blob_id in locked if blob_id not in used]
            if not unused:
                continue
            freed += (
                self._session.scalar(
                    select(func.coalesce(func.sum(func.length(BlobChunkRow.data)), 0)).where(
                        BlobChunkRow.blob_id.in_(unused)
                    )
                )
                or 0
            )
            self._session.execute(delete(BlobChunkRow).where(BlobChunkRow.blob_id.in_(unused)))
            self._session.execute(delete(BlobRow).where(BlobRow.id.in_(unused)))
            count += len(unused)
        if count and self._dialect() is sqlite:
            self._give_back_free_pages()
        return count, freed

    def _give_back_free_pages(self) -> None:
        """Return SQLite's free pages to the file system when the transaction commits.

        Only a database created with ``auto_vacuum = INCREMENTAL`` (every one rewind creates
        now) does; an older one keeps its free pages for reuse. The driver runs one step of
        the pragma per call, and each step frees one page, hence the loop.
        """
        cursor = self._session.connection().connection.cursor()
        try:
            (pages,) = cursor.execute("PRAGMA freelist_count").fetchone()
            if cursor.execute("PRAGMA auto_vacuum").fetchone()[0] != _INCREMENTAL_VACUUM:
                return
            for _ in range(pages):
                cursor.execute("PRAGMA incremental_vacuum")
        finally:
            cursor.close()

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""
        with _reading_rows(f"checkpoint {checkpoint_id}"):
            row = self._session.get(CheckpointRow, checkpoint_id)
        return None if row is None else checkpoint_from_row(row)

    def list(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""
        statement = _filtered(select(CheckpointRow), query).order_by(CheckpointRow.id.desc())
        if query.limit is not None:
            statement = statement.limit(query.limit)
        with _reading_rows("a checkpoint"):
            rows = list(self._session.scalars(statement))
        return [checkpoint_from_row(row) for row in rows]

    def _add_blobs(self, blobs: Sequence[NewBlob]) -> None:
        """Insert the blobs not stored yet, and their chunks, many rows per statement.

        A blob another transaction stores at the same moment is skipped, not an error.
        """
        if not blobs:
            return
        blobs = sorted(blobs, key=lambda blob: blob.content_hash)
        existing = self._lock_existing_blobs([blob.content_hash for blob in blobs])
        rows = [
            {
                "id": blob.content_hash,
                "size": blob.size,
                "codec": blob.codec,
                "chunk_count": blob.chunk_count,
            }
            for blob in blobs
            if blob.content_hash not in existing
        ]
        if not rows:
            return
        statement = self._dialect().insert(_BLOBS_TABLE).on_conflict_do_nothing()
        inserted = set(self._session.scalars(statement.returning(_BLOBS_TABLE.c.id), rows))
        new = [blob for blob in blobs if blob.content_hash in inserted]
        batch: list[dict[str, Any]] = []
        batch_bytes = 0
        for blob in new:
            for seq, data in enumerate(blob.chunks):
                batch.append({"blob_id": blob.content_hash, "seq": seq, "data": data})
                batch_bytes += len(data)
                if batch_bytes >= _CHUNK_BATCH_BYTES:
                    self._insert_rows(_CHUNKS_TABLE, batch)
                    batch, batch_bytes = [], 0
        if batch:
            self._insert_rows(_CHUNKS_TABLE, batch)

    def _take_prune_lock(self, *, exclusive: bool) -> None:
        """Take PostgreSQL's transaction lock that prunes hold alone and writers share."""
        if self._dialect() is postgresql:
            function = (
                func.pg_advisory_xact_lock if exclusive else func.pg_advisory_xact_lock_shared
            )
            self._session.execute(select(function(_PRUNE_LOCK_KEY)))

    def _lock_existing_blobs(self, content_hashes: Sequence[str]) -> set[str]:
        """Return which of these blobs exist, each locked against deletion, in id order.

        A prune deleting one of them at this moment is waited for; the blob is then gone
        and is stored again from this snapshot's own copy. (SQLite's write transactions
        already exclude each other.)
        """
        existing: set[str] = set()
        for start in range(0, len(content_hashes), _BATCH):
            batch = content_hashes[start : start + _BATCH]
            existing.update(
                self._session.scalars(
                    select(BlobRow.id)
                    .where(BlobRow.id.in_(batch))
                    .order_by(BlobRow.id)
                    .with_for_update(key_share=True)
                )
            )
        return existing

    def _insert_rows(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert many rows with one statement, handing the values to the driver as they are.

        For rows whose values rewind made itself (text, numbers, bytes): SQLAlchemy's own
        multi-row insert processes every value of every row, which costs more than the
        database's work for the thousands of rows of a first snapshot.
        """
        if not rows:
            return
        columns = list(rows[0])
        marker = "?" if self._dialect() is sqlite else "%s"
        statement = (
            f"INSERT INTO {table.name} ({', '.join(columns)}) "
            f"VALUES ({', '.join([marker] * len(columns))})"
        )
        values = [tuple(row[column] for column in columns) for row in rows]
        self._session.connection().exec_driver_sql(statement, values)

    def _insert_ignoring_duplicates(self, row_class: type[Any], values: dict[str, Any]) -> Any:
        return self._dialect().insert(row_class).values(values).on_conflict_do_nothing()

    def _dialect(self) -> Any:
        """The SQLAlchemy dialect module of the session's database (for ON CONFLICT)."""
        return postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite


@contextmanager
def _reading_rows(what: str) -> Iterator[None]:
    """Report a stored value the database library cannot decode as corruption of ``what``.

    SQLite stores any value in any column: a date that is not a date fails in the driver.
    """
    try:
        yield
    except (ValueError, TypeError, RecursionError) as exc:
        raise CorruptStoreError(f"{what} is corrupt in the store: {str(exc)[:300]}") from exc


def _blob_header(blob_id: str, size: object, codec: object, chunk_count: object) -> BlobHeader:
    if not (
        isinstance(size, int)
        and size >= 0
        and isinstance(chunk_count, int)
        and chunk_count >= 0
        and isinstance(codec, str)
    ):
        raise CorruptStoreError(
            f"blob {blob_id} has a damaged record (size {size!r:.40}, codec "
            f"{codec!r:.40}, chunks {chunk_count!r:.40})"
        )
    return BlobHeader(size, codec, chunk_count)


def _filtered(statement: Select[Any], query: CheckpointQuery) -> Select[Any]:
    conditions = [
        column == value
        for column, value in (
            (CheckpointRow.plan_id, query.plan_id),
            (CheckpointRow.decision_id, query.decision_id),
            (CheckpointRow.checkpoint_type, query.checkpoint_type),
            (CheckpointRow.sandbox_ref, query.sandbox_ref),
        )
        if value is not None
    ]
    if query.before_id is not None:
        conditions.append(CheckpointRow.id < query.before_id)
    return statement.where(*conditions)


def _in_scope(
    statement: _Selected,
    row_class: type[WorkspaceRow] | type[CheckpointRow],
    plan_id: str | None,
    sandbox_ref: str | None,
) -> _Selected:
    """``statement`` limited to one plan, and one workspace directory, when given."""
    if plan_id is not None:
        statement = statement.where(row_class.plan_id == plan_id)
    if sandbox_ref is not None:
        statement = statement.where(row_class.sandbox_ref == sandbox_ref)
    return statement


def _count(session: Session, statement: Select[Any]) -> int:
    return session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def _summary(row: Any) -> CheckpointSummary:
    """A checkpoint's summary; its creation time is its id's (rewind writes them equal)."""
    created_at = id_time(row.id) if isinstance(row.id, str) else None
    if created_at is None:
        raise CorruptStoreError(
            f"the checkpoint id {row.id!r:.80} is not a ULID: the store was damaged or "
            "tampered with",
            checkpoint_id=str(row.id),
        )
    return CheckpointSummary(
        row.id,
        row.plan_id,
        row.sandbox_ref,
        row.checkpoint_type,
        row.label,
        row.parent_id,
        created_at,
        row.tree_hash is not None,
    )


def _workspace_head(row: Any) -> WorkspaceHead:
    return WorkspaceHead(
        row.id, row.head_id, row.restoring_to, row.index_head, row.index_version, row.index_origin
    )


def _path_hash(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


def _index_values(workspace_id: int, entry: ManifestEntry, proof: StatKey | None) -> dict[str, Any]:
    _size, mtime_ns, ctime_ns, inode = proof if proof is not None else (None, None, None, None)
    return {
        "workspace_id": workspace_id,
        "path_hash": _path_hash(entry.path),
        "path": entry.path,
        "kind": entry.kind.value,
        "content_hash": entry.content_hash,
        "size": entry.size,
        "mode": entry.mode,
        "mtime_ns": mtime_ns,
        "ctime_ns": ctime_ns,
        "inode": None if inode is None else inode & _INODE_BITS,
    }
