"""Building checkpoints: validated, immutable, with their diff metadata from the start.

``CheckpointFactory`` turns validated fields into a frozen ``Checkpoint`` (translating
Pydantic's errors into rewind's). ``record_snapshot`` is the heart of rewind: it diffs a
scanned tree against the workspace's head, puts the diff metadata into ``metadata.extra``,
builds the checkpoint, and hands checkpoint, changes and new contents to the repository at
once. Nothing is attached to a checkpoint after it is built.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from ulid import ULID

from rewind._ids import CheckpointIdFactory
from rewind._integrity import require_intact
from rewind._json import freeze_json
from rewind._manifest import Tree, checkpoint_hash, tree_hash
from rewind.errors import (
    CheckpointNotFoundError,
    InvalidCheckpointIdError,
    InvalidInputError,
    InvalidMetadataError,
)
from rewind.models import (
    ULID_PATTERN,
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    Identifier,
    Label,
)
from rewind.storage import NewBlob, Store, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import CODEC, ContentSpool, capture_new_contents
from rewind.workspace.diff import diff_trees
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import ScanResult, WorkspaceScanner

__all__ = [
    "SNAPSHOT_KEYS",
    "CheckpointFactory",
    "SnapshotRequest",
    "checked_tree",
    "checkpoint_type",
    "find_checkpoint",
    "record_snapshot",
    "require_snapshot",
    "scan_workspace",
]

SNAPSHOT_KEYS = frozenset(
    {"diff_paths", "diff_based", "diff_hash", "diff_base", "tree_hash", "checkpoint_hash"}
)
"""The ``metadata.extra`` keys every workspace snapshot carries (callers cannot set them)."""


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """Who asks for a snapshot and why: everything but the files.

    Its ids and label are checked when it is made, before anything is read or written.
    """

    plan_id: str
    decision_id: str | None
    checkpoint_type: CheckpointType
    label: str | None
    metadata: dict[str, Any]
    extra: dict[str, Any]

    def __post_init__(self) -> None:
        try:
            _RequestFields(plan_id=self.plan_id, decision_id=self.decision_id, label=self.label)
        except ValidationError as exc:
            raise InvalidInputError(_describe(exc, "snapshot request")) from exc


class _RequestFields(BaseModel):
    """The constraints a snapshot request's fields share with ``Checkpoint`` (text only)."""

    model_config = ConfigDict(strict=True)

    plan_id: Identifier
    decision_id: Identifier | None
    label: Label | None


