"""Read file contents out of the workspace: hashed, and compressed into a spool when new.

The spool holds exactly the bytes that were hashed: a file that changes while it is read
gets the hash of what was copied, never a hash of other bytes. Contents are compressed chunk
by chunk with the blob codec (``rewind._codec``), so memory stays bounded whatever the file
size; the store streams them from the spool inside its transaction. Small contents are
compressed in batches, on every core at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO

from rewind._codec import CHUNK_SIZE, CODEC, check_stored_blob, compressor, inflate
from rewind._manifest import ManifestEntry
from rewind.models import EntryKind
from rewind.workspace.root import PathChangedError, open_regular_file, os_error

__all__ = [
    "CapturedBlob",
    "ContentReader",
    "ContentSpool",
    "FileRead",
    "symlink_entry",
]

_BATCH_BYTES = 1024 * 1024
"""Small contents compressed per call: each call holds the GIL, so other threads (an
event loop) wait at most a few milliseconds for it."""
"""Small contents compressed together, on every core (see ``ContentReader``)."""


def symlink_entry(path: str, target: bytes) -> ManifestEntry:
    """Return the manifest entry of the symlink ``path`` whose target is ``target``."""
    return ManifestEntry(
        path, EntryKind.SYMLINK, hashlib.sha256(target).hexdigest(), len(target), 0
    )


@dataclass(frozen=True, slots=True)
class CapturedBlob:
    """One content in the spool: its hash, its uncompressed size and where its chunks lie."""

    content_hash: str
    size: int
    spans: tuple[tuple[int, int], ...]
    codec: str = CODEC


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
        """Delete the spool file (what it could not write is discarded with it)."""
        with contextlib.suppress(OSError):  # a full disk refusing the last buffered bytes
            self._file.close()

    def add_bytes(self, data: bytes) -> str:
        """Spool ``data`` and return its sha256."""
        content_hash = hashlib.sha256(data).hexdigest()
        if content_hash not in self._blobs:
            self.add_compressed(content_hash, len(data), [compressor().compress(data)])
        return content_hash

    def add_compressed(self, content_hash: str, size: int, chunks: Iterable[bytes]) -> None:
        """Spool a content already compressed with ``CODEC``, chunk by chunk."""
        self.record(content_hash, size, [self.append_chunk(chunk) for chunk in chunks])

    def record(self, content_hash: str, size: int, spans: Sequence[tuple[int, int]]) -> None:
        """Count a content whose compressed chunks were appended at ``spans``, in order."""
        self._blobs.setdefault(content_hash, CapturedBlob(content_hash, size, tuple(spans)))

    def append_chunk(self, chunk: bytes) -> tuple[int, int]:
        """Append one compressed chunk; return its span."""
        with _scratch_errors("write to a spool file in"):
            offset = self._file.seek(0, os.SEEK_END)
            self._file.write(chunk)
        return offset, len(chunk)

    def add_stored(
        self, content_hash: str, chunks: Iterable[bytes], *, size: int, codec: str, chunk_count: int
    ) -> None:
        """Spool a stored blob's compressed chunks, checking them against its hash and size.

        Raises:
            CorruptStoreError: The chunks are missing, altered or do not decompress.
        """
        spans: list[tuple[int, int]] = []
        check_stored_blob(
            content_hash,
            chunks,
            size=size,
            codec=codec,
            chunk_count=chunk_count,
            keep=lambda chunk: spans.append(self.append_chunk(chunk)),
        )
        self._blobs[content_hash] = CapturedBlob(content_hash, size, tuple(spans), codec)

    def read(self, content_hash: str) -> Iterator[bytes]:
        """Yield the uncompressed bytes of a spooled content."""
        blob = self._blobs[content_hash]
        for chunk in self.chunks(blob):
            yield inflate(content_hash, chunk, blob.codec)

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


@contextmanager
def _scratch_errors(doing: str) -> Iterator[None]:
    """Translate a failure of rewind's own temporary directory (full, read-only)."""
    try:
        yield
    except OSError as exc:
        raise os_error(exc, doing, tempfile.gettempdir()) from exc


@dataclass(frozen=True, slots=True)
class FileRead:
    """A regular file as it was read: the sha256 and size of its bytes, and its status."""

    content_hash: str
    size: int
    status: os.stat_result


