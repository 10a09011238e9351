"""Comparing checkpoints: the changes between two snapshots, or a snapshot and its live tree."""

from __future__ import annotations

from rewind._ops.factory import CheckpointFactory
from rewind._ops.index import IndexCache, WorkspaceIndex, machine_origin, scan_workspace
from rewind._ops.lookup import checked_tree, find_checkpoint
from rewind._ops.rollback import open_workspace
from rewind.models import Checkpoint, DiffManifest
from rewind.storage import Store
from rewind.workspace.diff import diff_trees
from rewind.workspace.root import WorkspaceRoot

__all__ = ["Comparer"]


class Comparer:
    """Reads two trees (stored or live) and says how they differ; it never writes.

    Not for deciding what a rollback writes: ``Restorer`` plans that against the locked
    workspace.
    """

    def __init__(self, store: Store, factory: CheckpointFactory, indexes: IndexCache) -> None:
        self._store = store
        self._factory = factory
        self._indexes = indexes

    def diff(self, from_checkpoint_id: str, to_checkpoint_id: str | None) -> DiffManifest:
        """The changes from one snapshot to another, or (None) to its live workspace."""
        with self._store.reading() as uow:
            base_checkpoint = find_checkpoint(uow, from_checkpoint_id)
            base = checked_tree(uow, base_checkpoint)
            if to_checkpoint_id is not None:
                target = checked_tree(uow, find_checkpoint(uow, to_checkpoint_id))
        if to_checkpoint_id is None:
            with open_workspace(base_checkpoint) as root:
                index = self._current_index(base_checkpoint, root)
                target = scan_workspace(self._store, root, index, now_ns=self._factory.now_ns).tree
        return diff_trees(
            base, target, base_id=base_checkpoint.checkpoint_id, target_id=to_checkpoint_id
        )

    def _current_index(self, checkpoint: Checkpoint, root: WorkspaceRoot) -> WorkspaceIndex:
        """The index of the workspace ``checkpoint`` was taken of (to scan it cheaply)."""
        with self._store.reading() as uow:
            workspace = uow.checkpoints.find_workspace(checkpoint.plan_id, root.path)
            return self._indexes.load(uow, workspace, machine_origin(root))
