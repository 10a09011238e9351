"""What the repositories hand over and take: plain, frozen records, no SQL in sight.

The service's layers above speak these and the domain models; only the repositories
(``workspaces``, ``checkpoints``, ``blobs``, ``queries``) know the rows they come from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from rewind._manifest import ManifestEntry, StatKey
from rewind.models import ChangeKind, CheckpointType

__all__ = [
    "BlobHeader",
    "CheckpointQuery",
    "CheckpointSummary",
    "DirectoryScope",
    "IndexUpdate",
    "NewBlob",
    "StoredChange",
    "WorkspaceHead",
    "WorkspaceRecord",
]


@dataclass(frozen=True, slots=True)
class NewBlob:
    """A content to store: its hash, sizes and compressed chunks (read lazily, in order)."""

    content_hash: str
    size: int
    codec: str
    chunk_count: int
    chunks: Iterable[bytes]


@dataclass(frozen=True, slots=True)
class BlobHeader:
    """What the store records about a blob besides its chunks."""

    size: int
    codec: str
    chunk_count: int


@dataclass(frozen=True, slots=True)
class WorkspaceHead:
    """A workspace's record: the checkpoint its next snapshot diffs against, and its index.

    ``index_head`` is the checkpoint whose tree the index rows hold; ``index_version`` rises
    with every change of the head or the index; ``index_origin`` is the machine whose file
    status the rows record.
    """

    workspace_id: int
    head_id: str | None
    restoring_to: str | None = None
    index_head: str | None = None
    index_version: int = 0
    index_origin: str | None = None


@dataclass(frozen=True, slots=True)
class IndexUpdate:
    """The index rows to write after a snapshot or a rollback, and what they now describe.

    ``version`` becomes the workspace's ``index_version`` (the caller holds its lock).

    ``entries`` are written (replacing the rows of their paths) with their proving status, or
    None; ``removed`` paths lose their rows; with ``complete`` every other row goes too.
    """

    head_id: str
    origin: str
    version: int
    entries: Sequence[tuple[ManifestEntry, StatKey | None]]
    removed: Sequence[str] = ()
    complete: bool = False


@dataclass(frozen=True, slots=True)
class WorkspaceRecord:
    """A workspace as the store records it, for checking: whose, where, and its marks."""

    plan_id: str
    sandbox_ref: str
    head_id: str | None
    restoring_to: str | None
    workspace_id: int = 0
    index_head: str | None = None


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    """What retention needs to know of a checkpoint: whose it is, its kind, age and parent."""

    checkpoint_id: str
    plan_id: str
    sandbox_ref: str
    checkpoint_type: str
    label: str | None
    parent_id: str | None
    created_at: datetime
    is_snapshot: bool


@dataclass(frozen=True, slots=True)
class StoredChange:
    """One change row as stored: a path's change in a checkpoint, against its parent."""

    checkpoint_id: str
    path: str
    change: ChangeKind
    entry: ManifestEntry | None
    """The path's entry after the change (None for a deletion)."""
    kind: str


@dataclass(frozen=True, slots=True)
class CheckpointQuery:
    """Filters for listing checkpoints, newest first."""

    plan_id: str | None = None
    decision_id: str | None = None
    checkpoint_type: CheckpointType | None = None
    limit: int | None = None
    before_id: str | None = None
    sandbox_ref: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class DirectoryScope:
    """Workspaces in some directories: each directory itself, and everything below it.

    ``directories`` are real absolute paths, as snapshots record their workspaces; the test
    is on the text (``/a/b`` is in ``/a``, ``/ab`` is not), here and in SQL
    (``sql.in_directories``).
    """

    directories: tuple[str, ...]

    def __contains__(self, sandbox_ref: object) -> bool:
        """Whether the workspace directory ``sandbox_ref`` lies in the scope."""
        return isinstance(sandbox_ref, str) and any(
            sandbox_ref == directory or sandbox_ref.startswith(below(directory))
            for directory in self.directories
        )


def below(directory: str) -> str:
    """The text every path below ``directory`` starts with (``/`` is below itself too)."""
    return f"{directory.rstrip('/')}/"
