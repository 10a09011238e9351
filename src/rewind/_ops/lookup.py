"""Finding checkpoints and the trees they record, checked before anything acts on them."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from rewind._ids import first_id_at
from rewind._manifest import Tree
from rewind._ops.index import WorkspaceIndex
from rewind._ops.integrity import require_intact
from rewind.errors import (
    AmbiguousCheckpointIdError,
    CheckpointNotFoundError,
    InvalidCheckpointIdError,
    InvalidInputError,
)
from rewind.models import (
    ULID_PATTERN,
    Checkpoint,
)
from rewind.storage import CheckpointQuery, UnitOfWork

__all__ = [
    "MIN_ID_PREFIX",
    "checked_tree",
    "find_checkpoint",
    "list_checkpoints",
    "require_snapshot",
    "resolve_prefix",
    "target_tree",
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

    When the workspace's index holds a tree with ``target``'s tree hash (a rollback to the
    last snapshot), that tree is the target's and the history is not read.

    Raises:
        InvalidInputError: The checkpoint records no files.
        UnsafePathError: A path is hostile.
        CorruptStoreError: The manifest cannot be read, or does not match its hashes.
    """
    require_snapshot(target)
    if index.known and index.current_tree_hash() == target.tree_hash:
        require_intact(target, index.tree, hashed=True)
        return index.tree
    return checked_tree(uow, target, sealed=True)


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


def resolve_prefix(uow: UnitOfWork, id_or_prefix: str) -> str:
    """Return the full id of the one checkpoint whose id starts with ``id_or_prefix``.

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
    matches = uow.checkpoints.ids_starting_with(prefix, limit=CANDIDATES_SHOWN + 1)
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
