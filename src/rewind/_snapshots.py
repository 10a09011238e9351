"""Building checkpoints: validated, immutable, with their diff metadata from the start.

``CheckpointFactory`` turns validated fields into a frozen ``Checkpoint`` (translating
Pydantic's errors into rewind's). ``record_snapshot`` is the heart of rewind: it diffs a
scanned tree against the workspace's head, puts the diff metadata into ``metadata.extra``,
builds the checkpoint, and hands checkpoint, changes and new contents to the repository at
once. Nothing is attached to a checkpoint after it is built.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict
from ulid import ULID

from rewind._ids import CheckpointIdFactory
from rewind._integrity import require_intact
from rewind._json import freeze_json
from rewind._manifest import Known, Tree, checkpoint_hash, tree_hash_of_rows, tree_row
from rewind.errors import (
    CheckpointNotFoundError,
    CorruptStoreError,
    InvalidCheckpointIdError,
    InvalidInputError,
    InvalidMetadataError,
    InvalidValueError,
)
from rewind.models import (
    ULID_PATTERN,
    Checkpoint,
    CheckpointMetadata,
    CheckpointType,
    Identifier,
    Label,
    reported_as_invalid,
)
from rewind.storage import IndexUpdate, NewBlob, Store, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import ContentReader, ContentSpool
from rewind.workspace.diff import diff_trees
from rewind.workspace.ignore import IGNORE_FILE_NAMES
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import ScanResult, WorkspaceScanner, directories_of

__all__ = [
    "SNAPSHOT_KEYS",
    "CheckpointFactory",
    "IndexCache",
    "SnapshotRequest",
    "WorkspaceIndex",
    "checked_tree",
    "checkpoint_type",
    "find_checkpoint",
    "index_update",
    "machine_origin",
    "record_snapshot",
    "require_snapshot",
    "scan_workspace",
    "target_tree",
]

SNAPSHOT_KEYS = frozenset(
    {"diff_paths", "diff_based", "diff_hash", "diff_base", "tree_hash", "checkpoint_hash"}
)
"""The ``metadata.extra`` keys every workspace snapshot carries (callers cannot set them)."""


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """Who asks for a snapshot and why: everything but the files.

    Its ids and label are checked when it is made, before anything is read or written.
    """

    plan_id: str
    decision_id: str | None
    checkpoint_type: CheckpointType
    label: str | None
    metadata: dict[str, Any]
    extra: dict[str, Any]

    def __post_init__(self) -> None:
        with reported_as_invalid("snapshot request"):
            _RequestFields(plan_id=self.plan_id, decision_id=self.decision_id, label=self.label)


class _RequestFields(BaseModel):
    """The constraints a snapshot request's fields share with ``Checkpoint`` (text only)."""

    model_config = ConfigDict(strict=True)

    plan_id: Identifier
    decision_id: Identifier | None
    label: Label | None


class CheckpointFactory:
    """Makes ids and builds frozen checkpoints, reporting bad fields as rewind errors."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._ids = CheckpointIdFactory()

    def now(self) -> datetime:
        """Return the clock's time (timezone-aware)."""
        return self._clock()

    def now_ns(self) -> int:
        """Return the clock's time in nanoseconds since the epoch."""
        now = self._clock()
        return int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1_000

    def new_id(self, parent_id: str | None = None) -> str:
        """Return a new checkpoint id for now, sorting after ``parent_id``."""
        return str(self._ids.new(self._clock(), after=parent_id))

    def build(self, **fields: Any) -> Checkpoint:
        """Build a checkpoint; a new id is made unless ``checkpoint_id`` is given.

        The creation time is the id's millisecond.

        Raises:
            InvalidValueError: A field is invalid (the message names it).
        """
        checkpoint_id = fields.get("checkpoint_id") or self.new_id(fields.get("parent_id"))
        fields.update(checkpoint_id=checkpoint_id, created_at=_id_time(checkpoint_id))
        return Checkpoint(**fields)

    @staticmethod
    def metadata(fields: Mapping[str, Any]) -> CheckpointMetadata:
        """Build checkpoint metadata.

        Raises:
            InvalidMetadataError: A field is unknown or ``extra`` is not JSON (names the key).
        """
        freeze_json(fields.get("extra", {}), "extra")
        try:
            return CheckpointMetadata(**fields)
        except InvalidValueError as exc:
            raise InvalidMetadataError(str(exc)) from exc


