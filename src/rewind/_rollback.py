"""Rolling a workspace back, and restoring a snapshot elsewhere: the sequence and its safety net.

A rollback, in order:

1. reads the target snapshot's manifest and checks it: every path is safe, the manifest hashes
   to the snapshot's ``tree_hash``, and its id, plan and directory to its ``checkpoint_hash``;
2. opens the workspace (refusing one whose path now leads through a symlink), scans it, plans
   every removal and write, and fetches and checks every needed content;
3. in one transaction, snapshots the current state (the safety checkpoint), moves the
   workspace's head to the target and marks the workspace as restoring to it;
4. writes the files (each through a temporary file, renamed into place), then clears the mark.

If the file system refuses a change in step 4, the workspace is rolled back to the safety
checkpoint and ``RollbackFailedError`` says whether that worked. If the process dies in step
4, the mark stays, and the workspace's next snapshot finishes the rollback first.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from contextlib import ExitStack

from rewind._integrity import stage_contents
from rewind._manifest import Tree
from rewind._snapshots import (
    CheckpointFactory,
    SnapshotRequest,
    checked_tree,
    find_checkpoint,
    record_snapshot,
)
from rewind.errors import (
    CheckpointNotFoundError,
    CorruptStoreError,
    DiskFullError,
    RewindError,
    RollbackFailedError,
    UnsafePathError,
    WorkspaceError,
    WorkspaceNotFoundError,
)
from rewind.models import Checkpoint, CheckpointType, RollbackResult
from rewind.storage import Store, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import ContentSpool
from rewind.workspace.restore import (
    RestorePlan,
    apply_restore,
    create_directory,
    plan_restore,
    prepare_empty_directory,
)
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import ScanResult, WorkspaceScanner, resolve_workspace

__all__ = ["Restorer"]

ScannerFor = Callable[[WorkspaceRoot], WorkspaceScanner]


class Restorer:
    """Carries out rollbacks and restores on a store, each checked before any file changes.

    Not for snapshots: it takes only the safety snapshots its rollbacks need.
    """

    def __init__(self, store: Store, factory: CheckpointFactory, scanner_for: ScannerFor) -> None:
        self._store = store
        self._factory = factory
        self._scanner_for = scanner_for

    def rollback(
        self, checkpoint_id: str, *, dry_run: bool, undo_on_failure: bool = True
    ) -> RollbackResult:
        """Put a snapshot's workspace back as the snapshot recorded it (see the module)."""
        with ExitStack() as stack:
            staged = stack.enter_context(ContentSpool())
            with self._store.writing() as uow:
                target, tree = _checked_snapshot(uow, checkpoint_id)
                root = stack.enter_context(WorkspaceRoot(_workspace_directory(target)))
                workspace = uow.checkpoints.lock_workspace(target.plan_id, root.path)
                scanned = self._scanner_for(root).scan(root)
                plan = plan_restore(root, tree, scanned)
                stage_contents(uow.checkpoints, plan.writes, staged)
                if dry_run:
                    return _result(target, plan, safety_id=None, dry_run=True)
                safety = self._take_safety_snapshot(
                    uow,
                    target,
                    root=root,
                    workspace=workspace,
                    scanned=scanned,
                    spool=stack.enter_context(ContentSpool()),
                )
                uow.checkpoints.move_head(workspace, target.checkpoint_id)
                uow.checkpoints.mark_restoring(workspace, target.checkpoint_id)
                uow.commit()
            try:
                apply_restore(root, plan, lambda entry: staged.read(entry.content_hash))
            except (WorkspaceError, DiskFullError) as failure:
                if not undo_on_failure:
                    raise
                self._undo(target, safety.checkpoint_id, failure)
            self._finish(target, root)
        return _result(target, plan, safety_id=safety.checkpoint_id, dry_run=False)

    def finish_interrupted(self, checkpoint_id: str, plan_id: str, directory: str) -> None:
        """Finish the rollback to ``checkpoint_id`` that a crash cut short in a workspace.

        Raises:
            CorruptStoreError: The workspace's record names a checkpoint of another workspace
                (or none): rewind never writes that, so nothing is done.
        """
        with self._store.reading() as uow:
            try:
                target = find_checkpoint(uow, checkpoint_id)
            except CheckpointNotFoundError as exc:
                raise _foreign_mark(plan_id, directory, checkpoint_id) from exc
        if (target.plan_id, target.sandbox_ref) != (plan_id, directory):
            raise _foreign_mark(plan_id, directory, checkpoint_id)
        self.rollback(checkpoint_id, dry_run=False)

    def restore_into(
        self, checkpoint_id: str, target_dir: str | os.PathLike[str]
    ) -> RollbackResult:
        """Write a snapshot's files into a missing or empty directory.

        On any failure, what was written is removed again (and the directory, if it was
        created), so the target is left as it was.
        """
        path = prepare_empty_directory(target_dir)
        with ContentSpool() as staged:
            with self._store.reading() as uow:
                target, tree = _checked_snapshot(uow, checkpoint_id)
                stage_contents(uow.checkpoints, tree.values(), staged)
            created = not os.path.lexists(path)
            create_directory(path)
            try:
                with WorkspaceRoot(resolve_workspace(path, what="target directory")) as root:
                    try:
                        prepare_empty_directory(root.path)
                        plan = plan_restore(root, tree, ScanResult({}, [], []))
                        apply_restore(root, plan, lambda entry: staged.read(entry.content_hash))
                    except BaseException:
                        _empty_again(root)
                        raise
            except BaseException:
                if created:
                    with contextlib.suppress(OSError):  # the first error is what matters
                        os.rmdir(path)
                raise
        return _result(target, plan, safety_id=None, dry_run=False)

    def _take_safety_snapshot(
        self,
        uow: UnitOfWork,
        target: Checkpoint,
        *,
        root: WorkspaceRoot,
        workspace: WorkspaceHead,
        scanned: ScanResult,
        spool: ContentSpool,
    ) -> Checkpoint:
        """Snapshot the state a rollback to ``target`` is about to replace."""
        request = SnapshotRequest(
            plan_id=target.plan_id,
            decision_id=target.decision_id,
            checkpoint_type=CheckpointType.SAFETY,
            label=f"before rollback to {target.checkpoint_id}",
            metadata={"reason": f"rollback to {target.checkpoint_id}"},
            extra={},
        )
        return record_snapshot(
            uow,
            self._factory,
            root=root,
            workspace=workspace,
            scanned=scanned,
            request=request,
            spool=spool,
        )

    def _undo(self, target: Checkpoint, safety_id: str, failure: RewindError) -> None:
        """Put back the state a failed rollback started from, then report the failure.

        Raises:
            RollbackFailedError: Always: why the rollback failed, and whether undoing worked.
        """
        try:
            self.rollback(safety_id, dry_run=False, undo_on_failure=False)
        except RewindError as undo_failure:
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
            path=failure.path,
        ) from failure

    def _finish(self, target: Checkpoint, root: WorkspaceRoot) -> None:
        """Clear the workspace's restore mark once every file of ``target`` is in place."""
        with self._store.writing() as uow:
            workspace = uow.checkpoints.lock_workspace(target.plan_id, root.path)
            if workspace.restoring_to == target.checkpoint_id:
                uow.checkpoints.mark_restoring(workspace, None)
                uow.commit()


