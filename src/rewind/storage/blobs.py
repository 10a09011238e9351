"""``BlobRepository`` in SQL: one blob row per sha256 and its compressed chunk rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, groupby
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rewind.errors import CorruptStoreError
from rewind.storage.records import BlobHeader, NewBlob
from rewind.storage.sql import (
    batches,
    give_back_free_pages,
    insert_new_rows,
    insert_rows,
    is_postgresql,
    table,
)
from rewind.storage.tables import BlobChunkRow, BlobRow, ChangeRow

__all__ = ["SqlBlobRepository"]

_BLOBS_TABLE = table(BlobRow)
_CHUNKS_TABLE = table(BlobChunkRow)
_CHUNK_BATCH_BYTES = 16 * 1024 * 1024  # compressed bytes per multi-row chunk insert


class SqlBlobRepository:
    """``BlobRepository`` on a SQLAlchemy session (SQLite or PostgreSQL)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, blobs: Iterable[NewBlob]) -> None:
        """Insert the blobs not stored yet, and their chunks, many rows per statement.

        A blob another transaction stores at the same moment is skipped, not an error.
        """
        blobs = sorted(blobs, key=lambda blob: blob.content_hash)
        if not blobs:
            return
        existing = self._lock_existing([blob.content_hash for blob in blobs])
        rows = [
            {
                "id": blob.content_hash,
                "size": blob.size,
                "codec": blob.codec,
                "chunk_count": blob.chunk_count,
            }
            for blob in blobs
            if blob.content_hash not in existing
        ]
        if not rows:
            return
        inserted = insert_new_rows(self._session, _BLOBS_TABLE, rows)
        batch: list[dict[str, Any]] = []
        batch_bytes = 0
        for blob in blobs:
            if blob.content_hash not in inserted:
                continue
            for seq, data in enumerate(blob.chunks):
                batch.append({"blob_id": blob.content_hash, "seq": seq, "data": data})
                batch_bytes += len(data)
                if batch_bytes >= _CHUNK_BATCH_BYTES:
                    insert_rows(self._session, _CHUNKS_TABLE, batch)
                    batch, batch_bytes = [], 0
        insert_rows(self._session, _CHUNKS_TABLE, batch)

    def headers(self, content_hashes: Iterable[str]) -> dict[str, BlobHeader]:
        """Return the headers of those blobs that exist (queried in batches)."""
        headers: dict[str, BlobHeader] = {}
        for batch in batches(sorted(set(content_hashes))):
            rows = self._session.execute(
                select(BlobRow.id, BlobRow.size, BlobRow.codec, BlobRow.chunk_count).where(
                    BlobRow.id.in_(batch)
                )
            )
            headers.update({row[0]: _blob_header(*row) for row in rows})
        return headers

    def stream(
        self, content_hashes: Sequence[str] | None = None
    ) -> Iterator[tuple[str, BlobHeader | CorruptStoreError, Iterator[bytes]]]:
        """Yield every blob (or those named), with its header and its chunks, in one pass.

        One query per batch of blobs, streamed: each blob's chunks are read as its consumer
        iterates them, so memory stays bounded. A header rewind could not have written comes
        as the ``CorruptStoreError`` that describes it.
        """
        if content_hashes is None:
            wanted: Iterable[list[str] | None] = [None]
        else:
            wanted = batches(sorted(set(content_hashes)))
        for batch in wanted:
            statement = (
                select(
                    BlobRow.id,
                    BlobRow.size,
                    BlobRow.codec,
                    BlobRow.chunk_count,
                    BlobChunkRow.data,
                )
                .outerjoin(BlobChunkRow, BlobChunkRow.blob_id == BlobRow.id)
                .order_by(BlobRow.id, BlobChunkRow.seq)
                .execution_options(yield_per=64)
            )
            if batch is not None:
                statement = statement.where(BlobRow.id.in_(batch))
            rows = self._session.execute(statement)
            for blob_id, group in groupby(rows, key=lambda row: row[0]):
                first = next(group)
                header: BlobHeader | CorruptStoreError
                try:
                    header = _blob_header(blob_id, first.size, first.codec, first.chunk_count)
                except CorruptStoreError as exc:
                    header = exc
                chunks = (row.data for row in chain([first], group) if row.data is not None)
                yield blob_id, header, chunks

    def chunks(self, content_hash: str, first: int, count: int) -> list[bytes]:
        """Return the compressed chunks ``first`` to ``first + count - 1`` of a blob, in order.

        Fewer (none) when it has fewer; only those chunks are read.
        """
        statement = (
            select(BlobChunkRow.data)
            .where(
                BlobChunkRow.blob_id == content_hash,
                BlobChunkRow.seq >= first,
                BlobChunkRow.seq < first + count,
            )
            .order_by(BlobChunkRow.seq)
        )
        return list(self._session.scalars(statement))

    def ids(self) -> list[str]:
        """Return the id of every blob, sorted."""
        return list(self._session.scalars(select(BlobRow.id).order_by(BlobRow.id)))

    def delete_unused(self, content_hashes: Iterable[str]) -> tuple[int, int]:
        """Delete those blobs no change row uses; return how many, and their stored bytes.

        Each blob is locked before it is checked, in id order: a snapshot that is about to
        use one (it locks them too, see ``add``) either commits first, and its rows keep the
        blob, or waits and then stores the content again.
        """
        count = freed = 0
        for batch in batches(sorted(set(content_hashes))):
            locked = list(
                self._session.scalars(
                    select(BlobRow.id)
                    .where(BlobRow.id.in_(batch))
                    .order_by(BlobRow.id)
                    .with_for_update()
                )
            )
            used = set(
                self._session.scalars(
                    select(ChangeRow.content_hash)
                    .where(ChangeRow.content_hash.in_(locked))
                    .distinct()
                )
            )
            unused = [blob_id for blob_id in locked if blob_id not in used]
            if not unused:
                continue
            freed += (
                self._session.scalar(
                    select(func.coalesce(func.sum(func.length(BlobChunkRow.data)), 0)).where(
                        BlobChunkRow.blob_id.in_(unused)
                    )
                )
                or 0
            )
            self._session.execute(delete(BlobChunkRow).where(BlobChunkRow.blob_id.in_(unused)))
            self._session.execute(delete(BlobRow).where(BlobRow.id.in_(unused)))
            count += len(unused)
        if count:
            give_back_free_pages(self._session)
        return count, freed

    def _lock_existing(self, content_hashes: Sequence[str]) -> set[str]:
        """Return which of these blobs exist, each locked against deletion, in id order.

        A prune deleting one of them at this moment is waited for; the blob is then gone
        and is stored again from this snapshot's own copy. On SQLite, whose write
        transactions already exclude prunes, nothing is queried and nothing is returned: the
        insert that follows skips the stored ones itself.
        """
        existing: set[str] = set()
        if not is_postgresql(self._session):
            return existing
        for batch in batches(content_hashes):
            existing.update(
                self._session.scalars(
                    select(BlobRow.id)
                    .where(BlobRow.id.in_(batch))
                    .order_by(BlobRow.id)
                    .with_for_update(key_share=True)
                )
            )
        return existing


def _blob_header(blob_id: str, size: object, codec: object, chunk_count: object) -> BlobHeader:
    if not (
        isinstance(size, int)
        and size >= 0
        and isinstance(chunk_count, int)
        and chunk_count >= 0
        and isinstance(codec, str)
    ):
        raise CorruptStoreError(
            f"blob {blob_id} has a damaged record (size {size!r:.40}, codec "
            f"{codec!r:.40}, chunks {chunk_count!r:.40})"
        )
    return BlobHeader(size, codec, chunk_count)
