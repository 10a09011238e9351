"""Finding checkpoints and the trees they record, checked before anything acts on them."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from rewind._ids import first_id_at
from rewind._manifest import Known, Tree
from rewind._ops.index import WorkspaceIndex, hash_rows
from rewind._ops.integrity import require_intact
from rewind.errors import (
    AmbiguousCheckpointIdError,
    CheckpointNotFoundError,
    CorruptStoreError,
    InvalidCheckpointIdError,
    InvalidInputError,
)
from rewind.models import (
    ULID_PATTERN,
    Checkpoint,
)
from rewind.storage import CheckpointQuery, DirectoryScope, UnitOfWork

__all__ = [
    "MIN_ID_PREFIX",
    "checked_tree",
    "find_checkpoint",
    "list_checkpoints",
    "require_snapshot",
    "resolve_prefix",
    "target_tree",
    "tree_from_index",
]


def find_checkpoint(uow: UnitOfWork, checkpoint_id: str) -> Checkpoint:
    """Return the checkpoint with this id.

    Raises:
        InvalidCheckpointIdError: ``checkpoint_id`` is not a ULID (in either letter case).
        CheckpointNotFoundError: No such checkpoint exists.
    """
    if not isinstance(checkpoint_id, str) or not ULID_PATTERN.match(checkpoint_id.upper()):
        raise InvalidCheckpointIdError(
            f"{checkpoint_id!r:.80} is not a checkpoint id (a 26-character ULID)"
        )
    checkpoint = uow.checkpoints.get(checkpoint_id.upper())
    if checkpoint is None:
        raise CheckpointNotFoundError(checkpoint_id)
    return checkpoint


def target_tree(uow: UnitOfWork, target: Checkpoint, index: WorkspaceIndex) -> Tree:
    """Return the tree a restore to ``target`` writes, checked as ``checked_tree`` checks it.

    The workspace's index holds its head's tree. When that tree hashes to ``target``'s (a
    rollback to the last snapshot) it is the target's, and the history is not read.
    Otherwise the target's tree is the index's with only the paths that changed between
    the head and the target replaced (``tree_from_index``), unless that would read as much
    as the target's whole manifest.

    Raises:
        InvalidInputError: The checkpoint records no files.
        UnsafePathError: A path is hostile.
        CorruptStoreError: The manifest cannot be read, or does not match its hashes.
    """
    require_snapshot(target)
    if index.known:
        if index.current_tree_hash() == target.tree_hash:
            trusted = index.tree if index.paths_checked else None
            require_intact(target, index.tree, hashed=True, trusted=trusted)
            return index.tree
        tree = tree_from_index(uow, target, index)
        if tree is not None:
            return tree
    return checked_tree(uow, target, sealed=True)


def tree_from_index(uow: UnitOfWork, target: Checkpoint, index: WorkspaceIndex) -> Tree | None:
    """Return ``target``'s tree made from the index's, checked; None if it cannot be.

    The paths that differ between the index's head and ``target`` are those the change rows
    name along the two lineages, from each down to the nearest checkpoint they share; only
    those paths' entries in ``target``'s tree are read. The tree made must hash to
    ``target``'s ``tree_hash``: if it does not (a damaged index, say), or the lineages share
    no checkpoint, or more than half the tree changed, None says to read the whole manifest.

    Raises:
        UnsafePathError: A path is hostile.
        CorruptStoreError: A change row of ``target``'s lineage is damaged, or ``target``
            does not match its ``checkpoint_hash``.
    """
    if index.head_id is None:  # pragma: no cover - an index with entries has a head
        return None
    try:
        head_line = uow.checkpoints.ancestry(index.head_id)
    except CorruptStoreError:
        return None  # the head's history is damaged: the target's own manifest decides
    target_line = uow.checkpoints.ancestry(target.checkpoint_id)
    shared = set(target_line)
    fork = next((depth for depth, ancestor in enumerate(head_line) if ancestor in shared), None)
    if fork is None:
        return None
    apart = head_line[:fork] + target_line[: target_line.index(head_line[fork])]
    changed = uow.checkpoints.changed_paths(apart)
    if len(changed) > len(index.known) // 2:
        return None
    entries = uow.checkpoints.entries_at(target_line, changed)
    gone = [path for path in changed if path not in entries]
    made = index.changed(gone, [Known(e, None) for p, e in entries.items() if p in changed])
    if hash_rows(made.rows, made.order) != target.tree_hash:
        return None
    tree = {path: known.entry for path, known in made.known.items()}
    require_intact(target, tree, hashed=True, trusted=index.tree if index.paths_checked else None)
    return tree


def checked_tree(uow: UnitOfWork, checkpoint: Checkpoint, *, sealed: bool = False) -> Tree:
    """Return the tree a snapshot records.

    Args:
        uow: The unit of work to read in.
        checkpoint: A snapshot.
        sealed: Whether to check, before returning, every path and the snapshot's
            ``tree_hash`` and ``checkpoint_hash`` (what a restore acts on).

    Raises:
        InvalidInputError: The checkpoint records no files.
        UnsafePathError: ``sealed`` and a path is hostile.
        CorruptStoreError: The manifest cannot be read, or (``sealed``) does not match its
            hashes.
    """
    require_snapshot(checkpoint)
    tree = uow.checkpoints.manifest(checkpoint.checkpoint_id)
    if sealed:
        require_intact(checkpoint, tree)
    return tree


def require_snapshot(checkpoint: Checkpoint) -> None:
    """Check that ``checkpoint`` records files.

    Raises:
        InvalidInputError: It was made by ``create_checkpoint`` and records no files.
    """
    if not checkpoint.is_snapshot:
        raise InvalidInputError(
            f"checkpoint {checkpoint.checkpoint_id!r} records no files "
            "(it was made by create_checkpoint)",
            checkpoint_id=checkpoint.checkpoint_id,
        )


MIN_ID_PREFIX = 4
"""The fewest characters of a checkpoint id that ``resolve_checkpoint_id`` takes."""
ULID_LENGTH = 26
CANDIDATES_SHOWN = 5
"""How many matching ids an ambiguous prefix's error lists."""


