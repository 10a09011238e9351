"""Finding checkpoints and the trees they record, checked before anything acts on them.

Finding a checkpoint (by id, name or listing) needs only the store: the index and the
integrity checks, and the workspace package under them, are imported by the functions that
make trees, so a command that only reads the store does not load them.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from datetime import datetime
from typing import TYPE_CHECKING

from rewind._ids import SHORT_ID_START, first_id_at
from rewind._json import storable_text_problem
from rewind._manifest import Known, Tree
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

if TYPE_CHECKING:
    from rewind._ops.index import WorkspaceIndex

__all__ = [
    "MIN_ID_PREFIX",
    "checked_tree",
    "find_checkpoint",
    "find_workspace",
    "list_checkpoints",
    "require_snapshot",
    "resolve_name",
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
    from rewind._ops.integrity import require_intact  # noqa: PLC0415 - see the module docstring

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
    from rewind._ops.index import hash_rows  # noqa: PLC0415 - see the module docstring
    from rewind._ops.integrity import require_intact  # noqa: PLC0415

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
        from rewind._ops.integrity import require_intact  # noqa: PLC0415 - see the module docstring

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
"""The fewest characters of a checkpoint id (or short id) that names a checkpoint."""
ULID_LENGTH = 26
CANDIDATES_SHOWN = 5
"""How many matching ids an ambiguous prefix's error lists."""
LATEST = frozenset({"latest", "@"})
"""The names of a workspace's newest snapshot."""
_ID_CHARACTERS = re.compile(r"^[0-9A-HJKMNP-TV-Z]+$")
_BACK = re.compile(r"^(?P<base>.*)~(?P<count>[0-9]{0,9})$")
"""``NAME~N``: N checkpoints back along NAME's lineage (``~`` alone: one; no NAME: latest)."""


def resolve_prefix(uow: UnitOfWork, id_or_prefix: str, within: DirectoryScope | None = None) -> str:
    """Return the full id of the one checkpoint whose id or short id starts with the text.

    With ``within``, only the checkpoints of workspaces in those directories count.

    Raises:
        InvalidCheckpointIdError: The text is too short or cannot start an id.
        AmbiguousCheckpointIdError: Several checkpoints match (``candidates`` lists some).
        CheckpointNotFoundError: No checkpoint matches.
    """
    prefix = id_or_prefix.upper() if isinstance(id_or_prefix, str) else ""
    if not _could_start_an_id(prefix):
        raise InvalidCheckpointIdError(
            f"{id_or_prefix!r:.80} is not a checkpoint id or the start of one "
            f"({MIN_ID_PREFIX} to {ULID_LENGTH} characters of a ULID, or of its short id)"
        )
    return _one_match(uow, id_or_prefix, prefix, within)


def resolve_name(uow: UnitOfWork, name: str, workspace: str | None) -> str:
    """Return the id of the checkpoint ``name`` names (``CheckpointService.resolve_checkpoint``).

    Args:
        uow: The unit of work to read in.
        name: ``latest`` or ``@``; ``NAME~N`` or ``~N``; a label; an id, or the start of an
            id or of a short id.
        workspace: The workspace directory (a real path) that ``latest`` and a bare ``~N``
            count in, and whose checkpoints alone a label is looked for among; None: no
            workspace (a label is looked for in the whole store).

    Raises:
        InvalidInputError: ``name`` is not text, or needs a workspace and none was given.
        AmbiguousCheckpointIdError: Several checkpoints match the start of an id.
        CheckpointNotFoundError: No checkpoint has this name.
    """
    if not isinstance(name, str) or not name or storable_text_problem(name) is not None:
        raise InvalidCheckpointIdError(f"{name!r:.80} is not a checkpoint's name")
    back = _BACK.match(name)
    if back is None:
        return _resolve_base(uow, name, workspace)
    base = back["base"]
    start = (
        _latest(uow, name, workspace)
        if base in {"", *LATEST}
        else resolve_name(uow, base, workspace)
    )
    generations = int(back["count"] or "1")
    lineage = uow.checkpoints.ancestors(start, generations)
    if len(lineage) <= generations:
        raise CheckpointNotFoundError(
            name, f"{start} has {_count(len(lineage) - 1, 'checkpoint')} before it"
        )
    return lineage[generations]


def find_workspace(uow: UnitOfWork, directory: str) -> str | None:
    """Return the nearest of ``directory`` (a real path) and its parents that is a workspace.

    One query over the ancestors, as git looks for ``.git`` from the current directory up.
    """
    ancestors = [directory]
    while (parent := posixpath.dirname(ancestors[-1])) != ancestors[-1]:
        ancestors.append(parent)
    known = uow.workspaces.known_directories(ancestors)
    return next((candidate for candidate in ancestors if candidate in known), None)


def _resolve_base(uow: UnitOfWork, name: str, workspace: str | None) -> str:
    """The checkpoint ``name`` names without ``~N``: latest, a full id, a label, a prefix."""
    if name in LATEST:
        return _latest(uow, name, workspace)
    upper = name.upper()
    if len(upper) == ULID_LENGTH and ULID_PATTERN.match(upper):
        if not uow.checkpoints.ids_starting_with(upper, limit=1):
            raise CheckpointNotFoundError(name)
        return upper
    labelled = uow.checkpoints.newest_labelled(name, workspace)
    if labelled is not None:
        return labelled
    if not _could_start_an_id(upper):
        where = "" if workspace is None else f" of workspace {workspace}"
        raise CheckpointNotFoundError(
            name,
            f"no checkpoint{where} is labelled so, and it is not the start of an id "
            f"({MIN_ID_PREFIX} or more of its characters)",
        )
    return _one_match(uow, name, upper)


def _latest(uow: UnitOfWork, name: str, workspace: str | None) -> str:
    """The newest snapshot of ``workspace``, which ``name`` counts from."""
    if workspace is None:
        raise InvalidInputError(
            f"{name!r} counts from the newest snapshot of a workspace, and no workspace was "
            "given: run rewind inside a workspace it has snapshots of, or name one "
            "(--workspace DIR; workspace= in Python)"
        )
    newest = uow.checkpoints.newest_snapshot_id(workspace)
    if newest is None:
        raise CheckpointNotFoundError(name, f"workspace {workspace} has no snapshot")
    return newest


def _could_start_an_id(prefix: str) -> bool:
    return MIN_ID_PREFIX <= len(prefix) <= ULID_LENGTH and bool(_ID_CHARACTERS.match(prefix))


def _one_match(
    uow: UnitOfWork, given: str, prefix: str, within: DirectoryScope | None = None
) -> str:
    """The one id that starts with ``prefix``, or whose short id does (``prefix`` upper case).

    With ``within``, only the checkpoints of workspaces in those directories count.
    """
    limit = CANDIDATES_SHOWN + 1
    matches = set(uow.checkpoints.ids_starting_with(prefix, limit=limit, within=within))
    if len(prefix) <= ULID_LENGTH - SHORT_ID_START:
        matches |= set(uow.checkpoints.ids_with_short_id(prefix, limit=limit, within=within))
    if not matches:
        raise CheckpointNotFoundError(given)
    if len(matches) > 1:
        raise AmbiguousCheckpointIdError(given, tuple(sorted(matches)[:CANDIDATES_SHOWN]))
    return matches.pop()


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


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