@dataclass(frozen=True)
class WorkspaceIndex:
    """A workspace's files as its last snapshot or rollback left them.

    ``known`` holds the head's tree, each entry with the file status that proves it (see
    ``WorkspaceScanner``); ``version`` is the store's ``index_version`` it matches. With
    ``rewrite``, the stored rows are missing, out of date or another machine's, and the next
    snapshot writes them all. ``tree_hash`` is the head's tree hash, when known.
    """

    head_id: str | None
    version: int
    known: dict[str, Known]
    rewrite: bool = False
    ignore_lines: dict[str, tuple[str, ...]] | None = None
    """The ignore-file lines by directory that the scan behind ``known`` found, if known."""
    tree_hash: str | None = None
    rows: dict[str, str] | None = field(default=None, repr=False, compare=False)
    """Each entry's row in the canonical encoding ``tree_hash`` is computed over, by path."""

    @cached_property
    def tree(self) -> Tree:
        """The head's tree."""
        return {path: known.entry for path, known in self.known.items()}

    @cached_property
    def directories(self) -> frozenset[str]:
        """Every directory holding a path of the head's tree."""
        return directories_of(self.known)

    @cached_property
    def hashes(self) -> frozenset[str]:
        """The contents of the head's tree: all stored already."""
        return frozenset(known.entry.content_hash for known in self.known.values())

    def current_tree_hash(self) -> str:
        """The tree hash of ``known``'s tree (computed once, if it was not given)."""
        if self.tree_hash is None:
            rows = self.encoded_rows()
            object.__setattr__(
                self, "tree_hash", tree_hash_of_rows(rows[path] for path in sorted(rows))
            )
        assert self.tree_hash is not None
        return self.tree_hash

    def encoded_rows(self) -> dict[str, str]:
        """Each entry's canonical row, computed once per index and then carried forward."""
        if self.rows is None:
            object.__setattr__(
                self, "rows", {path: tree_row(k.entry) for path, k in self.known.items()}
            )
        assert self.rows is not None
        return self.rows

    def changed(
        self, removed: Iterable[str], updated: Iterable[Known]
    ) -> tuple[dict[str, Known], dict[str, str]]:
        """The entries and encoded rows of this index without ``removed``, with ``updated``."""
        known = dict(self.known)
        rows = dict(self.encoded_rows())
        for path in removed:
            known.pop(path, None)
            rows.pop(path, None)
        for item in updated:
            known[item.entry.path] = item
            rows[item.entry.path] = tree_row(item.entry)
        return known, rows

    def restored(self, head: Checkpoint, writes: Tree, removed: list[str]) -> WorkspaceIndex:
        """The index once a rollback to ``head`` wrote ``writes`` and removed ``removed``.

        The files it wrote are proven by nothing: the next snapshot reads them. The encoded
        rows and, unless an ignore file was written or removed, the ignore lines carry over.
        """
        known, rows = self.changed(removed, [Known(entry, None) for entry in writes.values()])
        touched = [*writes, *removed]
        ignore_files_changed = any(path.rpartition("/")[2] in IGNORE_FILE_NAMES for path in touched)
        return WorkspaceIndex(
            head.checkpoint_id,
            self.version + 1,
            known,
            ignore_lines=None if ignore_files_changed else self.ignore_lines,
            tree_hash=head.tree_hash,
            rows=rows,
        )


class IndexCache:
    """The index of each workspace this service last wrote or read, by workspace id.

    A cached index is used only while the store's ``index_version`` and head still match
    it, so a snapshot or rollback by another process or machine is always seen.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._indexes: dict[int, WorkspaceIndex] = {}

    def load(self, uow: UnitOfWork, workspace: WorkspaceHead | None, origin: str) -> WorkspaceIndex:
        """Return the workspace's index: cached, read from the store, or rebuilt.

        Raises:
            CorruptStoreError: The head's manifest cannot be read.
        """
        if workspace is None or workspace.head_id is None:
            return WorkspaceIndex(None, 0 if workspace is None else workspace.index_version, {})
        with self._lock:
            cached = self._indexes.get(workspace.workspace_id)
        current = (workspace.head_id, workspace.index_version)
        if (
            cached is not None
            and (cached.head_id, cached.version) == current
            and workspace.index_origin == origin
        ):
            return cached
        index = _stored_index(uow, workspace, origin)
        self.remember(workspace.workspace_id, index)
        return index

    def remember(self, workspace_id: int, index: WorkspaceIndex) -> None:
        """Keep ``index`` as the workspace's current index."""
        with self._lock:
            self._indexes[workspace_id] = index


def _stored_index(uow: UnitOfWork, workspace: WorkspaceHead, origin: str) -> WorkspaceIndex:
    """Read the workspace's index rows, or rebuild its tree from its head's manifest."""
    assert workspace.head_id is not None  # callers handle a workspace without snapshots
    if workspace.index_head == workspace.head_id:
        try:
            known = uow.checkpoints.index(workspace)
        except CorruptStoreError:
            known = None  # a damaged index is rebuilt: it only ever saves work
        if known is not None:
            if workspace.index_origin == origin:
                return WorkspaceIndex(workspace.head_id, workspace.index_version, known)
            unproven = {path: Known(item.entry, None) for path, item in known.items()}
            return WorkspaceIndex(
                workspace.head_id, workspace.index_version, unproven, rewrite=True
            )
    tree = uow.checkpoints.manifest(workspace.head_id)
    unproven = {path: Known(entry, None) for path, entry in tree.items()}
    return WorkspaceIndex(workspace.head_id, workspace.index_version, unproven, rewrite=True)