def resolve_prefix(uow: UnitOfWork, id_or_prefix: str, within: DirectoryScope | None = None) -> str:
    """Return the full id of the one checkpoint whose id starts with ``id_or_prefix``.

    With ``within``, only the checkpoints of workspaces in those directories count.

    Raises:
        InvalidCheckpointIdError: The text is too short or cannot start a ULID.
        AmbiguousCheckpointIdError: Several checkpoints match (``candidates`` lists some).
        CheckpointNotFoundError: No checkpoint matches.
    """
    prefix = id_or_prefix.upper() if isinstance(id_or_prefix, str) else ""
    if not MIN_ID_PREFIX <= len(prefix) <= ULID_LENGTH or not ULID_PATTERN.match(
        prefix.ljust(ULID_LENGTH, "0")
    ):
        raise InvalidCheckpointIdError(
            f"{id_or_prefix!r:.80} is not a checkpoint id or the start of one "
            f"({MIN_ID_PREFIX} to {ULID_LENGTH} characters of a ULID)"
        )
    matches = uow.checkpoints.ids_starting_with(prefix, limit=CANDIDATES_SHOWN + 1, within=within)
    if not matches:
        raise CheckpointNotFoundError(id_or_prefix)
    if len(matches) > 1:
        raise AmbiguousCheckpointIdError(id_or_prefix, tuple(matches[:CANDIDATES_SHOWN]))
    return matches[0]


def list_checkpoints(
    uow: UnitOfWork, query: CheckpointQuery, before: str | datetime | None
) -> list[Checkpoint]:
    """Return the checkpoints ``query`` matches, created before ``before`` (an id or a time).

    Raises:
        InvalidInputError: ``before`` is a naive datetime.
        CheckpointNotFoundError: ``before`` names no checkpoint.
    """
    if isinstance(before, datetime):
        if before.tzinfo is None:
            raise InvalidInputError(f"before={before!r} must be timezone-aware")
        before_id: str | None = first_id_at(before)
    else:
        before_id = None if before is None else find_checkpoint(uow, before).checkpoint_id
    return uow.checkpoints.matching(dataclasses.replace(query, before_id=before_id))
