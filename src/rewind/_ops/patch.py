"""Unified patches: the text of what changed in each file, from the bytes of both sides.

Pure: it is given the changes and a reader for each side, and reads nothing itself
(``Comparer.patch`` finds the bytes, stored or live, and fetches a batch of contents when
told the batch is next).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator, Sequence

from rewind.models import ChangeKind, DiffEntry, DiffManifest

__all__ = [
    "MAX_PATCHED_FILE",
    "PATCH_SNIFF_BYTES",
    "SideReader",
    "cut_utf8",
    "file_patch",
    "line_counts",
    "too_large_to_patch",
    "unified_patch",
]

SideReader = Callable[[str], bytes | None]
"""Returns the bytes of a path on one side of a diff (a symlink: its target), None if unreadable."""
PATCH_SNIFF_BYTES = 8000
"""How many leading bytes decide whether a file is binary (a NUL among them), as git does."""
MAX_PATCHED_FILE = 16 * 1024 * 1024
"""The largest file (either side) whose lines a patch shows; a larger one gets one line."""
_CONTINUATION_MASK, _CONTINUATION = 0xC0, 0x80  # UTF-8's bytes after a character's first
_BATCH_PATHS = 500
_BATCH_BYTES = 16 * 1024 * 1024


def unified_patch(
    manifest: DiffManifest,
    old: SideReader,
    new: SideReader,
    *,
    max_bytes: int | None = None,
    prepare: Callable[[Sequence[str]], None] | None = None,
) -> str:
    """The unified diff of every changed path, in path order; each line ends with a newline.

    The files are read in batches, each handed to ``prepare`` (which fetches their
    contents) before the first of them is read: one path, then twice as many each time, up
    to 500 paths or 16 MiB, so a patch cut early reads little. With ``max_bytes`` the patch
    stops there: the text is its first ``max_bytes`` bytes of UTF-8 (never cut inside a
    character), and no file past the cut is read.
    """
    text = _CappedText(max_bytes)
    for batch in _batches(manifest.entries):
        if prepare is not None:
            prepare([entry.path for entry in batch if not too_large_to_patch(entry)])
        for entry in batch:
            if not all(text.add(f"{line}\n") for line in file_patch(entry, old, new)):
                return text.value()
    return text.value()


def file_patch(entry: DiffEntry, old: SideReader, new: SideReader) -> list[str]:
    """The unified diff of one changed path; one line when either side is binary or huge."""
    old_name = "/dev/null" if entry.change is ChangeKind.ADDED else f"a/{entry.path}"
    new_name = "/dev/null" if entry.change is ChangeKind.DELETED else f"b/{entry.path}"
    if too_large_to_patch(entry):
        return [f"files {old_name} and {new_name} differ (over {MAX_PATCHED_FILE} bytes)"]
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


def too_large_to_patch(entry: DiffEntry) -> bool:
    """Whether either side of ``entry`` is over ``MAX_PATCHED_FILE`` bytes (git: "binary")."""
    return max(entry.old_size or 0, entry.new_size or 0) > MAX_PATCHED_FILE


def cut_utf8(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` bytes of UTF-8, never inside a character.

    A lone surrogate (a file name that is not UTF-8) counts as the three bytes it encodes to.
    """
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= max_bytes:
        return text
    end = max_bytes
    while end > 0 and encoded[end] & _CONTINUATION_MASK == _CONTINUATION:  # inside a character
        end -= 1
    return encoded[:end].decode("utf-8", "surrogatepass")


class _CappedText:
    """Text gathered piece by piece, up to a number of bytes of UTF-8 (None: no limit)."""

    def __init__(self, max_bytes: int | None) -> None:
        self._left = max_bytes
        self._pieces: list[str] = []

    def add(self, piece: str) -> bool:
        """Add ``piece`` (or what fits of it); False once nothing more fits."""
        if self._left is None:
            self._pieces.append(piece)
            return True
        kept = cut_utf8(piece, self._left)
        self._pieces.append(kept)
        self._left -= len(kept.encode("utf-8", "surrogatepass"))
        return len(kept) == len(piece) and self._left > 0

    def value(self) -> str:
        """The text gathered."""
        return "".join(self._pieces)


def _batches(entries: Iterable[DiffEntry]) -> Iterator[list[DiffEntry]]:
    """``entries`` in batches of 1, 2, 4, ... up to ``_BATCH_PATHS`` or ``_BATCH_BYTES``."""
    batch: list[DiffEntry] = []
    size = 0
    limit = 1
    for entry in entries:
        batch.append(entry)
        if not too_large_to_patch(entry):
            size += (entry.old_size or 0) + (entry.new_size or 0)
        if len(batch) >= limit or size >= _BATCH_BYTES:
            yield batch
            batch, size, limit = [], 0, min(limit * 2, _BATCH_PATHS)
    if batch:
        yield batch


def line_counts(before: bytes | None, after: bytes | None) -> tuple[int, int]:
    """The lines added and removed from ``before`` to ``after``, as a patch counts them.

    A side that does not exist is ``b""``; none are counted when either side is unreadable
    (None) or binary.
    """
    old = None if before is None else _text(before)
    new = None if after is None else _text(after)
    if old is None or new is None:
        return 0, 0
    added = removed = 0
    matcher = difflib.SequenceMatcher(
        None, old.splitlines(keepends=True), new.splitlines(keepends=True), autojunk=False
    )
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if tag != "equal":
            removed += old_end - old_start
            added += new_end - new_start
    return added, removed


def _text(content: bytes) -> str | None:
    """``content`` as text, or None when it is binary (a NUL near its start, or not UTF-8)."""
    if b"\0" in content[:PATCH_SNIFF_BYTES]:
        return None
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return None
