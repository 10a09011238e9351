"""Reading what a snapshot stored: one file's bytes, or the contents a patch needs.

Every content read whole is checked against its sha256 and recorded size as it is read
(through ``stage_contents``, as a restore checks what it writes). A file's first bytes are
read from its first stored chunks only: each chunk is checked to inflate within its bounds,
but the sha256 covers the whole content, so a cut read is not checked against it (``verify``
is). Everything is read in the unit of work that found its checkpoint, so a prune committing
meanwhile cannot take it away half-read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from rewind._codec import CHUNK_SIZE, CODECS, inflate
from rewind._manifest import ManifestEntry, Tree
from rewind._ops.integrity import size_problem, stage_contents
from rewind._ops.lookup import checked_tree
from rewind._ops.patch import MAX_PATCHED_FILE
from rewind.errors import CorruptStoreError, PathNotInCheckpointError, RewindError
from rewind.models import Checkpoint, EntryKind
from rewind.storage import BlobRepository, UnitOfWork
from rewind.workspace.capture import ContentSpool
from rewind.workspace.root import WorkspaceRoot

__all__ = ["StoredSide", "read_live", "read_stored_file", "stored_entry"]

_READ_SIZE = 1024 * 1024
"""How much of a live file one read takes."""


def stored_entry(uow: UnitOfWork, checkpoint: Checkpoint, path: str) -> ManifestEntry:
    """The manifest entry of ``path`` in ``checkpoint``'s tree (its kind, size, content).

    Raises:
        InvalidInputError: The checkpoint records no files.
        PathNotInCheckpointError: Its tree holds nothing at ``path``.
        CorruptStoreError: The manifest cannot be read.
    """
    entry = checked_tree(uow, checkpoint).get(path)
    if entry is None:
        raise PathNotInCheckpointError(checkpoint.checkpoint_id, path)
    return entry


def read_stored_file(
    uow: UnitOfWork, checkpoint: Checkpoint, path: str, max_bytes: int | None = None
) -> bytes:
    """The bytes of ``path`` as ``checkpoint`` stored it (a symlink: its target).

    With ``max_bytes``, only its first ``max_bytes`` bytes, read from the chunks that hold
    them.

    Raises:
        InvalidInputError: The checkpoint records no files.
        PathNotInCheckpointError: Its tree holds nothing at ``path``.
        CorruptStoreError: The stored content is missing, damaged or altered.
    """
    entry = stored_entry(uow, checkpoint, path)
    if max_bytes is not None and max_bytes < entry.size:
        return _first_bytes(uow.blobs, entry, max_bytes)
    with ContentSpool() as spool:
        stage_contents(uow.blobs, [entry], spool)
        return b"".join(spool.read(entry.content_hash))


def _first_bytes(blobs: BlobRepository, entry: ManifestEntry, max_bytes: int) -> bytes:
    """The first ``max_bytes`` bytes of ``entry``'s content, from its first chunks only.

    Raises:
        CorruptStoreError: The blob is missing, its size is not the entry's, or a chunk is
            missing or damaged.
    """
    content_hash = entry.content_hash
    header = blobs.headers([content_hash]).get(content_hash)
    if header is None:
        raise CorruptStoreError(
            f"blob {content_hash} (the content of {entry.path[:300]!r}) is missing from the store"
        )
    if problem := size_problem(entry, header.size):
        raise CorruptStoreError(f"stored path {entry.path[:300]!r} is damaged: {problem}")
    if header.codec not in CODECS:
        raise CorruptStoreError(f"blob {content_hash} has the unknown codec {header.codec!r:.40}")
    head = bytearray()
    read = 0
    while len(head) < max_bytes and read < header.chunk_count:
        wanted = min(-(-(max_bytes - len(head)) // CHUNK_SIZE), header.chunk_count - read)
        chunks = blobs.chunks(content_hash, read, wanted)
        if len(chunks) < wanted:
            raise CorruptStoreError(f"blob {content_hash} has lost some of its chunks")
        for chunk in chunks:
            head += inflate(content_hash, chunk, header.codec)
        read += wanted
    if len(head) < max_bytes:
        raise CorruptStoreError(f"blob {content_hash} holds fewer bytes than its recorded size")
    return bytes(head[:max_bytes])


class StoredSide:
    """One stored side of a comparison: a tree, and the contents of some of its paths.

    Not a cache: it lives for one patch, its contents in a temporary spool file that
    ``close`` deletes.
    """

    def __init__(self, tree: Tree) -> None:
        self._tree = tree
        self._spool = ContentSpool()
        self._staged: set[str] = set()

    def __enter__(self) -> StoredSide:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Delete the spooled contents."""
        self._spool.close()

    def stage(self, uow: UnitOfWork, paths: Iterable[str]) -> None:
        """Read the stored contents of those of ``paths`` the tree holds, each checked.

        Raises:
            CorruptStoreError: A content is missing, damaged or altered.
        """
        entries: list[ManifestEntry] = [
            self._tree[path]
            for path in paths
            if path in self._tree and self._tree[path].content_hash not in self._staged
        ]
        stage_contents(uow.blobs, entries, self._spool)
        self._staged.update(entry.content_hash for entry in entries)

    def read(self, path: str) -> bytes | None:
        """The staged bytes of ``path``; None when the tree holds nothing there."""
        entry = self._tree.get(path)
        if entry is None:
            return None
        return b"".join(self._spool.read(entry.content_hash))


def read_live(root: WorkspaceRoot, tree: Tree, path: str) -> bytes | None:
    """The bytes of ``path`` in the live workspace (a symlink: its target); None if unreadable.

    The file may have changed since the scan: the patch then shows what it holds now, unless
    it grew past ``MAX_PATCHED_FILE`` (then None: it is not read further).
    """
    entry = tree.get(path)
    if entry is None:
        return None
    try:
        if entry.kind is EntryKind.SYMLINK:
            return root.read_link(path)
        with root.open_file(path) as descriptor:
            parts = []
            size = 0
            while size <= MAX_PATCHED_FILE and (part := os.read(descriptor, _READ_SIZE)):
                parts.append(part)
                size += len(part)
            return None if size > MAX_PATCHED_FILE else b"".join(parts)
    except (RewindError, OSError):
        return None
