"""``WorkspaceRepository`` in SQL: workspace rows (head, rollback mark) and their index rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from rewind._manifest import Known, ManifestEntry, StatKey
from rewind.storage.mapping import manifest_entry, path_hash, stored_path
from rewind.storage.records import IndexUpdate, WorkspaceHead, WorkspaceRecord
from rewind.storage.sql import (
    batches,
    in_scope,
    insert_ignoring_duplicates,
    insert_rows,
    table,
    take_prune_lock,
)
from rewind.storage.tables import WorkspaceEntryRow, WorkspaceRow

__all__ = ["SqlWorkspaceRepository"]

_INDEX_TABLE = table(WorkspaceEntryRow)
_HEAD_COLUMNS = (
    WorkspaceRow.id,
    WorkspaceRow.head_id,
    WorkspaceRow.restoring_to,
    WorkspaceRow.index_head,
    WorkspaceRow.index_version,
    WorkspaceRow.index_origin,
)
"""A ``WorkspaceHead``'s columns, in its fields' order."""
_RECORD_COLUMNS = (
    WorkspaceRow.plan_id,
    WorkspaceRow.sandbox_ref,
    WorkspaceRow.head_id,
    WorkspaceRow.restoring_to,
    WorkspaceRow.id,
    WorkspaceRow.index_head,
)
"""A ``WorkspaceRecord``'s columns, in its fields' order."""
_INODE_BITS = 2**63 - 1  # inodes are stored in a signed 64-bit column


class SqlWorkspaceRepository:
    """``WorkspaceRepository`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead:
        """Return the workspace's record, creating it, locked until the transaction ends.

        On SQLite the write transaction already holds the database lock; on PostgreSQL the
        row lock serialises the snapshots of this workspace and no other, and a shared lock
        keeps prunes out until the transaction ends (see ``lock_in_scope``).
        """
        take_prune_lock(self._session, exclusive=False)
        values = {"plan_id": plan_id, "sandbox_ref": sandbox_ref}
        self._session.execute(insert_ignoring_duplicates(self._session, WorkspaceRow), [values])
        row = self._session.execute(
            select(*_HEAD_COLUMNS)
            .where(WorkspaceRow.plan_id == plan_id, WorkspaceRow.sandbox_ref == sandbox_ref)
            .with_for_update()
        ).one()
        return WorkspaceHead(*row)

    def find(self, plan_id: str, sandbox_ref: str) -> WorkspaceHead | None:
        """Return the workspace's record without locking or creating it, or None."""
        row = self._session.execute(
            select(*_HEAD_COLUMNS).where(
                WorkspaceRow.plan_id == plan_id, WorkspaceRow.sandbox_ref == sandbox_ref
            )
        ).one_or_none()
        return None if row is None else WorkspaceHead(*row)

    def lock_in_scope(
        self, plan_id: str | None = None, sandbox_ref: str | None = None
    ) -> list[WorkspaceRecord]:
        """Return the workspaces in scope, locked until the transaction ends, in id order.

        On PostgreSQL a prune first waits for every snapshot and rollback transaction under
        way, of any workspace, and holds off new ones until it ends: they may reuse or store
        the contents it deletes, and lock rows it deletes. Taking this lock before any other,
        in every transaction that writes checkpoints, means none waits for another in a
        circle. (On SQLite every write transaction already excludes the others.)
        """
        take_prune_lock(self._session, exclusive=True)
        statement = select(*_RECORD_COLUMNS).order_by(WorkspaceRow.id)
        statement = in_scope(statement, WorkspaceRow, plan_id, sandbox_ref)
        rows = self._session.execute(statement.with_for_update())
        return [WorkspaceRecord(*row) for row in rows]

    def records(self) -> list[WorkspaceRecord]:
        """Return every workspace record, by plan and directory."""
        statement = select(*_RECORD_COLUMNS).order_by(
            WorkspaceRow.plan_id, WorkspaceRow.sandbox_ref
        )
        return [WorkspaceRecord(*row) for row in self._session.execute(statement)]

    def known_directories(self, directories: Sequence[str]) -> set[str]:
        """Return those of ``directories`` that are a workspace's (of any plan)."""
        known: set[str] = set()
        for batch in batches(directories):
            statement = select(WorkspaceRow.sandbox_ref).where(WorkspaceRow.sandbox_ref.in_(batch))
            known.update(self._session.scalars(statement.distinct()))
        return known

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

    def move_head(self, workspace: WorkspaceHead, update: IndexUpdate) -> None:
        """Make ``update.head_id`` the workspace's head, with the index rows of its tree.

        One ``UPDATE`` of the workspace's row records both the head and the index's.
        """
        owner = WorkspaceEntryRow.workspace_id == workspace.workspace_id
        if update.complete:
            self._session.execute(delete(WorkspaceEntryRow).where(owner))
        else:
            gone = [path_hash(path) for path in update.removed]
            gone += [path_hash(entry.path) for entry, _proof in update.entries]
            for batch in batches(gone):
                self._session.execute(
                    delete(WorkspaceEntryRow).where(owner, WorkspaceEntryRow.path_hash.in_(batch))
                )
        insert_rows(
            self._session,
            _INDEX_TABLE,
            [_index_values(workspace.workspace_id, *item) for item in update.entries],
        )
        self._set(
            workspace,
            head_id=update.head_id,
            index_head=update.head_id,
            index_origin=update.origin,
            index_version=update.version,
        )

    def mark_restoring(self, workspace: WorkspaceHead, checkpoint_id: str | None) -> None:
        """Record (or, with None, clear) the rollback the workspace's files are undergoing."""
        self._set(workspace, restoring_to=checkpoint_id)

    def _set(self, workspace: WorkspaceHead, **values: Any) -> None:
        self._session.execute(
            update(WorkspaceRow).where(WorkspaceRow.id == workspace.workspace_id).values(values)
        )


def _index_values(workspace_id: int, entry: ManifestEntry, proof: StatKey | None) -> dict[str, Any]:
    _size, mtime_ns, ctime_ns, inode = proof if proof is not None else (None, None, None, None)
    return {
        "workspace_id": workspace_id,
        "path_hash": path_hash(entry.path),
        "path": entry.path,
        "kind": entry.kind.value,
        "content_hash": entry.content_hash,
        "size": entry.size,
        "mode": entry.mode,
        "mtime_ns": mtime_ns,
        "ctime_ns": ctime_ns,
        "inode": None if inode is None else inode & _INODE_BITS,
    }
