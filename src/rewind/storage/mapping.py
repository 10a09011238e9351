"""Conversion between ORM rows and the domain: the only place that knows both shapes."""

from __future__ import annotations

import hashlib
from datetime import UTC
from typing import Any

from pydantic import ValidationError

from rewind.errors import CorruptStoreError
from rewind.models import Checkpoint, DiffEntry, EntryKind, ManifestEntry
from rewind.storage.tables import CheckpointRow

__all__ = ["change_values", "checkpoint_from_row", "checkpoint_values", "manifest_entry"]


def checkpoint_values(checkpoint: Checkpoint) -> dict[str, Any]:
    """Return the attribute values of ``checkpoint``'s row."""
    return {
        "id": checkpoint.checkpoint_id,
        "plan_id": checkpoint.plan_id,
        "sandbox_ref": checkpoint.sandbox_ref,
        "decision_id": checkpoint.decision_id,
        "checkpoint_type": checkpoint.checkpoint_type.value,
        "parent_id": checkpoint.parent_id,
        "created_at": checkpoint.created_at,
        "label": checkpoint.label,
        "metadata_document": checkpoint.metadata.model_dump(mode="json"),
        "tree_hash": checkpoint.tree_hash,
    }


def checkpoint_from_row(row: CheckpointRow) -> Checkpoint:
    """Return the checkpoint a row holds.

    Raises:
        CorruptStoreError: The row does not hold a valid checkpoint (it was tampered with).
    """
    created_at = row.created_at
    if created_at.tzinfo is None:  # SQLite keeps no zone; rewind writes UTC only
        created_at = created_at.replace(tzinfo=UTC)
    try:
        return Checkpoint.model_validate(
            {
                "checkpoint_id": row.id,
                "plan_id": row.plan_id,
                "sandbox_ref": row.sandbox_ref,
                "decision_id": row.decision_id,
                "checkpoint_type": row.checkpoint_type,
                "parent_id": row.parent_id,
                "created_at": created_at,
                "label": row.label,
                "metadata": row.metadata_document,
            }
        )
    except ValidationError as exc:
        raise CorruptStoreError(f"checkpoint {row.id!r} is corrupt in the store: {exc}") from exc


def change_values(checkpoint_id: str, entry: DiffEntry) -> dict[str, Any]:
    """Return the column values of the change row recording ``entry``."""
    return {
        "checkpoint_id": checkpoint_id,
        "path_hash": hashlib.sha256(entry.path.encode("utf-8")).hexdigest(),
        "path": entry.path,
        "change": entry.change.value,
        "kind": entry.kind.value,
        "content_hash": entry.new_hash,
        "size": entry.new_size,
        "mode": entry.new_mode,
    }


def manifest_entry(path: str, kind: str, content_hash: str, size: int, mode: int) -> ManifestEntry:
    """Return the manifest entry of a stored, not deleted, change.

    Raises:
        CorruptStoreError: The row names an unknown kind.
    """
    try:
        return ManifestEntry(path, EntryKind(kind), content_hash, size, mode)
    except ValueError as exc:
        raise CorruptStoreError(f"stored path {path!r} has unknown kind {kind!r}") from exc
