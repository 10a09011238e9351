"""Copy new file contents out of the workspace, compressed, into a temporary spool.

The spool holds exactly the bytes that were hashed: a file that changes while it is read
gets the hash of what was copied, never a hash of other bytes. Contents are compressed chunk
by chunk, so memory stays bounded whatever the file size; the store streams them from here
inside its transaction.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import TracebackType
from typing import BinaryIO

from rewind._manifest import ManifestEntry, Tree
from rewind.errors import CorruptStoreError
from rewind.models import EntryKind
from rewind.workspace.root import PathChangedError, WorkspaceRoot, os_error
from rewind.workspace.scan import CHUNK_SIZE, read_chunks, symlink_entry

__all__ = [
    "CODEC",
    "CapturedBlob",
    "ContentSpool",
    "capture_new_contents",
    "check_stored_blob",
]

CODEC = "zlib"
COMPRESSION_LEVEL = 1


@dataclass(frozen=True, slots=True)
class CapturedBlob:
    """One content in the spool: its hash, its uncompressed size and where its chunks lie."""

    content_hash: str
    size: int
    spans: tuple[tuple[int, int], ...]


class ContentSpool:
    """Compressed contents waiting to be stored, in an anonymous temporary file.

    Not a cache: it lives for one snapshot and is deleted when closed. A full (or
    unwritable) temporary directory raises ``DiskFullError`` (or another ``WorkspaceError``)
    naming it.
    """

    def __init__(self) -> None:
        with _scratch_errors("create a spool file in"):
            self._file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._blobs: dict[str, CapturedBlob] = {}

    def __enter__(self) -> ContentSpool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Delete the spool file."""
        self._file.close()

    def add_bytes(self, data: bytes) -> str:
        """Spool ``data`` and return its sha256."""
        return self._add([data])

    def add_file(self, root: WorkspaceRoot, path: str) -> tuple[str, int]:
        """Spool the bytes of the regular file ``path`` below ``root`` (never via a symlink).

        Returns:
            The sha256 and size of the bytes that were copied.

        Raises:
            UnreadablePathError: ``path`` cannot be opened or read, or is not a regular file.
        """
        digest = self._add(read_chunks(root, path))
        return digest, self._blobs[digest].size

    def add_stored(
        self, content_hash: str, chunks: Iterable[bytes], *, size: int, codec: str, chunk_count: int
    ) -> None:
        """Spool a stored blob's compressed chunks, checking them against its hash and size.

        Raises:
            CorruptStoreError: The chunks are missing, altered or do not decompress.
        """
        start = self._file.seek(0, os.SEEK_END)
        spans: list[tuple[int, int]] = []

        def keep(chunk: bytes) -> None:
            spans.append((self._file.tell(), len(chunk)))
            with _scratch_errors("write to a spool file in"):
                self._file.write(chunk)

        try:
            check_stored_blob(
                content_hash, chunks, size=size, codec=codec, chunk_count=chunk_count, keep=keep
            )
        except BaseException:
            self._file.truncate(start)
            raise
        self._blobs[content_hash] = CapturedBlob(content_hash, size, tuple(spans))

    def read(self, content_hash: str) -> Iterator[bytes]:
        """Yield the uncompressed bytes of a spooled content."""
        for chunk in self.chunks(self._blobs[content_hash]):
            yield zlib.decompress(chunk)

    def blobs(self) -> list[CapturedBlob]:
        """Return every spooled content, sorted by hash."""
        return sorted(self._blobs.values(), key=lambda blob: blob.content_hash)

    def chunks(self, blob: CapturedBlob) -> Iterator[bytes]:
        """Yield the compressed chunks of ``blob`` in order."""
        for offset, length in blob.spans:
            with _scratch_errors("read a spool file in"):
                self._file.seek(offset)
                chunk = self._file.read(length)
            yield chunk

    def _add(self, chunks: Iterable[bytes]) -> str:
        start = self._file.seek(0, os.SEEK_END)
        digest = hashlib.sha256()
        size = 0
        spans: list[tuple[int, int]] = []
        with _scratch_errors("write to a spool file in"):
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                compressed = zlib.compress(chunk, COMPRESSION_LEVEL)
                spans.append((self._file.tell(), len(compressed)))
                self._file.write(compressed)
        content_hash = digest.hexdigest()
        if content_hash in self._blobs:
            self._file.truncate(start)
        else:
            self._blobs[content_hash] = CapturedBlob(content_hash, size, tuple(spans))
        return content_hash