def machine_origin(root: WorkspaceRoot) -> str:
    """Name this machine and the workspace's file system, for the file status it records.

    The status of a file proves nothing on another machine, or after a reboot (the boot id
    changes), or on another file system mounted at the same path.
    """
    return f"{socket.gethostname()[:120]}/{_boot_id()}/{root.device()}"[:255]


@cache
def _boot_id() -> str:
    """This boot's id: read once, as it changes only with a reboot (and a new process)."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as boot:
            return boot.read().strip()
    except OSError:  # pragma: no cover - not Linux
        return "-"


def record_snapshot(
    uow: UnitOfWork,
    factory: CheckpointFactory,
    *,
    root: WorkspaceRoot,
    workspace: WorkspaceHead,
    index: WorkspaceIndex,
    scanned: ScanResult,
    request: SnapshotRequest,
    spool: ContentSpool,
    origin: str,
) -> tuple[Checkpoint, WorkspaceIndex]:
    """Diff a scanned tree against the workspace's index, build the snapshot, and store it.

    ``scanned`` was read with ``index`` (whose head is the workspace's) and spooled every
    content the index does not hold. The caller holds the workspace's lock and commits.

    Returns:
        The snapshot, and the workspace's index once the unit of work commits.
    """
    tree = scanned.tree
    previous = index.known
    removed = [path for path in previous if path not in tree]
    touched = sorted({*scanned.fresh, *removed})
    diff = diff_trees(
        {path: previous[path].entry for path in touched if path in previous},
        {path: tree[path] for path in touched if path in tree},
        base_id=workspace.head_id,
        target_id=None,
    )
    known, rows = index.changed(
        removed, [Known(tree[path], scanned.stats[path]) for path in scanned.fresh]
    )
    checkpoint_id = factory.new_id(workspace.head_id)
    if diff.entries or index.tree_hash is None:
        tree_digest = tree_hash_of_rows(rows[path] for path in sorted(rows))
    else:
        tree_digest = index.tree_hash
    extra: dict[str, Any] = {
        "diff_paths": list(diff.paths),
        "diff_based": True,
        "diff_hash": diff.hash,
        "diff_base": workspace.head_id,
        "tree_hash": tree_digest,
        "checkpoint_hash": checkpoint_hash(checkpoint_id, request.plan_id, root.path, tree_digest),
    }
    if scanned.skipped:
        extra["skipped_paths"] = scanned.skipped
    checkpoint = factory.build(
        checkpoint_id=checkpoint_id,
        plan_id=request.plan_id,
        sandbox_ref=root.path,
        decision_id=request.decision_id,
        checkpoint_type=request.checkpoint_type,
        parent_id=workspace.head_id,
        label=request.label,
        metadata=factory.metadata({**request.metadata, "extra": request.extra | extra}),
    )
    new_hashes = {entry.new_hash for entry in diff.entries} - index.hashes
    blobs = [
        NewBlob(blob.content_hash, blob.size, blob.codec, len(blob.spans), spool.chunks(blob))
        for blob in spool.blobs()
        if blob.content_hash in new_hashes
    ]
    uow.checkpoints.add_snapshot(checkpoint, diff.entries, blobs, workspace)
    after = WorkspaceIndex(
        checkpoint_id, index.version + 1, known, False, scanned.ignore_lines, tree_digest, rows
    )
    uow.checkpoints.write_index(workspace, index_update(index, after, origin, scanned.fresh))
    return checkpoint, after


def index_update(
    before: WorkspaceIndex, after: WorkspaceIndex, origin: str, candidates: Iterable[str]
) -> IndexUpdate:
    """The rows that turn the stored index ``before`` into ``after``.

    Only the paths in ``candidates`` may have new entries or status; others were removed.
    """
    assert after.head_id is not None  # an index written after a snapshot or rollback
    if before.rewrite:
        entries = [(known.entry, known.stat) for known in after.known.values()]
        return IndexUpdate(after.head_id, origin, after.version, entries, complete=True)
    previous = before.known
    changed = [
        (known.entry, known.stat)
        for path in candidates
        if (known := after.known.get(path)) is not None and previous.get(path) != known
    ]
    removed = [path for path in previous if path not in after.known]
    return IndexUpdate(after.head_id, origin, after.version, changed, removed)


def find_checkpoint(uow: UnitOfWork, checkpoint_id: str) -> Checkpoint:
    """Return the checkpoint with this id.

    Raises:
        InvalidCheckpointIdError: ``checkpoint_id`` is not a ULID (in either letter case).
        CheckpointNotFoundError: No such checkpoint exists.
    """
    if not isinstance(checkpoint_id, str) or not ULID_PATTERN.match(checkpoint_id.upper()):
        raise InvalidCheckpointIdError(
            f"{checkpoint_id!r:.80} is not a checkpoint id (a 26-character ULID)"
        )
    checkpoint = uow.checkpoints.get(checkpoint_id.upper())
    if checkpoint is None:
        raise CheckpointNotFoundError(checkpoint_id)
    return checkpoint


def target_tree(uow: UnitOfWork, target: Checkpoint, index: WorkspaceIndex) -> Tree:
    """Return the tree a restore to ``target`` writes, checked as ``checked_tree`` checks it.

    When the workspace's index holds a tree with ``target``'s tree hash (a rollback to the
    last snapshot), that tree is the target's and the history is not read.

    Raises:
        InvalidInputError: The checkpoint records no files.
        UnsafePathError: A path is hostile.
        CorruptStoreError: The manifest cannot be read, or does not match its hashes.
    """
    require_snapshot(target)
    if index.known and index.current_tree_hash() == target.tree_hash:
        require_intact(target, index.tree, hashed=True)
        return index.tree
    return checked_tree(uow, target, sealed=True)


def checked_tree(uow: UnitOfWork, checkpoint: Checkpoint, *, sealed: bool = False) -> Tree:
    """Return the tree a snapshot records.

    Args:
        uow: The unit of work to read in.
        checkpoint: A snapshot.
        sealed: Whether to check, before returning, every path and the snapshot's
            ``tree_hash`` and ``checkpoint_hash`` (what a restore acts on).

    Raises:
        InvalidInputError: The checkpoint records no files.
        UnsafePathError: ``sealed`` and a path is hostile.
        CorruptStoreError: The manifest cannot be read, or (``sealed``) does not match its
            hashes.
    """
    require_snapshot(checkpoint)
    tree = uow.checkpoints.manifest(checkpoint.checkpoint_id)
    if sealed:
        require_intact(checkpoint, tree)
    return tree


def require_snapshot(checkpoint: Checkpoint) -> None:
    """Check that ``checkpoint`` records files.

    Raises:
        InvalidInputError: It was made by ``create_checkpoint`` and records no files.
    """
    if not checkpoint.is_snapshot:
        raise InvalidInputError(
            f"checkpoint {checkpoint.checkpoint_id!r} records no files "
            "(it was made by create_checkpoint)",
            checkpoint_id=checkpoint.checkpoint_id,
        )


def scan_workspace(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex | None = None,
    spool: ContentSpool | None = None,
    *,
    now_ns: Callable[[], int] = time.time_ns,
) -> ScanResult:
    """Scan ``root``, never tracking the store's own database files if they lie inside it.

    Files ``index`` proves unchanged are not read; new contents go to ``spool``, if given.
    ``now_ns`` is the clock that decides which files changed too recently to be proven.

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    if index is None:
        index = WorkspaceIndex(None, 0, {})
    with ContentReader(spool, index.hashes) as reader:
        scanner = WorkspaceScanner(
            _excluded(store, root),
            index.known,
            reader,
            now_ns,
            index.ignore_lines,
            index.directories if index.ignore_lines is not None else None,
        )
        return scanner.scan(root)


def _excluded(store: Store, root: WorkspaceRoot) -> frozenset[str]:
    """The store's own files (the database, its -wal, -shm and -journal) inside the workspace.

    Only those files: the directory holding them, and everything else in it, is tracked.
    """
    database = store.database_path
    if database is None or not database.startswith(f"{root.path}/"):
        return frozenset()
    relative = database[len(root.path) + 1 :]
    return frozenset(f"{relative}{suffix}" for suffix in DATABASE_FILE_SUFFIXES)


DATABASE_FILE_SUFFIXES = ("", "-wal", "-shm", "-journal")
"""The files of a SQLite database: the database itself and its companions."""


def checkpoint_type(value: CheckpointType | str) -> CheckpointType:
    """Return ``value`` as a ``CheckpointType``.

    Raises:
        InvalidInputError: ``value`` names no checkpoint type.
    """
    try:
        return CheckpointType(value)
    except ValueError as exc:
        choices = ", ".join(kind.value for kind in CheckpointType)
        raise InvalidInputError(f"unknown checkpoint type {value!r} (one of {choices})") from exc


def _id_time(checkpoint_id: str) -> datetime:
    return ULID.from_str(checkpoint_id).datetime
