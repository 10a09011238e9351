"""``CheckpointRepository`` in SQL: checkpoint rows, their change rows, and the ancestry.

A manifest is the fold of the change rows along a checkpoint's ancestors, nearest first,
the ancestors found by one recursive query.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Select, delete, func, insert, literal, select, update
from sqlalchemy.orm import Session

from rewind._ids import SHORT_ID_START, id_time
from rewind._manifest import Tree
from rewind.errors import CorruptStoreError
from rewind.models import ChangeKind, Checkpoint, DiffEntry
from rewind.storage.mapping import (
    change_kind,
    change_values,
    checkpoint_from_row,
    checkpoint_values,
    manifest_entry,
    path_hash,
    stored_path,
)
from rewind.storage.records import (
    CheckpointQuery,
    CheckpointSummary,
    DirectoryScope,
    StoredChange,
)
from rewind.storage.sql import (
    batches,
    in_directories,
    in_scope,
    insert_rows,
    reading_rows,
    table,
)
from rewind.storage.tables import ChangeRow, CheckpointRow

__all__ = ["SqlCheckpointRepository"]

_CHANGES_TABLE = table(ChangeRow)
_CHECKPOINTS_TABLE = table(CheckpointRow)
_CHANGE_COLUMNS = (
    ChangeRow.checkpoint_id,
    ChangeRow.path,
    ChangeRow.change,
    ChangeRow.kind,
    ChangeRow.content_hash,
    ChangeRow.size,
    ChangeRow.mode,
)
_SUMMARY_COLUMNS = (
    CheckpointRow.id,
    CheckpointRow.plan_id,
    CheckpointRow.sandbox_ref,
    CheckpointRow.checkpoint_type,
    CheckpointRow.label,
    CheckpointRow.parent_id,
    CheckpointRow.tree_hash,
)


_INSERT_CHECKPOINT = insert(_CHECKPOINTS_TABLE)


def insert_checkpoint(connection: Connection | Session, checkpoint: Checkpoint) -> None:
    """Insert a checkpoint's row through the table (the ORM's insert costs more)."""
    values = checkpoint_values(checkpoint)
    values["metadata"] = values.pop("metadata_document")  # the column's own name
    connection.execute(_INSERT_CHECKPOINT, values)


class SqlCheckpointRepository:
    """``CheckpointRepository`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, checkpoint_id: str) -> Checkpoint | None:
        """Return the checkpoint with this id, or None."""
        with reading_rows(f"checkpoint {checkpoint_id}"):
            row = self._session.get(CheckpointRow, checkpoint_id)
        return None if row is None else checkpoint_from_row(row)

    def matching(self, query: CheckpointQuery) -> list[Checkpoint]:
        """Return the checkpoints matching ``query``, newest first."""
        statement = _filtered(select(CheckpointRow), query).order_by(CheckpointRow.id.desc())
        if query.limit is not None:
            statement = statement.limit(query.limit)
        with reading_rows("a checkpoint"):
            rows = list(self._session.scalars(statement))
        return [checkpoint_from_row(row) for row in rows]

    def add(self, checkpoint: Checkpoint) -> None:
        """Insert the checkpoint's row."""
        insert_checkpoint(self._session, checkpoint)

    def add_snapshot(self, checkpoint: Checkpoint, changes: Sequence[DiffEntry]) -> None:
        """Insert a snapshot's row and its change rows (its contents are already stored)."""
        self.add(checkpoint)
        rows = [change_values(checkpoint.checkpoint_id, entry) for entry in changes]
        insert_rows(self._session, _CHANGES_TABLE, rows)

    def manifest(self, checkpoint_id: str) -> Tree:
        """Return the tree of a snapshot: its changes folded over its ancestors', nearest first.

        Raises:
            CorruptStoreError: The ancestry has a cycle or a missing checkpoint, or a change
                row holds a value rewind never writes.
        """
        lineage = self.ancestry(checkpoint_id)
        return _fold(lineage, self._change_rows(lineage))

    def entries_at(self, lineage: Sequence[str], paths: Collection[str]) -> Tree:
        """Return the entries of ``paths`` in the tree of ``lineage[0]``; absent paths are left out.

        ``lineage`` is that snapshot's ``ancestry``. Only the change rows of those paths are
        read, each found by its key (checkpoint, path hash).

        Raises:
            CorruptStoreError: A change row holds a value rewind never writes.
        """
        hashes = [path_hash(path) for path in paths]
        rows = (
            row
            for checkpoints in batches(lineage)
            for batch in batches(hashes)
            for row in self._session.execute(
                select(*_CHANGE_COLUMNS).where(
                    ChangeRow.checkpoint_id.in_(checkpoints), ChangeRow.path_hash.in_(batch)
                )
            )
        )
        return _fold(lineage, rows)

    def changed_paths(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Return every path the change rows of these checkpoints name.

        Raises:
            CorruptStoreError: A row's path is not text rewind could have written.
        """
        paths: set[str] = set()
        for batch in batches(checkpoint_ids):
            statement = select(ChangeRow.checkpoint_id, ChangeRow.path).where(
                ChangeRow.checkpoint_id.in_(batch)
            )
            for row in self._session.execute(statement):
                paths.add(stored_path(row.checkpoint_id, row.path))
        return paths

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

    def summaries(
        self,
        plan_id: str | None = None,
        sandbox_ref: str | None = None,
        *,
        within: DirectoryScope | None = None,
    ) -> list[CheckpointSummary]:
        """Return a summary of every checkpoint in scope, oldest first.

        Raises:
            CorruptStoreError: A row holds a value rewind never writes.
        """
        statement = select(*_SUMMARY_COLUMNS).order_by(CheckpointRow.id)
        statement = in_scope(statement, CheckpointRow, plan_id, sandbox_ref)
        if within is not None:
            statement = statement.where(in_directories(CheckpointRow.sandbox_ref, within))
        with reading_rows("a checkpoint"):
            rows = list(self._session.execute(statement))
        return [_summary(row) for row in rows]

    def stored_changes(self, checkpoint_ids: Sequence[str]) -> list[StoredChange]:
        """Return the change rows of these checkpoints, each checked.

        Raises:
            CorruptStoreError: A row holds a value rewind never writes.
        """
        changes = []
        for row in self._change_rows(checkpoint_ids):
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
            update(CheckpointRow)
            .where(CheckpointRow.id == checkpoint_id)
            .values(parent_id=parent_id, metadata_document=document)
        )
        self._session.execute(delete(ChangeRow).where(ChangeRow.checkpoint_id == checkpoint_id))
        rows = [change_values(checkpoint_id, entry) for entry in changes]
        insert_rows(self._session, _CHANGES_TABLE, rows)

    def delete(self, checkpoint_ids: Sequence[str]) -> set[str]:
        """Delete checkpoints and their change rows; return the contents those rows used.

        The caller has repointed every kept child first, so no kept row names a deleted one.
        """
        used: set[str] = set()
        for batch in batches(checkpoint_ids):
            used.update(
                self._session.scalars(
                    select(ChangeRow.content_hash)
                    .where(ChangeRow.checkpoint_id.in_(batch), ChangeRow.content_hash.is_not(None))
                    .distinct()
                )
            )
            self._session.execute(delete(ChangeRow).where(ChangeRow.checkpoint_id.in_(batch)))
        # Children before parents: a batch never names a parent deleted in an earlier one.
        for batch in batches(sorted(checkpoint_ids, reverse=True)):
            self._session.execute(delete(CheckpointRow).where(CheckpointRow.id.in_(batch)))
        return used

    def ids_starting_with(
        self, prefix: str, *, limit: int, within: DirectoryScope | None = None
    ) -> list[str]:
        """Return at most ``limit`` checkpoint ids that start with ``prefix``, sorted.

        ``prefix`` holds only ULID characters, so it has no ``LIKE`` wildcard to escape.
        """
        statement = (
            select(CheckpointRow.id)
            .where(CheckpointRow.id.like(f"{prefix}%"))
            .order_by(CheckpointRow.id)
            .limit(limit)
        )
        if within is not None:
            statement = statement.where(in_directories(CheckpointRow.sandbox_ref, within))
        return list(self._session.scalars(statement))

    def ids_with_short_id(
        self, short: str, *, limit: int, within: DirectoryScope | None = None
    ) -> list[str]:
        """Return at most ``limit`` ids whose random part starts with ``short``, sorted.

        ``short`` is upper case: a short id (``rewind._ids.short_id``) or its start. With
        ``within``, only checkpoints of workspaces in those directories.
        """
        random_part = func.substr(CheckpointRow.id, SHORT_ID_START + 1, len(short))
        statement = (
            select(CheckpointRow.id)
            .where(random_part == short)
            .order_by(CheckpointRow.id)
            .limit(limit)
        )
        if within is not None:
            statement = statement.where(in_directories(CheckpointRow.sandbox_ref, within))
        return list(self._session.scalars(statement))

    def newest_snapshot_id(self, sandbox_ref: str) -> str | None:
        """Return the id of the newest snapshot of the workspace directory, or None."""
        statement = (
            select(CheckpointRow.id)
            .where(CheckpointRow.sandbox_ref == sandbox_ref, CheckpointRow.tree_hash.is_not(None))
            .order_by(CheckpointRow.id.desc())
            .limit(1)
        )
        return self._session.scalar(statement)

    def newest_labelled(self, label: str, sandbox_ref: str | None = None) -> str | None:
        """Return the id of the newest checkpoint with this label (of this workspace), or None."""
        statement = select(CheckpointRow.id).where(CheckpointRow.label == label)
        if sandbox_ref is not None:
            statement = statement.where(CheckpointRow.sandbox_ref == sandbox_ref)
        return self._session.scalar(statement.order_by(CheckpointRow.id.desc()).limit(1))

    def ancestors(self, checkpoint_id: str, generations: int) -> list[str]:
        """Return the checkpoint's id and those of its first ``generations`` ancestors.

        Nearest first; shorter when the lineage ends sooner (or the checkpoint does not
        exist: then empty). One recursive query, bounded by ``generations``.
        """
        depth = literal(0, Integer).label("depth")
        start = select(CheckpointRow.id, CheckpointRow.parent_id, depth).where(
            CheckpointRow.id == checkpoint_id
        )
        chain = start.cte("lineage", recursive=True)
        chain = chain.union_all(
            select(CheckpointRow.id, CheckpointRow.parent_id, chain.c.depth + 1)
            .join(chain, CheckpointRow.id == chain.c.parent_id)
            .where(chain.c.depth < generations)
        )
        return list(self._session.scalars(select(chain.c.id).order_by(chain.c.depth)))

    def snapshot_ids(self, *, within: DirectoryScope | None = None) -> list[str]:
        """Return the id of every checkpoint that records files, oldest first."""
        statement = (
            select(CheckpointRow.id)
            .where(CheckpointRow.tree_hash.is_not(None))
            .order_by(CheckpointRow.id)
        )
        if within is not None:
            statement = statement.where(in_directories(CheckpointRow.sandbox_ref, within))
        return list(self._session.scalars(statement))

    def _change_rows(self, checkpoint_ids: Iterable[str]) -> Iterator[Any]:
        """Yield the change rows of these checkpoints (queried in batches)."""
        for batch in batches(checkpoint_ids):
            yield from self._session.execute(
                select(*_CHANGE_COLUMNS).where(ChangeRow.checkpoint_id.in_(batch))
            )


def _fold(lineage: Sequence[str], rows: Iterable[Any]) -> Tree:
    """The tree that change rows of ``lineage`` (a snapshot's ancestry) make: nearest first.

    Raises:
        CorruptStoreError: A checkpoint records a path twice, or a row holds a value rewind
            never writes.
    """
    depths = {ancestor: depth for depth, ancestor in enumerate(lineage)}
    nearest: dict[str, tuple[int, Any]] = {}
    for row in rows:
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


def _filtered(statement: Select[Any], query: CheckpointQuery) -> Select[Any]:
    conditions = [
        column == value
        for column, value in (
            (CheckpointRow.plan_id, query.plan_id),
            (CheckpointRow.decision_id, query.decision_id),
            (CheckpointRow.checkpoint_type, query.checkpoint_type),
            (CheckpointRow.sandbox_ref, query.sandbox_ref),
            (CheckpointRow.session_id, query.session_id),
        )
        if value is not None
    ]
    if query.before_id is not None:
        conditions.append(CheckpointRow.id < query.before_id)
    return statement.where(*conditions)


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
