"""Manifests and the canonical hashes computed over them (no I/O here).

A manifest maps relative POSIX paths to ``ManifestEntry`` values. ``tree_hash`` and
``diff_hash`` are sha256 digests over one canonical JSON encoding, documented in the README,
so equal trees and diffs hash equal on every machine and database. ``checkpoint_hash`` covers
the other fields a restore acts on: the checkpoint's id, plan and workspace directory.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

__all__ = [
    "TRACKED_MODE_BITS",
    "ChangeKind",
    "DiffRow",
    "EntryKind",
    "Known",
    "ManifestEntry",
    "StatKey",
    "Tree",
    "canonical_json",
    "checkpoint_hash",
    "diff_hash",
    "tree_hash",
    "tree_hash_of_rows",
    "tree_row",
]


TRACKED_MODE_BITS = 0o777
"""The permission bits rewind records and restores: read, write and execute for user, group
and others. Setuid, setgid and sticky bits are never recorded, so a restore (often run by a
more privileged process than the agent that made the file) never creates a setuid file."""


class EntryKind(StrEnum):
    """What a tracked path is."""

    FILE = "file"
    SYMLINK = "symlink"


class ChangeKind(StrEnum):
    """How a path changed between two trees."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


class DiffRow(Protocol):
    """What ``diff_hash`` reads of one changed path (``rewind.models.DiffEntry`` has it)."""

    @property
    def path(self) -> str: ...
    @property
    def change(self) -> ChangeKind: ...
    @property
    def kind(self) -> EntryKind: ...
    @property
    def old_kind(self) -> EntryKind | None: ...
    @property
    def old_hash(self) -> str | None: ...
    @property
    def new_hash(self) -> str | None: ...
    @property
    def old_size(self) -> int | None: ...
    @property
    def new_size(self) -> int | None: ...
    @property
    def old_mode(self) -> int | None: ...
    @property
    def new_mode(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One tracked path of a tree: a regular file or a symlink.

    ``content_hash`` is the sha256 of the file's bytes or of the symlink's target;
    ``mode`` holds the permission bits of a file and 0 for a symlink.
    """

    path: str
    kind: EntryKind
    content_hash: str
    size: int
    mode: int


Tree = dict[str, ManifestEntry]
"""A manifest: relative POSIX path -> entry."""

StatKey = tuple[int, int, int, int]
"""What proves a file unchanged since it was read: size, mtime_ns, ctime_ns and inode."""


@dataclass(frozen=True, slots=True)
class Known:
    """What the workspace's index knows about a path: its entry, and the status proving it.

    ``stat`` is None when nothing proves the entry: the file must be read again to know it.
    """

    entry: ManifestEntry
    stat: StatKey | None


_ROWS_PER_SLICE = 1000


def canonical_json(rows: list[list[Any]]) -> bytes:
    """Encode rows the one way every hash in rewind is computed over.

    JSON, no whitespace, ASCII only (every other character as a JSON ``u`` escape), so the
    bytes are the same on every machine and every database.
    """
    # Encoded a slice at a time: one call over a huge list would hold the GIL throughout,
    # stalling other threads (an asyncio event loop among them). The bytes are the same.
    slices = (
        json.dumps(rows[start : start + _ROWS_PER_SLICE], ensure_ascii=True, separators=(",", ":"))
        for start in range(0, len(rows), _ROWS_PER_SLICE)
    )
    return f"[{','.join(encoded[1:-1] for encoded in slices)}]".encode("ascii")


def tree_hash(entries: Iterable[ManifestEntry]) -> str:
    """Return the sha256 of a tree: ``[path, kind, content_hash, size, mode]`` rows by path."""
    rows = [
        [entry.path, entry.kind.value, entry.content_hash, entry.size, entry.mode]
        for entry in sorted(entries, key=lambda entry: entry.path)
    ]
    return hashlib.sha256(canonical_json(rows)).hexdigest()


def tree_row(entry: ManifestEntry) -> str:
    """Return the row ``tree_hash`` encodes for ``entry``, in the canonical encoding."""
    row = [entry.path, entry.kind.value, entry.content_hash, entry.size, entry.mode]
    return json.dumps(row, ensure_ascii=True, separators=(",", ":"))


def tree_hash_of_rows(rows: Iterable[str]) -> str:
    """Return ``tree_hash`` of a tree given its ``tree_row`` rows, sorted by path.

    The canonical encoding of a list is its items' encodings between brackets, joined by
    commas, so rows encoded once can be reused by every later tree that keeps them.
    """
    return hashlib.sha256(f"[{','.join(rows)}]".encode("ascii")).hexdigest()


def diff_hash(entries: Iterable[DiffRow]) -> str:
    """Return the sha256 of a diff: one row per entry, sorted by path.

    Each row is ``[path, change, kind, old_kind, old_hash, new_hash, old_size, new_size,
    old_mode, new_mode]`` with ``null`` where a side is absent.
    """
    rows = [
        [
            entry.path,
            entry.change.value,
            entry.kind.value,
            entry.old_kind.value if entry.old_kind else None,
            entry.old_hash,
            entry.new_hash,
            entry.old_size,
            entry.new_size,
            entry.old_mode,
            entry.new_mode,
        ]
        for entry in sorted(entries, key=lambda entry: entry.path)
    ]
    return hashlib.sha256(canonical_json(rows)).hexdigest()


def checkpoint_hash(checkpoint_id: str, plan_id: str, sandbox_ref: str, tree: str) -> str:
    """Return the sha256 of ``[checkpoint_id, plan_id, sandbox_ref, tree_hash]``.

    Stored in a snapshot's ``metadata.extra`` and checked before a rollback acts on these
    fields, as ``tree_hash`` is checked against the manifest.
    """
    return hashlib.sha256(canonical_json([[checkpoint_id, plan_id, sandbox_ref, tree]])).hexdigest()