@contextmanager
def _scratch_errors(doing: str) -> Iterator[None]:
    """Translate a failure of rewind's own temporary directory (full, read-only)."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, doing, tempfile.gettempdir()) from exc


def check_stored_blob(
    content_hash: str,
    chunks: Iterable[bytes],
    *,
    size: int,
    codec: str,
    chunk_count: int,
    keep: Callable[[bytes], None] | None = None,
) -> None:
    """Decompress a stored blob's chunks and check they are exactly its content.

    Args:
        content_hash: The sha256 the blob is stored under.
        chunks: Its compressed chunks, in order.
        size: Its recorded uncompressed size.
        codec: Its recorded codec.
        chunk_count: Its recorded number of chunks.
        keep: Called with each compressed chunk once it decompressed cleanly.

    Raises:
        CorruptStoreError: Unknown codec, a missing chunk, a chunk that does not decompress,
            or bytes whose sha256 or size differ from the record (names the blob).
    """
    if codec != CODEC:
        raise CorruptStoreError(f"blob {content_hash} has the unknown codec {codec!r}")
    digest = hashlib.sha256()
    total = 0
    count = 0
    for chunk in chunks:
        count += 1
        data = _inflate(content_hash, chunk)
        digest.update(data)
        total += len(data)
        if total > size:  # stop reading early: the bytes cannot match
            raise CorruptStoreError(
                f"blob {content_hash} does not match its sha256: its stored bytes were altered"
            )
        if keep is not None:
            keep(chunk)
    if count != chunk_count:
        raise CorruptStoreError(
            f"blob {content_hash} has {count} of its {chunk_count} chunks: some are missing"
        )
    if digest.hexdigest() != content_hash or total != size:
        raise CorruptStoreError(
            f"blob {content_hash} does not match its sha256: its stored bytes were altered"
        )


def _inflate(content_hash: str, chunk: object) -> bytes:
    """Decompress one stored chunk, refusing one that inflates past ``CHUNK_SIZE``.

    rewind compresses at most ``CHUNK_SIZE`` bytes into a chunk, so a chunk that inflates to
    more was not written by rewind (a "zip bomb" would otherwise take all the memory).
    """
    if not isinstance(chunk, bytes):
        raise CorruptStoreError(f"blob {content_hash} has a chunk that is not bytes")
    decompressor = zlib.decompressobj()
    try:
        data = decompressor.decompress(chunk, CHUNK_SIZE + 1)
    except zlib.error as exc:
        raise CorruptStoreError(f"blob {content_hash} is damaged: {exc}") from exc
    if len(data) > CHUNK_SIZE or not decompressor.eof or decompressor.unused_data:
        raise CorruptStoreError(
            f"blob {content_hash} is damaged: a chunk does not inflate to at most "
            f"{CHUNK_SIZE} bytes in one piece"
        )
    return data


def capture_new_contents(
    root: WorkspaceRoot, tree: Tree, known_hashes: set[str], spool: ContentSpool
) -> Tree:
    """Spool every content of ``tree`` that is not in ``known_hashes``.

    Returns:
        ``tree`` with each spooled entry's hash and size taken from the copied bytes, so
        every entry's content is either known or in the spool. A path that vanished or
        changed kind since the scan is left out.

    Raises:
        UnreadablePathError: A file cannot be read.
    """
    captured: Tree = {}
    for path, entry in tree.items():
        try:
            captured[path] = _captured(root, entry, known_hashes, spool)
        except PathChangedError:
            continue  # gone or replaced since the scan: the next snapshot sees what is there
    return captured


def _captured(
    root: WorkspaceRoot, entry: ManifestEntry, known_hashes: set[str], spool: ContentSpool
) -> ManifestEntry:
    if entry.content_hash in known_hashes:
        return entry
    if entry.kind is EntryKind.SYMLINK:
        target = root.read_link(entry.path)
        spool.add_bytes(target)
        return symlink_entry(entry.path, target)
    digest, size = spool.add_file(root, entry.path)
    return replace(entry, content_hash=digest, size=size)
