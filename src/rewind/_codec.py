"""The blob codec: how a content becomes stored chunks and how stored chunks are checked.

A content is cut into chunks of at most ``CHUNK_SIZE`` bytes, each compressed with zstd
(``CODEC``) into its own frame that records its size. Blobs an older rewind stored with zlib
still read. Neutral ground: the workspace compresses with it as it reads files, and the use
cases check stored blobs with it before a restore and in ``verify``.
"""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Callable, Iterable

import zstandard

from rewind.errors import CorruptStoreError

__all__ = ["CHUNK_SIZE", "CODEC", "CODECS", "check_stored_blob", "compressor", "inflate"]

CHUNK_SIZE = 1024 * 1024
CODEC = "zstd"
"""The codec of new blobs. ``zlib`` (rewind before 0.2) is still read."""
CODECS = frozenset({"zstd", "zlib"})
ZSTD_LEVEL = 3
_local = threading.local()


def compressor() -> zstandard.ZstdCompressor:
    """This thread's zstd compressor (one is not safe to share between threads)."""
    compressor: zstandard.ZstdCompressor | None = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(
            level=ZSTD_LEVEL, write_content_size=True
        )
    return compressor


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
    if codec not in CODECS:
        raise CorruptStoreError(f"blob {content_hash} has the unknown codec {codec!r}")
    digest = hashlib.sha256()
    total = 0
    count = 0
    for chunk in chunks:
        count += 1
        data = inflate(content_hash, chunk, codec)
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


def inflate(content_hash: str, chunk: object, codec: str) -> bytes:
    """Decompress one stored chunk, refusing one that inflates past ``CHUNK_SIZE``.

    rewind compresses at most ``CHUNK_SIZE`` bytes into a chunk, and records that size in
    each zstd frame, so a chunk that inflates to more was not written by rewind (a "zip bomb"
    would otherwise take all the memory).
    """
    if not isinstance(chunk, bytes):
        raise CorruptStoreError(f"blob {content_hash} has a chunk that is not bytes")
    if codec == "zlib":
        return _inflate_zlib(content_hash, chunk)
    try:
        declared = zstandard.frame_content_size(chunk)
        if not 0 <= declared <= CHUNK_SIZE:
            raise CorruptStoreError(
                f"blob {content_hash} is damaged: a chunk does not inflate to at most "
                f"{CHUNK_SIZE} bytes in one piece"
            )
        return zstandard.ZstdDecompressor().decompress(chunk, allow_extra_data=False)
    except zstandard.ZstdError as exc:
        raise CorruptStoreError(f"blob {content_hash} is damaged: {exc}") from exc


def _inflate_zlib(content_hash: str, chunk: bytes) -> bytes:
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
