"""Conversion between ORM rows and the domain: the only place that knows both shapes.

Rows are checked as they are read: a value rewind could not have written (a tampered or
damaged row) raises ``CorruptStoreError`` naming the checkpoint or path, never a
``TypeError`` or an ``OverflowError`` later on.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import Any, TypeGuard

from rewind._manifest import TRACKED_MODE_BITS, ManifestEntry
from rewind.errors import CorruptStoreError, InvalidValueError
from rewind.models import ChangeKind, Checkpoint, DiffEntry, EntryKind
from rewind.storage.tables import CheckpointRow

__all__ = [
    "change_values",
    "checkpoint_from_row",
    "checkpoint_values",
    "manifest_entry",
    "path_hash",
    "stored_path",
]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_ENTRY_KINDS = {kind.value: kind for kind in EntryKind}
_CHANGE_KINDS = {change.value: change for change in ChangeKind}
_MAX_SIZE = 2**63 - 1


def checkpoint_values(checkpoint: Checkpoint) -> dict[str, Any]:
    """Return the attribute values of ``checkpoint``'s row."""
    call = checkpoint.metadata.agent_call
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
        "agent": None if call is None else call.agent,
        "session_id": None if call is None else call.session_id,
        "turn": None if call is None else call.turn,
    }


def checkpoint_from_row(row: CheckpointRow) -> Checkpoint:
    """Return the checkpoint a row holds.

    Raises:
        CorruptStoreError: The row does not hold a valid checkpoint (it was tampered with).
    """
    created_at = row.created_at
    if isinstance(created_at, datetime) and created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)  # SQLite keeps no zone; rewind writes UTC
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
    except (InvalidValueError, RecursionError) as exc:
        raise CorruptStoreError(
            f"checkpoint {row.id!r} is corrupt in the store: {str(exc)[:2000]}",
            checkpoint_id=str(row.id),
        ) from exc


def path_hash(path: str) -> str:
    """The key a change or index row has for its path (a path may be too long to index)."""
    return hashlib.sha256(path.encode("utf-8")).hexdigest()


def change_values(checkpoint_id: str, entry: DiffEntry) -> dict[str, Any]:
    """Return the column values of the change row recording ``entry``."""
    return {
        "checkpoint_id": checkpoint_id,
        "path_hash": path_hash(entry.path),
        "path": entry.path,
        "change": entry.change.value,
        "kind": entry.kind.value,
        "content_hash": entry.new_hash,
        "size": entry.new_size,
        "mode": entry.new_mode,
    }


def stored_path(checkpoint_id: str, path: object, row: str = "change row") -> str:
    """Return a stored path, checked to be text rewind could have written.

    Raises:
        CorruptStoreError: It is not text, or empty (names the checkpoint).
    """
    if not isinstance(path, str) or not path:
        raise CorruptStoreError(
            f"checkpoint {checkpoint_id} has a {row} with the path {path!r:.80}",
            checkpoint_id=checkpoint_id,
        )
    return path


def change_kind(checkpoint_id: str, path: object, change: object) -> ChangeKind:
    """Return the change a row records.

    Raises:
        CorruptStoreError: The row's path or change is not one rewind writes.
    """
    path = stored_path(checkpoint_id, path)
    known = _CHANGE_KINDS.get(change) if isinstance(change, str) else None
    if known is None:
        raise _corrupt(checkpoint_id, path, f"unknown change {change!r:.80}")
    return known


def manifest_entry(
    checkpoint_id: str,
    path: str,
    *,
    kind: object,
    content_hash: object,
    size: object,
    mode: object,
) -> ManifestEntry:
    """Return the manifest entry of a stored, not deleted, change.

    Raises:
        CorruptStoreError: A value is not one rewind writes (names the checkpoint and path).
    """
    entry_kind = _ENTRY_KINDS.get(kind) if isinstance(kind, str) else None
    if entry_kind is None:
        raise _corrupt(checkpoint_id, path, f"unknown kind {kind!r:.80}")
    if not isinstance(content_hash, str) or not _SHA256.match(content_hash):
        raise _corrupt(checkpoint_id, path, f"the content hash {content_hash!r:.80}")
    if not _is_int(size) or not 0 <= size <= _MAX_SIZE:
        raise _corrupt(checkpoint_id, path, f"the size {size!r:.80}")
    allowed = 0 if entry_kind is EntryKind.SYMLINK else TRACKED_MODE_BITS
    if not _is_int(mode) or mode & ~allowed or mode < 0:
        raise _corrupt(checkpoint_id, path, f"the mode {mode!r:.80}")
    return ManifestEntry(path, entry_kind, content_hash, size, mode)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _corrupt(checkpoint_id: str, path: str, what: str) -> CorruptStoreError:
    return CorruptStoreError(
        f"stored path {path[:300]!r} of checkpoint {checkpoint_id} has {what}, which rewind "
        "never writes: the store was damaged or tampered with",
        checkpoint_id=checkpoint_id,
        path=path,
    )