class ContentReader:
    """Reads files for a scan: hashes each, and spools a compressed copy of new contents.

    ``spool`` is None to hash only (a diff or a dry run). Contents whose hash is in ``known``
    are stored already: they are hashed but not compressed again. Small contents are
    compressed in batches, by zstd's own threads, on every core; close the reader to spool
    the last batch.
    """

    def __init__(self, spool: ContentSpool | None = None, known: Collection[str] = ()) -> None:
        self._spool = spool
        self._known = known
        self._batch: list[tuple[str, bytes]] = []  # small contents awaiting compression
        self._batch_bytes = 0

    def __enter__(self) -> ContentReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()

    def close(self) -> None:
        """Spool the contents still awaiting compression."""
        self._compress_batch()

    def _compress_later(self, content_hash: str, data: bytes) -> None:
        """Queue a small content; compress the queue once it holds ``_BATCH_BYTES``.

        zstd compresses a batch of contents on all cores at once, outside the GIL.
        """
        if not data:  # zstd refuses a batch of nothing but empty contents
            assert self._spool is not None  # only called when spooling
            self._spool.add_compressed(content_hash, 0, [compressor().compress(data)])
            return
        self._batch.append((content_hash, data))
        self._batch_bytes += len(data)
        if self._batch_bytes >= _BATCH_BYTES:
            self._compress_batch()

    def _compress_batch(self) -> None:
        """Compress the queued contents together, on every core, and spool each."""
        batch, self._batch, self._batch_bytes = self._batch, [], 0
        if not batch or self._spool is None:
            return
        frames = compressor().multi_compress_to_buffer([data for _, data in batch], threads=-1)
        for index, (content_hash, data) in enumerate(batch):
            self._spool.add_compressed(content_hash, len(data), [frames[index].tobytes()])

    def keep_symlink(self, target: bytes) -> None:
        """Spool a symlink's target, if it is new."""
        if self._spool is not None and hashlib.sha256(target).hexdigest() not in self._known:
            self._spool.add_bytes(target)

    def read_files(
        self, directory_fd: int, names: Sequence[str], where: str
    ) -> list[FileRead | None]:
        """Read the regular files ``names`` of the directory open as ``directory_fd``.

        Returns, in the order of ``names``, what was read, or None for a file that vanished
        or changed kind first (the next snapshot sees what replaced it).

        Raises:
            UnreadablePathError: A file cannot be read.
            DiskFullError: The spool's directory is full.
        """
        return [self._read_or_none(directory_fd, name, where) for name in names]

    def _read_or_none(self, directory_fd: int, name: str, where: str) -> FileRead | None:
        try:
            return self._read(directory_fd, name, f"{where}/{name}")
        except PathChangedError:
            return None

    def _read(self, directory_fd: int, name: str, where: str) -> FileRead:
        with open_regular_file(directory_fd, name, where) as descriptor:
            status = os.fstat(descriptor)
            first = _read_some(descriptor, where)
            if len(first) < CHUNK_SIZE:  # the whole file (almost all files): one piece
                content_hash = hashlib.sha256(first).hexdigest()
                if self._spool is not None and content_hash not in self._known:
                    self._compress_later(content_hash, first)
                return FileRead(content_hash, len(first), status)
            return self._read_large(descriptor, first, status, where)

    def _read_large(
        self, descriptor: int, first: bytes, status: os.stat_result, where: str
    ) -> FileRead:
        """Hash a file of a chunk or more, spooling each compressed chunk as it goes."""
        digest = hashlib.sha256()
        size = 0
        compressed: list[tuple[int, int]] = []
        spool = self._spool
        chunk = first
        while chunk:
            digest.update(chunk)
            size += len(chunk)
            if spool is not None:
                compressed.append(spool.append_chunk(compressor().compress(chunk)))
            chunk = _read_some(descriptor, where)
        content_hash = digest.hexdigest()
        if spool is not None and content_hash not in self._known:
            spool.record(content_hash, size, compressed)
        return FileRead(content_hash, size, status)


def _read_some(descriptor: int, where: str) -> bytes:
    """Read up to ``CHUNK_SIZE`` bytes, as many as the file holds up to that."""
    parts: list[bytes] = []
    wanted = CHUNK_SIZE
    while wanted:
        try:
            part = os.read(descriptor, wanted)
        except OSError as exc:
            raise os_error(exc, "read", where, reading=True) from exc
        if not part:
            break
        parts.append(part)
        wanted -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)
