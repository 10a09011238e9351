"""Recording a scanned workspace as a snapshot: the heart of rewind.

``record_snapshot`` diffs a scanned tree against the workspace's head, puts the diff metadata
into ``metadata.extra``, builds the checkpoint, and hands checkpoint, changes and new
contents to the repository at once. Both a snapshot and a rollback's safety snapshot are
recorded here, so the two can never store a snapshot differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rewind._manifest import Known, checkpoint_hash
from rewind._ops.factory import CheckpointFactory, SnapshotRequest
from rewind._ops.index import WorkspaceIndex, hash_rows, index_update
from rewind.models import Checkpoint
from rewind.storage import NewBlob, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import ContentSpool
from rewind.workspace.diff import diff_trees
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import ScanResult

__all__ = ["ScannedWorkspace", "record_snapshot"]


@dataclass(frozen=True, slots=True)
class ScannedWorkspace:
    """One scan of a locked workspace, ready to be recorded.

    ``scanned`` was read with ``index`` (whose head is ``workspace``'s) and spooled into
    ``spool`` every content the index does not hold; ``origin`` names the machine and file
    system whose file status the index records.
    """

    root: WorkspaceRoot
    workspace: WorkspaceHead
    index: WorkspaceIndex
    scanned: ScanResult
    spool: ContentSpool
    origin: str


def removed_since(previous: Mapping[str, Known], scanned: ScanResult) -> list[str]:
    """The paths of ``previous`` (the index's tree) that ``scanned`` no longer holds.

    A rescan knows them: what it looked at again and did not find. Its tree is the index's
    by construction (a watched scan starts from the scan the index was recorded from); the
    counts are checked all the same, and on any mismatch the trees are compared whole.
    """
    if scanned.removed is not None:
        removed = [path for path in scanned.removed if path in previous]
        added = sum(1 for path in scanned.fresh if path not in previous)
        if len(previous) - len(removed) + added == len(scanned.tree):
            return removed
    tree = scanned.tree
    return [path for path in previous if path not in tree]


def record_snapshot(
    uow: UnitOfWork, factory: CheckpointFactory, scan: ScannedWorkspace, request: SnapshotRequest
) -> tuple[Checkpoint, WorkspaceIndex]:
    """Diff a scanned tree against the workspace's index, build the snapshot, and store it.

    The caller holds the workspace's lock and commits.

    Returns:
        The snapshot, and the workspace's index once the unit of work commits.
    """
    index, scanned, workspace = scan.index, scan.scanned, scan.workspace
    tree = scanned.tree
    previous = index.known
    removed = removed_since(previous, scanned)
    touched = sorted({*scanned.fresh, *removed})
    diff = diff_trees(
        {path: previous[path].entry for path in touched if path in previous},
        {path: tree[path] for path in touched if path in tree},
        base_id=workspace.head_id,
        target_id=None,
    )
    changed = index.changed(
        removed, [Known(tree[path], scanned.stats[path]) for path in scanned.fresh]
    )
    checkpoint_id = factory.new_id(workspace.head_id)
    if diff.entries or index.tree_hash is None:
        tree_digest = hash_rows(changed.rows, changed.order)
    else:
        tree_digest = index.tree_hash
    directory = scan.root.path
    extra: dict[str, Any] = {
        "diff_paths": list(diff.paths),
        "diff_based": True,
        "diff_hash": diff.hash,
        "diff_base": workspace.head_id,
        "tree_hash": tree_digest,
        "checkpoint_hash": checkpoint_hash(checkpoint_id, request.plan_id, directory, tree_digest),
    }
    if scanned.skipped:
        extra["skipped_paths"] = scanned.skipped
    checkpoint = factory.build(
        checkpoint_id=checkpoint_id,
        plan_id=request.plan_id,
        sandbox_ref=directory,
        decision_id=request.decision_id,
        checkpoint_type=request.checkpoint_type,
        parent_id=workspace.head_id,
        label=request.label,
        metadata=factory.metadata({**request.metadata, "extra": request.extra | extra}),
    )
    stored = index.hashes
    new_hashes = {entry.new_hash for entry in diff.entries if entry.new_hash not in stored}
    blobs = [
        NewBlob(blob.content_hash, blob.size, blob.codec, len(blob.spans), scan.spool.chunks(blob))
        for blob in scan.spool.blobs()
        if blob.content_hash in new_hashes
    ]
    uow.blobs.add(blobs)
    uow.checkpoints.add_snapshot(checkpoint, diff.entries)
    after = WorkspaceIndex(
        checkpoint_id,
        index.version + 1,
        changed.known,
        ignore_lines=scanned.ignore_lines,
        tree_hash=tree_digest,
        rows=changed.rows,
        counts=changed.counts,
        order=changed.order,
        carried_directories=index.directories_if_known() if changed.order is index.order else None,
        paths_checked=True,  # the scan's paths (``known`` holds no other)
    )
    update = index_update(index, after, scan.origin, scanned.fresh, removed=removed)
    uow.workspaces.move_head(workspace, update)
    return checkpoint, after
