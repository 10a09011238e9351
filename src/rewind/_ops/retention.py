"""What the store keeps: pruning by a retention policy, by hand or after each snapshot.

A prune, in one transaction:

1. locks every workspace in scope (in id order), so no snapshot or rollback of them moves
   meanwhile, and reads a summary of every checkpoint in scope;
2. keeps what the policy keeps, plus each workspace's head, a rollback's target, and, after
   a rollback of an agent's history, the checkpoints that tell a person's edits from the
   agent's (``hand_edits``: the workspace's reference);
3. folds the changes of each deleted run of snapshots into the kept snapshot after it, whose
   parent becomes the nearest kept ancestor (so its manifest stays exactly what it was);
4. deletes the other checkpoints with their change rows, then the contents no change row
   uses any more.

A kept snapshot's folded change rows record, for each path the run touched, its last state
against the kept ancestor: a path added and deleted within the run leaves no row, and a path
that existed before the run and was rewritten is recorded as modified even if the run ended
where it began (the manifest, which is what restores and diffs read, is exact either way).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime

from rewind._ops.hand_edits import keeps_hand_edits, reference
from rewind._paths import temporary_prefix, validate_path
from rewind.errors import CorruptStoreError, RewindError, UnsafePathError
from rewind.models import (
    ChangeKind,
    Checkpoint,
    CheckpointType,
    DiffEntry,
    EntryKind,
    PruneReport,
    RetentionPolicy,
)
from rewind.storage import (
    CheckpointSummary,
    Store,
    StoredChange,
    UnitOfWork,
    WorkspaceHead,
    WorkspaceRecord,
)

__all__ = ["prune_after_snapshot", "prune_store"]

_log = logging.getLogger("rewind")


BUDGET_ROUNDS = 8
"""A byte budget deletes an eighth of the oldest checkpoints left per round (at least one)."""


def prune_store(
    uow: UnitOfWork,
    policy: RetentionPolicy,
    now: datetime,
    *,
    plan_id: str | None,
    dry_run: bool,
) -> PruneReport:
    """Prune every checkpoint (of one plan, if given) by ``policy``; the caller commits."""
    workspaces = uow.workspaces.lock_in_scope(plan_id)
    summaries = uow.checkpoints.summaries(plan_id)
    protected = _protected(workspaces) | _references(uow, summaries)
    report = _prune(uow, policy, now, summaries, protected, dry_run=dry_run)
    if policy.max_bytes is None:
        return report
    return _within_budget(uow, policy, plan_id, protected, report)


def _within_budget(
    uow: UnitOfWork,
    policy: RetentionPolicy,
    plan_id: str | None,
    protected: set[str],
    report: PruneReport,
) -> PruneReport:
    """Delete the oldest checkpoints left, a slice at a time, until the store fits the budget.

    Never a head or a rollback's target, nor (``keep_labelled``) a labelled checkpoint. Each
    slice is deleted as a prune deletes (folding the changes forward, so every kept
    checkpoint stays exact), and the store is measured again after it.
    """
    assert policy.max_bytes is not None
    while uow.queries.stats().stored_bytes > policy.max_bytes:
        summaries = uow.checkpoints.summaries(plan_id)
        candidates = sorted(
            (
                summary
                for summary in summaries
                if summary.checkpoint_id not in protected
                and not (policy.keep_labelled and summary.label)
            ),
            key=lambda summary: summary.checkpoint_id,
        )
        if not candidates:
            break
        going = {s.checkpoint_id for s in candidates[: max(1, len(candidates) // BUDGET_ROUNDS)]}
        kept = {s.checkpoint_id for s in summaries} - going
        step = _delete_all_but(uow, summaries, kept, dry_run=report.dry_run)
        report = PruneReport(
            deleted=(*report.deleted, *step.deleted),
            kept=step.kept,
            blobs_deleted=report.blobs_deleted + step.blobs_deleted,
            bytes_freed=report.bytes_freed + step.bytes_freed,
            dry_run=report.dry_run,
        )
    return report


def prune_after_snapshot(
    store: Store, policy: RetentionPolicy, now: datetime, snapshot: Checkpoint
) -> None:
    """Prune ``snapshot``'s workspace by ``policy`` (automatic retention), never raising.

    A read first asks whether anything would go, so the prune's locks are taken only then.
    A failed prune is logged on the ``rewind`` logger; the snapshot stays stored.
    """
    try:
        with store.reading() as uow:
            if not _workspace_needs_pruning(uow, policy, now, snapshot):
                return
        with store.writing() as uow:
            _prune_workspace(uow, policy, now, snapshot)
            uow.commit()
    except RewindError:
        _log.warning(
            "retention after snapshot %s failed; the snapshot is stored",
            snapshot.checkpoint_id,
            exc_info=True,
        )


def _prune_workspace(
    uow: UnitOfWork, policy: RetentionPolicy, now: datetime, snapshot: Checkpoint
) -> PruneReport:
    """Prune the snapshots of ``snapshot``'s workspace by ``policy``; the caller commits.

    Only that workspace's rows are read, so the cost follows its history, not the store.
    """
    workspaces = uow.workspaces.lock_in_scope(snapshot.plan_id, snapshot.sandbox_ref)
    summaries = _workspace_snapshots(uow, snapshot)
    protected = _protected(workspaces) | _references(uow, summaries)
    return _prune(uow, policy, now, summaries, protected, dry_run=False)


def _workspace_needs_pruning(
    uow: UnitOfWork, policy: RetentionPolicy, now: datetime, snapshot: Checkpoint
) -> bool:
    """Whether ``policy`` would delete any snapshot of ``snapshot``'s workspace (a read only).

    Lets automatic retention skip the prune's locks when there is nothing to delete.
    """
    if not policy.keeps_by_rules:
        return False  # a byte budget is the store's, not one workspace's: prune applies it
    workspace = uow.workspaces.find(snapshot.plan_id, snapshot.sandbox_ref)
    summaries = _workspace_snapshots(uow, snapshot)
    protected = _protected([] if workspace is None else [workspace])
    protected |= _references(uow, summaries)
    kept = kept_ids(policy, now, summaries) | protected
    return any(summary.checkpoint_id not in kept for summary in summaries)


def _workspace_snapshots(uow: UnitOfWork, snapshot: Checkpoint) -> list[CheckpointSummary]:
    return [
        summary
        for summary in uow.checkpoints.summaries(snapshot.plan_id, snapshot.sandbox_ref)
        if summary.is_snapshot
    ]


def _protected(workspaces: Iterable[WorkspaceHead | WorkspaceRecord]) -> set[str]:
    """The checkpoints no prune deletes: the workspaces' heads and rollbacks' targets."""
    marks = (
        mark for workspace in workspaces for mark in (workspace.head_id, workspace.restoring_to)
    )
    return {mark for mark in marks if mark is not None}


def _references(uow: UnitOfWork, summaries: Sequence[CheckpointSummary]) -> set[str]:
    """The checkpoints read by the reference of each workspace a restoration changed last.

    Those whose newest snapshot is a safety snapshot recording what its rollback left: an
    undo, redo or rollback of an agent's history, whose target (and, for the paths it kept,
    the reference before it) tells a person's edits from the agent's until the agent's next
    checkpoint. Any other workspace's reference is its newest snapshot, or none.
    """
    newest: dict[tuple[str, str], CheckpointSummary] = {}
    for summary in summaries:  # oldest first
        if summary.is_snapshot:
            newest[summary.plan_id, summary.sandbox_ref] = summary
    found: set[str] = set()
    for (plan_id, sandbox_ref), summary in newest.items():
        if summary.checkpoint_type != CheckpointType.SAFETY:
            continue
        checkpoint = uow.checkpoints.get(summary.checkpoint_id)
        if checkpoint is None or not keeps_hand_edits(checkpoint):
            continue
        left = reference(uow, plan_id, sandbox_ref)
        if left is not None:
            found |= left.checkpoints
    return found


def _prune(
    uow: UnitOfWork,
    policy: RetentionPolicy,
    now: datetime,
    summaries: Sequence[CheckpointSummary],
    protected: set[str],
    *,
    dry_run: bool,
) -> PruneReport:
    if policy.keeps_by_rules:
        kept = kept_ids(policy, now, summaries) | protected
    else:  # a byte budget alone: nothing goes by rule
        kept = {summary.checkpoint_id for summary in summaries}
    return _delete_all_but(uow, summaries, kept, dry_run=dry_run)


def _delete_all_but(
    uow: UnitOfWork, summaries: Sequence[CheckpointSummary], kept: set[str], *, dry_run: bool
) -> PruneReport:
    """Delete every checkpoint of ``summaries`` not in ``kept``, each kept one staying exact."""
    deleted = [summary.checkpoint_id for summary in summaries if summary.checkpoint_id not in kept]
    if not deleted:
        return PruneReport(
            deleted=(), kept=len(summaries), blobs_deleted=0, bytes_freed=0, dry_run=dry_run
        )
    parents = {summary.checkpoint_id: summary.parent_id for summary in summaries}
    for summary in summaries:
        parent = summary.parent_id
        if summary.checkpoint_id in kept and parent is not None and parent not in kept:
            run = _deleted_run(summary.checkpoint_id, parents, kept)
            nearest_first = [summary.checkpoint_id, *run]
            changes = _folded(
                uow.checkpoints.stored_changes(nearest_first), nearest_first, summary.sandbox_ref
            )
            _require_contents(uow, summary.checkpoint_id, changes)
            uow.checkpoints.repoint(summary.checkpoint_id, parents[run[-1]], changes)
    used = uow.checkpoints.delete(deleted)
    blobs_deleted, bytes_freed = uow.blobs.delete_unused(used)
    return PruneReport(
        deleted=tuple(deleted),
        kept=len(summaries) - len(deleted),
        blobs_deleted=blobs_deleted,
        bytes_freed=bytes_freed,
        dry_run=dry_run,
    )


def kept_ids(
    policy: RetentionPolicy, now: datetime, summaries: Sequence[CheckpointSummary]
) -> set[str]:
    """Return the ids of the checkpoints ``policy`` keeps by its own rules.

    ``keep_last`` counts per workspace: snapshots by plan and directory, checkpoints without
    files by plan and ``sandbox_ref``. Safety checkpoints answer to ``safety_within`` alone
    (and ``keep_types``), unless it is None.
    """
    kept: set[str] = set()
    groups: defaultdict[tuple[str, str, bool], list[str]] = defaultdict(list)
    for summary in summaries:
        age = now - summary.created_at
        checkpoint_type = summary.checkpoint_type
        if checkpoint_type in policy.keep_types:
            kept.add(summary.checkpoint_id)
        elif checkpoint_type == CheckpointType.SAFETY and policy.safety_within is not None:
            if age < policy.safety_within:
                kept.add(summary.checkpoint_id)
            continue
        elif (policy.keep_within is not None and age < policy.keep_within) or (
            policy.keep_labelled and summary.label
        ):
            kept.add(summary.checkpoint_id)
        key = (summary.plan_id, summary.sandbox_ref, summary.is_snapshot)
        groups[key].append(summary.checkpoint_id)  # oldest first, as summaries come
    if policy.keep_last is not None:
        for ids in groups.values():
            kept.update(ids[-policy.keep_last :])
    return kept


def _deleted_run(child: str, parents: dict[str, str | None], kept: set[str]) -> list[str]:
    """The deleted ancestors of ``child``, nearest first, up to its nearest kept ancestor.

    Raises:
        CorruptStoreError: The parents loop, or one is not a checkpoint of the same history
            (rewind never writes either).
    """
    run: list[str] = []
    current = child
    while (parent := parents[current]) is not None and parent not in kept:
        if parent not in parents:
            raise CorruptStoreError(
                f"checkpoint {current} names the parent {parent!r}, which is not a checkpoint "
                "of its history: the store was damaged or tampered with; nothing was deleted",
                checkpoint_id=current,
            )
        if parent == child or parent in run:
            raise CorruptStoreError(
                f"the ancestry of checkpoint {child} loops back to {parent}: the store was "
                "damaged or tampered with; nothing was deleted",
                checkpoint_id=child,
            )
        run.append(parent)
        current = parent
    return run


def _folded(
    changes: Sequence[StoredChange], nearest_first: Sequence[str], sandbox_ref: str
) -> list[DiffEntry]:
    """The change rows that lead from a deleted run's kept ancestor to its kept child.

    ``nearest_first`` lists the kept child, then the run up to the kept ancestor; for each
    path the nearest row gives its state now and the farthest tells whether it existed
    before the run.

    Raises:
        CorruptStoreError: A row's path is hostile, or a checkpoint records a path twice.
    """
    depth = {checkpoint_id: position for position, checkpoint_id in enumerate(nearest_first)}
    temporary = temporary_prefix(sandbox_ref)
    newest: dict[str, StoredChange] = {}
    oldest: dict[str, StoredChange] = {}
    for change in sorted(changes, key=lambda change: depth[change.checkpoint_id]):
        _require_safe(change, temporary)
        if change.path in oldest and oldest[change.path].checkpoint_id == change.checkpoint_id:
            raise CorruptStoreError(
                f"checkpoint {change.checkpoint_id} records {change.path[:300]!r} twice: the "
                "store was damaged or tampered with; nothing was deleted",
                checkpoint_id=change.checkpoint_id,
                path=change.path,
            )
        newest.setdefault(change.path, change)
        oldest[change.path] = change
    folded = []
    for path in sorted(newest):
        existed = oldest[path].change is not ChangeKind.ADDED
        now = newest[path]
        if now.entry is None:
            if existed:
                folded.append(
                    DiffEntry(path=path, change=ChangeKind.DELETED, kind=EntryKind(now.kind))
                )
            continue
        folded.append(
            DiffEntry(
                path=path,
                change=ChangeKind.MODIFIED if existed else ChangeKind.ADDED,
                kind=now.entry.kind,
                new_hash=now.entry.content_hash,
                new_size=now.entry.size,
                new_mode=now.entry.mode,
            )
        )
    return folded


def _require_safe(change: StoredChange, temporary: str) -> None:
    try:
        validate_path(change.path, temporary)
    except UnsafePathError as exc:
        raise CorruptStoreError(
            f"checkpoint {change.checkpoint_id} records the hostile path {change.path[:300]!r}: "
            "the store was damaged or tampered with; nothing was deleted",
            checkpoint_id=change.checkpoint_id,
            path=change.path,
        ) from exc


def _require_contents(uow: UnitOfWork, checkpoint_id: str, changes: Sequence[DiffEntry]) -> None:
    """Check that every content a folded change names is stored.

    Raises:
        CorruptStoreError: One is missing (names the path).
    """
    needed = {change.new_hash: change.path for change in changes if change.new_hash is not None}
    stored = uow.blobs.headers(needed)
    for content_hash, path in needed.items():
        if content_hash not in stored:
            raise CorruptStoreError(
                f"the content {content_hash} of {path[:300]!r}, which checkpoint {checkpoint_id} "
                "keeps after the prune, is missing: the store was damaged or tampered with; "
                "nothing was deleted",
                checkpoint_id=checkpoint_id,
                path=path,
            )
