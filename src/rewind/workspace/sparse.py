"""Write a restored file so that its runs of zero bytes stay holes, as ``cp --sparse`` does.

A sparse file (a disk image, a database preallocated with ``truncate``) reads back as zeros
where it has holes, so its stored content holds those zeros: a 2 GiB file with 4 KiB of data
is 2 GiB of content that compresses to almost nothing. Writing those zeros back would
allocate all 2 GiB, so a rollback could fill a disk where the original fitted. Instead every
``BLOCK``-aligned block of zeros is skipped (the file grows past it with ``ftruncate``), and
the file system keeps it as a hole. The bytes read back are the same either way, so the
manifest, its hashes and ``tree_hash`` do not change; a file that held written zeros comes
back with holes there, which no reader can tell apart.
"""

from __future__ import annotations

import os

__all__ = ["BLOCK", "HoleKeepingWriter"]

BLOCK = 4096
"""The unit of a hole: the block size of nearly every file system."""
_ZERO_BLOCK = bytes(BLOCK)


class HoleKeepingWriter:
    """Writes a file's chunks in order through a descriptor, leaving zero blocks as holes.

    Not for a file that already holds data: it writes into an empty, new file.
    """

    def __init__(self, descriptor: int) -> None:
        self._descriptor = descriptor
        self._offset = 0
        """Where ``_pending`` starts in the file: everything before it is written or a hole."""
        self._pending = b""
        """The bytes after the last whole block, waiting for the next chunk to complete it."""

    def write(self, chunk: bytes) -> None:
        """Append ``chunk``.

        Raises:
            OSError: The file system refused (a full disk, an I/O error).
        """
        data = self._pending + chunk if self._pending else chunk
        whole = len(data) - len(data) % BLOCK
        if _ZERO_BLOCK not in data:  # the common case: no block to skip, one write
            self._write(memoryview(data)[:whole], self._offset)
        else:
            self._write_blocks(data, whole)
        self._offset += whole
        self._pending = data[whole:]

    def finish(self) -> None:
        """Write the last partial block and give the file its full size.

        Raises:
            OSError: The file system refused.
        """
        if self._pending.strip(b"\0"):
            self._write(memoryview(self._pending), self._offset)
        os.ftruncate(self._descriptor, self._offset + len(self._pending))

    def _write_blocks(self, data: bytes, whole: int) -> None:
        """Write the data blocks among the first ``whole`` bytes, each run of them at once."""
        view = memoryview(data)[:whole]
        run_start = None
        for start in range(0, whole, BLOCK):
            # A bytes slice compares with memcmp: 20 times faster than a memoryview's.
            is_zero = data[start : start + BLOCK] == _ZERO_BLOCK
            if is_zero and run_start is not None:
                self._write(view[run_start:start], self._offset + run_start)
                run_start = None
            elif not is_zero and run_start is None:
                run_start = start
        if run_start is not None:
            self._write(view[run_start:], self._offset + run_start)

    def _write(self, view: memoryview, offset: int) -> None:
        while view:
            written = os.pwrite(self._descriptor, view, offset)
            view, offset = view[written:], offset + written
