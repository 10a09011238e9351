"""Rolling a workspace back, and restoring a snapshot elsewhere: the sequence and its safety net.

A rollback, in order:

1. opens the workspace directory the target snapshot records (from ``/``, never through a
   symlink) and takes this machine's lock on it, which it holds to the end;
2. makes the target's tree and checks it: every path is safe, the tree hashes to the
   snapshot's ``tree_hash``, and its id, plan and directory to its ``checkpoint_hash``. The
   tree is the index's (the head's) with only the paths that differ replaced, read from the
   change rows between head and target (``lookup.target_tree``), or the whole manifest;
3. scans the workspace (through its watch, if the service watches), plans every removal and
   write (``planner``: what the target ignored and ``.git`` are kept; every path planned
   whose status changed since the scan is scanned again first), and fetches and checks
   every needed content (symlink targets included);
4. in one transaction, snapshots the current state (the safety checkpoint), moves the
   workspace's head to the target and marks the workspace as restoring to it;
5. writes the files (each through a temporary file, renamed into place), then clears the mark.

If anything fails in step 5, the workspace is rolled back to the safety checkpoint and
``RollbackFailedError`` says whether that worked. If the process dies in step 5, the mark
stays; the workspace's next snapshot takes the lock (so it waits for a live rollback, and
only a dead one's mark is left) and finishes the rollback first.

``restore_paths`` is a rollback of some paths only: the same checks, lock and safety
snapshot, but the workspace's head stays the safety snapshot (the workspace is now neither
checkpoint), no restore mark is set (a crash leaves some of the paths put back, and the
safety snapshot undoes it), and the files it writes make the next snapshot read them.

``restore_into`` locks its target for the whole restore, and on failure removes exactly
what it wrote.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from typing import Any

from rewind._manifest import ManifestEntry, Tree
from rewind._ops.contents import read_live
from rewind._ops.factory import CheckpointFactory, SnapshotRequest
from rewind._ops.hand_edits import (
    RESTORATION_KEY,
    Reference,
    interrupted,
    keeps_hand_edits,
    reference,
    restoration,
)
from rewind._ops.index import (
    IndexCache,
    WorkspaceIndex,
    index_update,
    machine_origin,
    scan_workspace,
)
from rewind._ops.integrity import stage_contents
from rewind._ops.lookup import checked_tree, find_checkpoint, require_snapshot, target_tree
from rewind._ops.patch import MAX_PATCHED_FILE, line_counts
from rewind._ops.planner import Planned, plan_rollback
from rewind._ops.record import ScannedWorkspace, record_snapshot
from rewind._ops.selection import PathSelection
from rewind._ops.watching import (
    KEPT_UNTRACKED,
    WatchedWorkspace,
    Watches,
    rescan_maybe_watched,
    scan_maybe_watched,
    watching,
)
from rewind.errors import (
    CheckpointNotFoundError,
    CorruptStoreError,
    RewindError,
    RollbackFailedError,
    UnsafePathError,
    WorkspaceNotFoundError,
)
from rewind.models import Checkpoint, CheckpointType, EntryKind, FileLines, RollbackResult
from rewind.storage import Store, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import ContentSpool
from rewind.workspace.restore import (
    RestorePlan,
    RestoreTarget,
    apply_restore,
    plan_restore,
    prepare_empty_directory,
)
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import ScanResult, resolve_workspace

__all__ = ["Restorer", "open_workspace"]


class Restorer:
    """Carries out rollbacks and restores on a store, each checked before any file changes.

    Not for snapshots: it takes only the safety snapshots its rollbacks need.
    """

    def __init__(
        self,
        store: Store,
        factory: CheckpointFactory,
        indexes: IndexCache,
        watches: Watches | None = None,
    ) -> None:
        self._store = store
        self._factory = factory
        self._indexes = indexes
        self._watches = watches

    def rollback(
        self,
        checkpoint_id: str,
        *,
        safety_extra: Mapping[str, Any] | None = None,
        force: bool = False,
    ) -> RollbackResult:
        """Put a snapshot's workspace back as the snapshot recorded it (see the module).

        ``safety_extra`` goes into the safety snapshot's ``metadata.extra`` (an undo's mark).
        Going back over an agent's history, a path a person changed is kept unless ``force``
        (``hand_edits``).
        """
        with self._store.reading() as uow:
            target = find_checkpoint(uow, checkpoint_id)
        require_snapshot(target)
        # The watch first, then the lock, as a snapshot takes them: never the other way round.
        with (
            open_workspace(target) as root,
            watching(self._watches, target.plan_id, root) as watched,
            root.locked(),
        ):
            return self._rollback_locked(
                target,
                root,
                watched,
                undo_on_failure=True,
                safety_extra=safety_extra,
                keep_hand_edits=not force,
            )

    def restore_paths(
        self,
        checkpoint_id: str,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        workspace: str | os.PathLike[str] | None = None,
        *,
        force: bool = False,
    ) -> RollbackResult:
        """Put back only ``paths`` as the snapshot recorded them (see the module).

        ``workspace`` is the directory to put them back into, the snapshot's own by default.
        Going back over an agent's history, a path a person changed is kept unless ``force``.
        """
        with self._store.reading() as uow:
            target = find_checkpoint(uow, checkpoint_id)
        require_snapshot(target)
        with (
            self._open(target, workspace) as root,
            watching(self._watches, target.plan_id, root) as watched,
            root.locked(),
        ):
            only = PathSelection.parse(paths, root.path)
            self._finish_dead_rollback(target.plan_id, root, watched)
            return self._rollback_locked(
                target, root, watched, undo_on_failure=True, only=only, keep_hand_edits=not force
            )

    def dry_run(
        self,
        checkpoint_id: str,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        workspace: str | os.PathLike[str] | None = None,
        *,
        force: bool = False,
    ) -> RollbackResult:
        """Say what a rollback (of ``paths`` only, if given) would restore, remove and keep.

        Nothing changes, anywhere. It waits for a rollback of the workspace under way, so it
        never plans against a half-written workspace.
        """
        with self._store.reading() as uow:
            target = find_checkpoint(uow, checkpoint_id)
        require_snapshot(target)
        # The lock first, then the store, as a rollback takes them: never the other way round.
        with (
            self._open(target, workspace) as root,
            root.locked(),
            self._store.reading() as uow,
            ContentSpool() as staged,
        ):
            only = None if paths is None else PathSelection.parse(paths, root.path)
            target = find_checkpoint(uow, checkpoint_id)
            record = uow.workspaces.find(target.plan_id, root.path)
            index = self._indexes.load(uow, record, machine_origin(root))
            tree = target_tree(uow, target, index)
            scanned = scan_workspace(self._store, root, index, now_ns=self._factory.now_ns)
            left = None if force else _reference(uow, target, root)
            planned = plan_rollback(uow, root, target, tree, scanned, only=only, reference=left)
            stage_contents(uow.blobs, planned.plan.writes, staged)
            lines = _lines(root, planned, staged)
        plan, selected = planned.plan, planned.selected
        result = _result(target, plan, safety_id=None, dry_run=True, selected=selected)
        return result.model_copy(update={"lines": lines})

    @staticmethod
    def _open(target: Checkpoint, workspace: str | os.PathLike[str] | None) -> WorkspaceRoot:
        """The snapshot's own workspace, or the directory ``workspace`` names."""
        if workspace is None:
            return open_workspace(target)
        return WorkspaceRoot(resolve_workspace(workspace))

    def _finish_dead_rollback(
        self, plan_id: str, root: WorkspaceRoot, watched: WatchedWorkspace | None
    ) -> None:
        """Finish a rollback of this workspace that a crash cut short (the caller locked it)."""
        with self._store.reading() as uow:
            record = uow.workspaces.find(plan_id, root.path)
        if record is not None and record.restoring_to is not None:
            self.finish_interrupted(record.restoring_to, plan_id, root, watched)

    def finish_interrupted(
        self,
        checkpoint_id: str,
        plan_id: str,
        root: WorkspaceRoot,
        watched: WatchedWorkspace | None = None,
    ) -> None:
        """Finish the rollback to ``checkpoint_id`` that a crash cut short, if it still needs it.

        The caller holds ``root``'s lock (and its watch, ``watched``, if it has one), so no
        live rollback of this machine is writing: a mark still set is a dead rollback's. A
        mark cleared or changed meanwhile means a live rollback finished; nothing is done.
        Finishing one of an agent's history keeps what a person changed since the crash: a
        path neither as the dead rollback's safety snapshot nor as its target holds it.

        Raises:
            CorruptStoreError: The workspace's record names a checkpoint of another workspace
                (or none): rewind never writes that, so nothing is done.
        """
        with self._store.reading() as uow:
            workspace = uow.workspaces.find(plan_id, root.path)
            if workspace is None or workspace.restoring_to != checkpoint_id:
                return
            try:
                target = find_checkpoint(uow, checkpoint_id)
            except CheckpointNotFoundError as exc:
                raise _foreign_mark(plan_id, root.path, checkpoint_id) from exc
        if (target.plan_id, target.sandbox_ref) != (plan_id, root.path):
            raise _foreign_mark(plan_id, root.path, checkpoint_id)
        self._rollback_locked(target, root, watched, undo_on_failure=True, finishing=True)

    def restore_into(
        self, checkpoint_id: str, target_dir: str | os.PathLike[str]
    ) -> RollbackResult:
        """Write a snapshot's files into a missing or empty directory.

        The target is locked for the restore and must be empty once locked; on any failure,
        exactly the files written are removed again (and the target, if this call created
        it), so it is left as it was.
        """
        path = prepare_empty_directory(target_dir)
        with ContentSpool() as staged:
            with self._store.reading() as uow:
                target, tree = _checked_snapshot(uow, checkpoint_id)
                stage_contents(uow.blobs, tree.values(), staged)
            with RestoreTarget(path) as claimed:
                claimed.plan = plan = plan_restore(claimed.root, tree, ScanResult({}, [], []))
                apply_restore(claimed.root, plan, lambda entry: staged.read(entry.content_hash))
        return _result(target, plan, safety_id=None)

    def _rollback_locked(
        self,
        target: Checkpoint,
        root: WorkspaceRoot,
        watched: WatchedWorkspace | None,
        *,
        undo_on_failure: bool,
        only: PathSelection | None = None,
        safety_extra: Mapping[str, Any] | None = None,
        keep_hand_edits: bool = False,
        finishing: bool = False,
    ) -> RollbackResult:
        """Steps 2 to 5 of a rollback to ``target``; the caller holds ``root``'s lock.

        With a watch (``watched``), the safety snapshot scans only what it reported, and the
        scan recorded stays the watch's starting point: every file the rollback writes or
        removes is reported to the next snapshot like any other change. With ``only``, just
        those paths are put back (``restore_paths``). With ``keep_hand_edits``, going back
        over an agent's history keeps what a person changed (``hand_edits``); such a rollback,
        like ``restore_paths``, leaves the head at the safety snapshot (the workspace is then
        neither checkpoint) and sets no restore mark (a dead rollback's goes: what it left is
        in the safety snapshot, and this plan replaces it). Going back over an agent's
        history, the safety snapshot records what the rollback leaves
        (``hand_edits.restoration``). ``finishing``: the rollback a crash cut short, which
        keeps what changed since the crash (``hand_edits.interrupted``).
        """
        checkpoint_id = target.checkpoint_id
        origin = machine_origin(root)
        with ExitStack() as stack:
            staged = stack.enter_context(ContentSpool())
            with self._store.writing() as uow:
                workspace = uow.workspaces.lock(target.plan_id, root.path)
                # Read again once locked: a prune may have deleted it (or moved its parent)
                # since, and none can now until this transaction ends.
                target = find_checkpoint(uow, checkpoint_id)
                require_snapshot(target)
                if only is None and target.sandbox_ref != root.path:
                    raise CorruptStoreError(  # pragma: no cover - a row changed between reads
                        f"checkpoint {checkpoint_id} changed its workspace during the rollback",
                        checkpoint_id=checkpoint_id,
                    )
                index = self._indexes.load(uow, workspace, origin)
                spool = stack.enter_context(ContentSpool())
                left = _reference(uow, target, root)
                if finishing:
                    held_against = None if left is None else interrupted(uow, target)
                else:
                    held_against = left if keep_hand_edits else None
                planned = self._plan(
                    uow,
                    root,
                    target,
                    index,
                    spool,
                    watched=watched,
                    only=only,
                    reference=held_against,
                )
                plan, scanned = planned.plan, planned.scanned
                whole = only is None and not planned.held
                stage_contents(uow.blobs, plan.writes, staged)
                scan = ScannedWorkspace(root, workspace, index, scanned, spool, origin)
                extra = dict(safety_extra or {})
                if left is not None:
                    extra[RESTORATION_KEY] = _restoration(target, plan, only)
                safety, current = self._take_safety_snapshot(uow, target, scan, only, extra=extra)
                if whole:
                    after = _move_head(uow, workspace, target, current, plan, origin=origin)
                else:
                    # The head stays the safety snapshot, the index its tree: the files
                    # written get new status, so the next snapshot reads them. A dead
                    # rollback's mark goes: this one was planned against what it left.
                    after = current
                    if workspace.restoring_to is not None:
                        uow.workspaces.mark_restoring(workspace, None)
                uow.commit()
            self._indexes.remember(workspace.workspace_id, after)
            if watched is not None:
                # Paths left untracked, or tracked again, without a change the watch sees.
                kept = whole and bool(plan.untracked or plan.adopted)
                watched.recorded(scanned, after, doubt=KEPT_UNTRACKED if kept else None)
            self._write(
                target,
                root,
                watched,
                safety=safety,
                plan=plan,
                staged=staged,
                undo_on_failure=undo_on_failure,
            )
            if whole:
                self._finish(target, root)
        return _result(target, plan, safety_id=safety.checkpoint_id, selected=planned.selected)

    def _plan(
        self,
        uow: UnitOfWork,
        root: WorkspaceRoot,
        target: Checkpoint,
        index: WorkspaceIndex,
        spool: ContentSpool,
        *,
        watched: WatchedWorkspace | None,
        only: PathSelection | None,
        reference: Reference | None,
    ) -> Planned:
        """Steps 2 and 3 of a rollback: the target's tree, the scan, and the plan."""
        tree = target_tree(uow, target, index)
        now_ns = self._factory.now_ns
        scanned = scan_maybe_watched(self._store, root, index, spool, watched, now_ns=now_ns)

        def rescan(previous: ScanResult, paths: list[str], changed: bool) -> ScanResult:
            since = (previous, paths)
            return rescan_maybe_watched(
                self._store,
                root,
                index,
                spool,
                since,
                watched=watched,
                now_ns=now_ns,
                changed=changed,
            )

        return plan_rollback(
            uow, root, target, tree, scanned, only=only, rescan=rescan, reference=reference
        )

    def _write(
        self,
        target: Checkpoint,
        root: WorkspaceRoot,
        watched: WatchedWorkspace | None,
        *,
        safety: Checkpoint,
        plan: RestorePlan,
        staged: ContentSpool,
        undo_on_failure: bool,
    ) -> None:
        """Step 5: carry out ``plan``; on any failure, go back to ``safety`` and say so."""
        try:
            apply_restore(root, plan, lambda entry: staged.read(entry.content_hash))
        except Exception as failure:  # any failure at all: the safety net must catch it
            if not undo_on_failure:
                raise
            self._undo(target, root, watched, safety, failure)

    def _take_safety_snapshot(
        self,
        uow: UnitOfWork,
        target: Checkpoint,
        scan: ScannedWorkspace,
        only: PathSelection | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[Checkpoint, WorkspaceIndex]:
        """Snapshot the state a rollback to ``target`` is about to replace."""
        what = "rollback" if only is None else "restore of some paths"
        request = SnapshotRequest(
            plan_id=target.plan_id,
            decision_id=target.decision_id,
            checkpoint_type=CheckpointType.SAFETY,
            label=f"before {what} to {target.checkpoint_id}",
            metadata={"reason": f"{what} to {target.checkpoint_id}"},
            extra=dict(extra or {}),
        )
        return record_snapshot(uow, self._factory, scan, request)

    def _undo(
        self,
        target: Checkpoint,
        root: WorkspaceRoot,
        watched: WatchedWorkspace | None,
        safety: Checkpoint,
        failure: Exception,
    ) -> None:
        """Put back the state a failed rollback started from, then report the failure.

        Raises:
            RollbackFailedError: Always: why the rollback failed, and whether undoing worked.
        """
        safety_id = safety.checkpoint_id
        try:
            self._rollback_locked(safety, root, watched, undo_on_failure=False)
        except Exception as undo_failure:  # reported inside the error raised below
            undone = False
            outcome = (
                f"putting the workspace back failed too ({undo_failure}); the next snapshot "
                f"of this workspace retries, from safety checkpoint {safety_id}"
            )
        else:
            undone = True
            outcome = (
                "the workspace was put back as it was before the rollback "
                f"(safety checkpoint {safety_id})"
            )
        raise RollbackFailedError(
            f"rolling back to {target.checkpoint_id} failed: {failure}; {outcome}",
            checkpoint_id=target.checkpoint_id,
            safety_checkpoint_id=safety_id,
            undone=undone,
            path=failure.path if isinstance(failure, RewindError) else None,
        ) from failure

    def _finish(self, target: Checkpoint, root: WorkspaceRoot) -> None:
        """Clear the workspace's restore mark once every file of ``target`` is in place."""
        with self._store.writing() as uow:
            workspace = uow.workspaces.lock(target.plan_id, root.path)
            if workspace.restoring_to == target.checkpoint_id:
                uow.workspaces.mark_restoring(workspace, None)
                uow.commit()


def open_workspace(target: Checkpoint) -> WorkspaceRoot:
    """Open the directory a rollback to ``target`` acts on, exactly as it was recorded.

    Raises:
        WorkspaceNotFoundError: It is gone (the message suggests ``restore_into``).
        UnsafePathError: Its path now leads through a symlink, or is not a real path.
    """
    recorded = target.sandbox_ref
    if not os.path.isabs(recorded) or os.path.normpath(recorded) != recorded:
        raise UnsafePathError(
            f"refusing to roll back {recorded!r}: not an absolute, normal path",
            checkpoint_id=target.checkpoint_id,
            path=recorded,
        )
    try:
        return WorkspaceRoot(recorded)
    except WorkspaceNotFoundError as exc:
        raise WorkspaceNotFoundError(
            f"workspace {recorded!r} of checkpoint {target.checkpoint_id} does not exist; if "
            "it moved, restore_into(checkpoint_id, new_directory) writes the checkpoint's "
            "files elsewhere",
            checkpoint_id=target.checkpoint_id,
            path=recorded,
        ) from exc
    except UnsafePathError as exc:
        raise UnsafePathError(
            f"refusing to roll back {recorded!r}: that path now leads through a symlink; "
            "restore_into(checkpoint_id, directory) writes the files elsewhere",
            checkpoint_id=target.checkpoint_id,
            path=recorded,
        ) from exc


def _checked_snapshot(uow: UnitOfWork, checkpoint_id: str) -> tuple[Checkpoint, Tree]:
    checkpoint = find_checkpoint(uow, checkpoint_id)
    return checkpoint, checked_tree(uow, checkpoint, sealed=True)


def _foreign_mark(plan_id: str, directory: str, checkpoint_id: str) -> CorruptStoreError:
    return CorruptStoreError(
        f"the workspace record of plan {plan_id!r} at {directory!r} says it is being rolled "
        f"back to checkpoint {checkpoint_id}, which is not a snapshot of that workspace: the "
        "store was damaged or tampered with",
        checkpoint_id=checkpoint_id,
        path=directory,
    )


def _move_head(
    uow: UnitOfWork,
    workspace: WorkspaceHead,
    target: Checkpoint,
    current: WorkspaceIndex,
    plan: RestorePlan,
    *,
    origin: str,
) -> WorkspaceIndex:
    """Move the workspace's head to ``target`` and mark it restoring; return its new index.

    The index becomes the target's tree: ``current`` (the safety snapshot's) with what the
    plan writes (or adopts) and without what it removes or leaves untracked.
    """
    writes = {entry.path: entry for entry in (*plan.writes, *plan.adopted)}
    removed = [*plan.removals, *plan.untracked]
    restored = current.restored(target, writes, removed)
    update = index_update(current, restored, origin, list(writes), removed=removed)
    uow.workspaces.move_head(workspace, update)
    uow.workspaces.mark_restoring(workspace, target.checkpoint_id)
    return restored


def _lines(root: WorkspaceRoot, planned: Planned, staged: ContentSpool) -> tuple[FileLines, ...]:
    """The lines each text file the plan writes or removes would gain and lose, by path.

    Regular files on both sides (or one, the other absent), up to ``MAX_PATCHED_FILE``; the
    current side is read from the workspace now, the target's from ``staged``.
    """
    current = planned.scanned.tree
    sides: list[tuple[str, ManifestEntry | None, ManifestEntry | None]] = [
        (entry.path, current.get(entry.path), entry) for entry in planned.plan.writes
    ]
    sides += [(path, current.get(path), None) for path in planned.plan.removals]
    counted = []
    for path, now, wanted in sorted(sides, key=lambda side: side[0]):
        if not all(_countable(entry) for entry in (now, wanted)):
            continue
        before = b"" if now is None else read_live(root, current, path)
        after = b"" if wanted is None else b"".join(staged.read(wanted.content_hash))
        added, removed = line_counts(before, after)
        counted.append(FileLines(path=path, lines_added=added, lines_removed=removed))
    return tuple(counted)


def _countable(entry: ManifestEntry | None) -> bool:
    """Whether ``entry``'s side of a file's change has lines to count (absent: none)."""
    return entry is None or (entry.kind is EntryKind.FILE and entry.size <= MAX_PATCHED_FILE)


def _reference(uow: UnitOfWork, target: Checkpoint, root: WorkspaceRoot) -> Reference | None:
    """What rewind last saw left in ``root``, if a rollback to ``target`` keeps hand edits.

    Only going back over an agent's history in its own workspace (``hand_edits``).
    """
    if root.path != target.sandbox_ref or not keeps_hand_edits(target):
        return None
    return reference(uow, target.plan_id, root.path)


def _restoration(
    target: Checkpoint, plan: RestorePlan, only: PathSelection | None
) -> dict[str, Any]:
    """The record of what a rollback (or, with ``only``, a restore of some paths) leaves."""
    if only is None:
        return restoration(target, kept=[kept.path for kept in plan.kept])
    return restoration(target, written=plan.restored, removed=plan.removals)


def _result(
    target: Checkpoint,
    plan: RestorePlan,
    *,
    safety_id: str | None,
    dry_run: bool = False,
    selected: int | None = None,
) -> RollbackResult:
    """What a restore did (or, for a dry run, would do).

    ``selected``: how many of the target's paths a ``restore_paths`` selected; the others
    were left as they are, neither restored nor unchanged (nor are those it kept).
    """
    unchanged = plan.unchanged_count if selected is None else selected - len(plan.writes)
    return RollbackResult(
        checkpoint_id=target.checkpoint_id,
        restored=tuple(plan.restored),
        removed=plan.removals,
        unchanged_count=unchanged,
        safety_checkpoint_id=safety_id,
        dry_run=dry_run,
        kept=plan.kept,
    )
