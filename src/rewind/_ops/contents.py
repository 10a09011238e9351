"""Reading what a snapshot stored: one file's bytes, or the contents a patch needs.

Every content is checked against its sha256 and recorded size as it is read (through
``stage_contents``, as a restore checks what it writes), and is read in the unit of work
that found its checkpoint, so a prune committing meanwhile cannot take it away half-read.
"""

from __future__ import annotations

from collections.abc import Iterable

from rewind._manifest import ManifestEntry, Tree
from rewind._ops.integrity import stage_contents
from rewind._ops.lookup import checked_tree
from rewind.errors import PathNotInCheckpointError
from rewind.models import Checkpoint
from rewind.storage import UnitOfWork
from rewind.workspace.capture import ContentSpool

__all__ = ["StoredSide", "read_stored_file"]


def read_stored_file(uow: UnitOfWork, checkpoint: Checkpoint, path: str) -> bytes:
    """The bytes of ``path`` as ``checkpoint`` stored it (a symlink: its target).

    Raises:
        InvalidInputError: The checkpoint records no files.
        PathNotInCheckpointError: Its tree holds nothing at ``path``.
        CorruptStoreError: The stored content is missing, damaged or altered.
    """
    entry = checked_tree(uow, checkpoint).get(path)
    if entry is None:
        raise PathNotInCheckpointError(checkpoint.checkpoint_id, path)
    with ContentSpool() as spool:
        stage_contents(uow.blobs, [entry], spool)
        return b"".join(spool.read(entry.content_hash))


class StoredSide:
    """One stored side of a comparison: a tree, and the contents of some of its paths.

    Not a cache: it lives for one patch, its contents in a temporary spool file that
    ``close`` deletes.
    """

    def __init__(self, tree: Tree) -> None:
        self._tree = tree
        self._spool = ContentSpool()

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
        entries: list[ManifestEntry] = [self._tree[p] for p in paths if p in self._tree]
        stage_contents(uow.blobs, entries, self._spool)

    def read(self, path: str) -> bytes | None:
        """The staged bytes of ``path``; None when the tree holds nothing there."""
        entry = self._tree.get(path)
        if entry is None:
            return None
        return b"".join(self._spool.read(entry.content_hash))
