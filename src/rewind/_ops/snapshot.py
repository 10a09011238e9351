"""Taking a workspace snapshot: scan outside the lock, record inside it, retry on a race.

A snapshot, in order:

1. reads the workspace's head and index (no lock), and scans the workspace with the index,
   reading only files whose status changed and spooling their new contents;
2. in one write transaction, locks the workspace's record; if its head or index moved since
   step 1 (another process snapshotted or rolled it back), it starts again, and after
   ``OPTIMISTIC_SCANS`` such races scans inside the transaction, so a snapshot always ends;
3. records the snapshot (``record.record_snapshot``) and commits.

If the workspace's record says a rollback is under way, the snapshot takes the workspace's
lock: a live rollback is waited for, a dead one (a crash cut it short) is finished first.
"""

from __future__ import annotations

import os

from rewind._ops.factory import CheckpointFactory, SnapshotRequest
from rewind._ops.index import IndexCache, machine_origin
from rewind._ops.record import ScannedWorkspace, record_snapshot
from rewind._ops.rollback import Restorer
from rewind._ops.watching import WatchedWorkspace, Watches, scan_maybe_watched, watching
from rewind.errors import LockTimeoutError
from rewind.models import Checkpoint
from rewind.storage import Store, WorkspaceHead
from rewind.workspace.capture import ContentSpool
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import resolve_workspace

__all__ = ["OPTIMISTIC_SCANS", "ROLLBACKS_WAITED_FOR", "Snapshotter"]

ROLLBACKS_WAITED_FOR = 20
"""How many rollbacks of its workspace a snapshot waits for before it gives up."""
OPTIMISTIC_SCANS = 3
"""How many times a snapshot scans before its write transaction, if others keep racing it."""


class Snapshotter:
    """Takes workspace snapshots on a store; the twin of ``Restorer``.

    Not for checkpoints without files (the facade stores those directly) nor for a
    rollback's safety snapshot (the ``Restorer`` records that inside its own transaction).
    """

    def __init__(
        self,
        store: Store,
        factory: CheckpointFactory,
        indexes: IndexCache,
        restorer: Restorer,
        watches: Watches | None = None,
    ) -> None:
        self._store = store
        self._factory = factory
        self._indexes = indexes
        self._restorer = restorer
        self._watches = watches

    def snapshot(self, sandbox_ref: str | os.PathLike[str], request: SnapshotRequest) -> Checkpoint:
        """Snapshot the workspace at ``sandbox_ref``, first finishing a cut-short rollback.

        Raises:
            WorkspaceError: The workspace is missing, not a directory, or unreadable.
            LockTimeoutError: Others kept rolling the workspace back meanwhile.
            DeadlineExceededError: The request's deadline passed before it was stored.
        """
        with (
            WorkspaceRoot(resolve_workspace(sandbox_ref)) as root,
            watching(self._watches, request.plan_id, root) as watched,
        ):
            origin = machine_origin(root)
            for attempt in range(ROLLBACKS_WAITED_FOR):
                outcome = self._try(
                    root, request, origin, watched, scan_locked=attempt >= OPTIMISTIC_SCANS
                )
                if isinstance(outcome, Checkpoint):
                    return outcome
                if outcome is not None:
                    # A rollback is writing files, or a crash cut one short. Its lock tells
                    # which: wait for a live one; finish a dead one (as a new rollback, whose
                    # safety snapshot keeps the half-restored state). Then snapshot.
                    with root.locked():
                        self._restorer.finish_interrupted(outcome, request.plan_id, root, watched)
            raise LockTimeoutError(  # pragma: no cover - needs 20 rollbacks racing one snapshot
                f"the workspace of plan {request.plan_id!r} at {root.path!r} was being rolled "
                f"back by others each of the {ROLLBACKS_WAITED_FOR} times this snapshot "
                "waited for it; try again",
                path=root.path,
            )

    def _try(
        self,
        root: WorkspaceRoot,
        request: SnapshotRequest,
        origin: str,
        watched: WatchedWorkspace | None,
        *,
        scan_locked: bool,
    ) -> Checkpoint | str | None:
        """Take a snapshot, or say why not: the id of a rollback under way, or None (raced).

        With ``scan_locked`` the scan runs inside the write transaction, holding the
        workspace's lock, so no other snapshot or rollback can move the head meanwhile.
        """
        plan_id = request.plan_id
        self._factory.check_deadline(request, root.path)
        with ContentSpool() as spool:
            seen: WorkspaceHead | None = None
            scanned = None
            if not scan_locked:
                with self._store.reading() as uow:
                    seen = uow.workspaces.find(plan_id, root.path)
                    if seen is not None and seen.restoring_to is not None:
                        return seen.restoring_to
                    index = self._indexes.load(uow, seen, origin)
                scanned = scan_maybe_watched(
                    self._store, root, index, spool, watched, now_ns=self._factory.now_ns
                )
            with self._store.writing() as uow:
                workspace = uow.workspaces.lock(plan_id, root.path)
                if workspace.restoring_to is not None:
                    return workspace.restoring_to
                if scanned is None:
                    index = self._indexes.load(uow, workspace, origin)
                    scanned = scan_maybe_watched(
                        self._store, root, index, spool, watched, now_ns=self._factory.now_ns
                    )
                elif not _unchanged_since(seen, workspace):
                    return None
                scan = ScannedWorkspace(root, workspace, index, scanned, spool, origin)
                checkpoint, after = record_snapshot(uow, self._factory, scan, request)
                self._factory.check_deadline(request, root.path)  # late: rolled back, not stored
                uow.commit()
        self._indexes.remember(workspace.workspace_id, after)
        if watched is not None:
            watched.recorded(scanned, after)
        return checkpoint


def _unchanged_since(seen: WorkspaceHead | None, now: WorkspaceHead) -> bool:
    """Whether a workspace's head and index are still what a scan was based on."""
    if seen is None:
        return now.head_id is None
    return (now.head_id, now.index_version) == (seen.head_id, seen.index_version)
