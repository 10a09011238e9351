"""Unified patches: the text of what changed in each file, from the bytes of both sides.

Pure: it is given the changes and a reader for each side, and reads nothing itself
(``Comparer.patch`` finds the bytes, stored or live).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from rewind.models import ChangeKind, DiffEntry, DiffManifest

__all__ = ["PATCH_SNIFF_BYTES", "SideReader", "file_patch", "unified_patch"]

SideReader = Callable[[str], bytes | None]
"""Returns the bytes of a path on one side of a diff (a symlink: its target), None if unreadable."""
PATCH_SNIFF_BYTES = 8000
"""How many leading bytes decide whether a file is binary (a NUL among them), as git does."""


def unified_patch(manifest: DiffManifest, old: SideReader, new: SideReader) -> str:
    """The unified diff of every changed path, in path order; each line ends with a newline."""
    return "".join(
        f"{line}\n" for entry in manifest.entries for line in file_patch(entry, old, new)
    )


def file_patch(entry: DiffEntry, old: SideReader, new: SideReader) -> list[str]:
    """The unified diff of one changed path; one line when either side is binary."""
    old_name = "/dev/null" if entry.change is ChangeKind.ADDED else f"a/{entry.path}"
    new_name = "/dev/null" if entry.change is ChangeKind.DELETED else f"b/{entry.path}"
    before = b"" if entry.change is ChangeKind.ADDED else old(entry.path)
    after = b"" if entry.change is ChangeKind.DELETED else new(entry.path)
    if before is None or after is None:
        return [f"cannot read {old_name} or {new_name}: no patch"]
    old_text, new_text = _text(before), _text(after)
    if old_text is None or new_text is None:
        return [f"binary files {old_name} and {new_name} differ"]
    lines = [f"--- {old_name}", f"+++ {new_name}"]
    if (
        entry.old_mode is not None
        and entry.new_mode is not None
        and entry.old_mode != entry.new_mode
    ):
        lines.insert(0, f"mode {entry.path}: {entry.old_mode:o} -> {entry.new_mode:o}")
    hunks = difflib.unified_diff(
        old_text.splitlines(keepends=True), new_text.splitlines(keepends=True), n=3
    )
    for line in list(hunks)[2:]:  # difflib's own header names no file
        lines.append(line.removesuffix("\n"))
        if not line.endswith("\n"):
            lines.append("\\ No newline at end of file")
    return lines


def _text(content: bytes) -> str | None:
    """``content`` as text, or None when it is binary (a NUL near its start, or not UTF-8)."""
    if b"\0" in content[:PATCH_SNIFF_BYTES]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