def _checked_snapshot(uow: UnitOfWork, checkpoint_id: str) -> tuple[Checkpoint, Tree]:
    checkpoint = find_checkpoint(uow, checkpoint_id)
    return checkpoint, checked_tree(uow, checkpoint, sealed=True)


def _workspace_directory(target: Checkpoint) -> str:
    """Return the directory a rollback to ``target`` acts on, as it was recorded.

    Raises:
        WorkspaceNotFoundError: It is gone (the message suggests ``restore_into``).
        UnsafePathError: Its path now leads through a symlink to somewhere else.
    """
    recorded = target.sandbox_ref
    try:
        real = resolve_workspace(recorded)
    except WorkspaceNotFoundError as exc:
        raise WorkspaceNotFoundError(
            f"workspace {recorded!r} of checkpoint {target.checkpoint_id} does not exist; if "
            "it moved, restore_into(checkpoint_id, new_directory) writes the checkpoint's "
            "files elsewhere",
            checkpoint_id=target.checkpoint_id,
            path=recorded,
        ) from exc
    if real != recorded:
        raise UnsafePathError(
            f"refusing to roll back {recorded!r}: that path now leads through a symlink to "
            f"{real!r}; restore_into(checkpoint_id, directory) writes the files elsewhere",
            checkpoint_id=target.checkpoint_id,
            path=recorded,
        )
    return real


def _foreign_mark(plan_id: str, directory: str, checkpoint_id: str) -> CorruptStoreError:
    return CorruptStoreError(
        f"the workspace record of plan {plan_id!r} at {directory!r} says it is being rolled "
        f"back to checkpoint {checkpoint_id}, which is not a snapshot of that workspace: the "
        "store was damaged or tampered with",
        checkpoint_id=checkpoint_id,
        path=directory,
    )


def _empty_again(root: WorkspaceRoot) -> None:
    """Remove what a failed ``restore_into`` wrote (best effort: the first error stands)."""
    with contextlib.suppress(RewindError, OSError):
        for directory, _subdirectories, others in root.walk(""):
            for name in others:
                root.unlink(f"{directory}/{name}" if directory else name, missing_ok=True)
        for directory, _subdirectories, _others in reversed(list(root.walk(""))):
            if directory:
                root.remove_empty_directory(directory)


def _result(
    target: Checkpoint, plan: RestorePlan, *, safety_id: str | None, dry_run: bool
) -> RollbackResult:
    """What a restore did (or, for a dry run, would do)."""
    return RollbackResult(
        checkpoint_id=target.checkpoint_id,
        restored=tuple(plan.restored),
        removed=plan.removals,
        unchanged_count=plan.unchanged_count,
        safety_checkpoint_id=safety_id,
        dry_run=dry_run,
    )