class CheckpointFactory:
    """Makes ids and builds frozen checkpoints, reporting bad fields as rewind errors."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._ids = CheckpointIdFactory()

    def new_id(self, parent_id: str | None = None) -> str:
        """Return a new checkpoint id for now, sorting after ``parent_id``."""
        return str(self._ids.new(self._clock(), after=parent_id))

    def build(self, **fields: Any) -> Checkpoint:
        """Build a checkpoint; a new id is made unless ``checkpoint_id`` is given.

        The creation time is the id's millisecond.

        Raises:
            InvalidInputError: A field is invalid (the message names it).
        """
        checkpoint_id = fields.get("checkpoint_id") or self.new_id(fields.get("parent_id"))
        fields.update(checkpoint_id=checkpoint_id, created_at=_id_time(checkpoint_id))
        try:
            return Checkpoint(**fields)
        except ValidationError as exc:
            raise InvalidInputError(_describe(exc, "checkpoint")) from exc

    @staticmethod
    def metadata(fields: Mapping[str, Any]) -> CheckpointMetadata:
        """Build checkpoint metadata.

        Raises:
            InvalidMetadataError: A field is unknown or ``extra`` is not JSON (names the key).
        """
        freeze_json(fields.get("extra", {}), "extra")
        try:
            return CheckpointMetadata(**fields)
        except ValidationError as exc:
            raise InvalidMetadataError(_describe(exc, "metadata")) from exc


def record_snapshot(
    uow: UnitOfWork,
    factory: CheckpointFactory,
    *,
    root: WorkspaceRoot,
    workspace: WorkspaceHead,
    scanned: ScanResult,
    request: SnapshotRequest,
    spool: ContentSpool,
) -> Checkpoint:
    """Diff a scanned tree against the workspace's head, build the snapshot, and store it.

    The caller holds the workspace's lock and commits the unit of work.
    """
    base = uow.checkpoints.manifest(workspace.head_id) if workspace.head_id else {}
    known = {entry.content_hash for entry in base.values()}
    tree = capture_new_contents(root, scanned.tree, known, spool)
    diff = diff_trees(base, tree, base_id=workspace.head_id, target_id=None)
    checkpoint_id = factory.new_id(workspace.head_id)
    tree_digest = tree_hash(tree.values())
    extra: dict[str, Any] = {
        "diff_paths": list(diff.paths),
        "diff_based": True,
        "diff_hash": diff.hash,
        "diff_base": workspace.head_id,
        "tree_hash": tree_digest,
        "checkpoint_hash": checkpoint_hash(checkpoint_id, request.plan_id, root.path, tree_digest),
    }
    if scanned.skipped:
        extra["skipped_paths"] = scanned.skipped
    checkpoint = factory.build(
        checkpoint_id=checkpoint_id,
        plan_id=request.plan_id,
        sandbox_ref=root.path,
        decision_id=request.decision_id,
        checkpoint_type=request.checkpoint_type,
        parent_id=workspace.head_id,
        label=request.label,
        metadata=factory.metadata({**request.metadata, "extra": request.extra | extra}),
    )
    blobs = (
        NewBlob(blob.content_hash, blob.size, CODEC, len(blob.spans), spool.chunks(blob))
        for blob in spool.blobs()
    )
    uow.checkpoints.add_snapshot(checkpoint, diff.entries, blobs, workspace)
    return checkpoint


def find_checkpoint(uow: UnitOfWork, checkpoint_id: str) -> Checkpoint:
    """Return the checkpoint with this id.

    Raises:
        InvalidCheckpointIdError: ``checkpoint_id`` is not a ULID.
        CheckpointNotFoundError: No such checkpoint exists.
    """
    if not isinstance(checkpoint_id, str) or not ULID_PATTERN.match(checkpoint_id):
        raise InvalidCheckpointIdError(
            f"{checkpoint_id!r:.80} is not a checkpoint id (a 26-character ULID)"
        )
    checkpoint = uow.checkpoints.get(checkpoint_id)
    if checkpoint is None:
        raise CheckpointNotFoundError(checkpoint_id)
    return checkpoint


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


def scan_workspace(store: Store, root: WorkspaceRoot) -> ScanResult:
    """Scan ``root``, never tracking the store's own database files if they lie inside it.

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    database = store.database_path
    if database is None:
        return WorkspaceScanner().scan(root)
    directory = os.path.dirname(database)
    if directory == root.path:
        names = ("", "-wal", "-shm", "-journal")
        return WorkspaceScanner(frozenset(f"{database}{suffix}" for suffix in names)).scan(root)
    return WorkspaceScanner(frozenset({directory})).scan(root)


def checkpoint_type(value: CheckpointType | str) -> CheckpointType:
    """Return ``value`` as a ``CheckpointType``.

    Raises:
        InvalidInputError: ``value`` names no checkpoint type.
    """
    try:
        return CheckpointType(value)
    except ValueError as exc:
        choices = ", ".join(kind.value for kind in CheckpointType)
        raise InvalidInputError(f"unknown checkpoint type {value!r} (one of {choices})") from exc


def _id_time(checkpoint_id: str) -> datetime:
    return ULID.from_str(checkpoint_id).datetime


def _describe(error: ValidationError, what: str) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']} (got {item['input']!r:.80})"
        for item in error.errors()
    )
    return f"invalid {what}: {problems}"
