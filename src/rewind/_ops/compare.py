"""Comparing checkpoints: what changed between two snapshots, or a snapshot and its live tree.

The answer is a list of changes (a ``DiffManifest``) or a unified patch.
"""

from __future__ import annotations

from collections.abc import Sequence

from rewind._manifest import Tree
from rewind._ops.contents import StoredSide, read_live
from rewind._ops.factory import CheckpointFactory
from rewind._ops.index import IndexCache, WorkspaceIndex, machine_origin, scan_workspace
from rewind._ops.lookup import checked_tree, find_checkpoint
from rewind._ops.patch import unified_patch
from rewind._ops.rollback import open_workspace
from rewind.models import Checkpoint, DiffManifest
from rewind.storage import Store, UnitOfWork
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
                return _stored_diff(uow, base_checkpoint, base, to_checkpoint_id)[1]
        with open_workspace(base_checkpoint) as root:
            return diff_trees(
                base,
                self._live_tree(base_checkpoint, root),
                base_id=base_checkpoint.checkpoint_id,
                target_id=None,
            )

    def changes(self, checkpoint_id: str) -> DiffManifest:
        """The changes a snapshot recorded against its parent (all added when it has none)."""
        with self._store.reading() as uow:
            checkpoint = find_checkpoint(uow, checkpoint_id)
            tree = checked_tree(uow, checkpoint)
            parent: Tree = {}
            if checkpoint.parent_id is not None:
                parent = checked_tree(uow, find_checkpoint(uow, checkpoint.parent_id))
        return diff_trees(
            parent, tree, base_id=checkpoint.parent_id, target_id=checkpoint.checkpoint_id
        )

    def patch(
        self, from_checkpoint_id: str, to_checkpoint_id: str | None, max_bytes: int | None = None
    ) -> str:
        """The unified patch from one snapshot to another, or (None) to its live workspace.

        With ``max_bytes``, its first ``max_bytes`` bytes: no file past them is read.
        """
        with self._store.reading() as uow:
            base_checkpoint = find_checkpoint(uow, from_checkpoint_id)
            base = checked_tree(uow, base_checkpoint)
            if to_checkpoint_id is not None:
                target, manifest = _stored_diff(uow, base_checkpoint, base, to_checkpoint_id)
                with StoredSide(base) as old, StoredSide(target) as new:

                    def prepare(paths: Sequence[str]) -> None:
                        old.stage(uow, paths)
                        new.stage(uow, paths)

                    return unified_patch(
                        manifest, old.read, new.read, max_bytes=max_bytes, prepare=prepare
                    )
        with open_workspace(base_checkpoint) as root, StoredSide(base) as old:
            live = self._live_tree(base_checkpoint, root)
            manifest = diff_trees(base, live, base_id=base_checkpoint.checkpoint_id, target_id=None)
            with self._store.reading() as uow:
                find_checkpoint(uow, base_checkpoint.checkpoint_id)  # not pruned meanwhile
                return unified_patch(
                    manifest,
                    old.read,
                    lambda path: read_live(root, live, path),
                    max_bytes=max_bytes,
                    prepare=lambda paths: old.stage(uow, paths),
                )

    def _live_tree(self, checkpoint: Checkpoint, root: WorkspaceRoot) -> Tree:
        """The tree in the workspace ``checkpoint`` was taken of, scanned through its index."""
        with self._store.reading() as uow:
            workspace = uow.workspaces.find(checkpoint.plan_id, root.path)
            index: WorkspaceIndex = self._indexes.load(uow, workspace, machine_origin(root))
        return scan_workspace(self._store, root, index, now_ns=self._factory.now_ns).tree


def _stored_diff(
    uow: UnitOfWork, base_checkpoint: Checkpoint, base: Tree, to_checkpoint_id: str
) -> tuple[Tree, DiffManifest]:
    """The target snapshot's checked tree, and the changes from ``base`` to it."""
    target_checkpoint = find_checkpoint(uow, to_checkpoint_id)
    target = checked_tree(uow, target_checkpoint)
    manifest = diff_trees(
        base,
        target,
        base_id=base_checkpoint.checkpoint_id,
        target_id=target_checkpoint.checkpoint_id,
    )
    return target, manifest
