"""Building checkpoints: validated, immutable, with their diff metadata from the start.

``CheckpointFactory`` turns validated fields into a frozen ``Checkpoint`` (translating
Pydantic's errors into rewind's). ``record_snapshot`` is the heart of rewind: it diffs a
scanned tree against the workspace's head, puts the diff metadata into ``metadata.extra``,
builds the checkpoint, and hands checkpoint, changes and new contents to the repository at
once. Nothing is attached to a checkpoint after it is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rewind._ids import CheckpointIdFactory
from rewind.errors import InvalidInputError, InvalidMetadataError
from rewind.models import (
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    Identifier,
    Label,
    freeze_json,
    tree_hash,
)
from rewind.storage import NewBlob, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import CODEC, ContentSpool, capture_new_contents
from rewind.workspace.diff import diff_trees
from rewind.workspace.scan import ScanResult

__all__ = [
    "SNAPSHOT_KEYS",
    "CheckpointFactory",
    "SnapshotRequest",
    "checkpoint_type",
    "record_snapshot",
]

SNAPSHOT_KEYS = frozenset({"diff_paths", "diff_based", "diff_hash", "diff_base", "tree_hash"})
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
    """The constraints a snapshot request's fields share with ``Checkpoint``."""

    plan_id: Identifier
    decision_id: Identifier | None
    label: Label | None


class CheckpointFactory:
    """Makes ids and builds frozen checkpoints, reporting bad fields as rewind errors."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._ids = CheckpointIdFactory()

    def build(self, **fields: Any) -> Checkpoint:
        """Build a checkpoint with a new id and creation time, after its parent's id.

        Raises:
            InvalidInputError: A field is invalid (the message names it).
        """
        checkpoint_id = self._ids.new(self._clock(), after=fields.get("parent_id"))
        fields.update(checkpoint_id=str(checkpoint_id), created_at=checkpoint_id.datetime)
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
    root: Path,
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
    extra: dict[str, Any] = {
        "diff_paths": list(diff.paths),
        "diff_based": True,
        "diff_hash": diff.hash,
        "diff_base": workspace.head_id,
        "tree_hash": tree_hash(tree.values()),
    }
    if scanned.skipped:
        extra["skipped_paths"] = scanned.skipped
    checkpoint = factory.build(
        plan_id=request.plan_id,
        sandbox_ref=str(root),
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


def _describe(error: ValidationError, what: str) -> str:
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']} (got {item['input']!r:.80})"
        for item in error.errors()
    )
    return f"invalid {what}: {problems}"
