"""The workspace index: what a workspace's last snapshot or rollback left, with proof.

``WorkspaceIndex`` holds the head's tree with each file's status (size, times, inode), so a
scan reads only the files whose status changed; ``IndexCache`` keeps each workspace's index
between calls while the store says it is current; ``scan_workspace`` runs one scan with it.
A source of changed paths (a file watcher) plugs in here.
"""

from __future__ import annotations

import bisect
import dataclasses
import socket
import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

from rewind._manifest import Known, Tree, tree_hash_of_rows, tree_row
from rewind.errors import (
    CorruptStoreError,
)
from rewind.models import (
    Checkpoint,
)
from rewind.storage import IndexUpdate, Store, UnitOfWork, WorkspaceHead
from rewind.workspace.capture import ContentReader, ContentSpool
from rewind.workspace.ignore import IGNORE_FILE_NAMES
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import IgnoreChain, ScanResult, WorkspaceScanner, directories_of
from rewind.workspace.watch import Changes, TreeWatch

__all__ = [
    "DATABASE_FILE_SUFFIXES",
    "Changed",
    "IndexCache",
    "WorkspaceIndex",
    "hash_rows",
    "index_update",
    "machine_origin",
    "reordered",
    "rescan_paths",
    "rescan_workspace",
    "scan_workspace",
]


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
    counts: dict[str, int] | None = field(default=None, repr=False, compare=False)
    """How many entries hold each content, by hash (carried forward like ``rows``)."""
    order: list[str] | None = field(default=None, repr=False, compare=False)
    """The paths of ``known``, sorted (carried forward like ``rows``); never changed."""
    carried_directories: frozenset[str] | None = field(default=None, repr=False, compare=False)
    """The previous index's ``directories``, when a snapshot kept its paths exactly: every
    one of them still holds paths that scan judged."""
    paths_checked: bool = False
    """Whether every path of ``known`` is known to be safe: it came from a scan of the
    workspace or from a checked tree, not from stored rows (which anybody could alter)."""

    @cached_property
    def tree(self) -> Tree:
        """The head's tree."""
        return {path: known.entry for path, known in self.known.items()}

    @cached_property
    def directories(self) -> frozenset[str]:
        """Every directory holding a path of the head's tree (see ``directories_of``)."""
        if self.carried_directories is not None:
            return self.carried_directories
        return directories_of(self.known)

    def directories_if_known(self) -> frozenset[str] | None:
        """``directories`` if computed already, else None (it is not computed for this)."""
        computed = self.__dict__.get("directories")
        assert computed is None or isinstance(computed, frozenset)
        return computed

    @property
    def hashes(self) -> Collection[str]:
        """The contents of the head's tree: all stored already."""
        return self.content_counts().keys()

    def content_counts(self) -> dict[str, int]:
        """How many entries hold each content (counted once per index, then carried forward)."""
        if self.counts is None:
            counts: dict[str, int] = {}
            for known in self.known.values():
                content = known.entry.content_hash
                counts[content] = counts.get(content, 0) + 1
            object.__setattr__(self, "counts", counts)
        assert self.counts is not None
        return self.counts

    def current_tree_hash(self) -> str:
        """The tree hash of ``known``'s tree (computed once, if it was not given)."""
        if self.tree_hash is None:
            object.__setattr__(
                self, "tree_hash", hash_rows(self.encoded_rows(), self.sorted_paths())
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

    def sorted_paths(self) -> list[str]:
        """The paths of ``known``, sorted (once per index, then carried forward)."""
        if self.order is None:
            object.__setattr__(self, "order", sorted(self.known))
        assert self.order is not None
        return self.order

    def changed(self, removed: Iterable[str], updated: Iterable[Known]) -> Changed:
        """The index's parts without ``removed`` and with ``updated``: entries, rows, order.

        Each is a copy of this index's, changed only where it changes: no cost grows with
        the tree but the copies (and, for each path added or removed, a move in the order).
        """
        removed, updated = list(removed), list(updated)
        if not removed and not updated:  # nothing to change: share what never changes
            return Changed(
                self.known, self.encoded_rows(), self.content_counts(), self.sorted_paths()
            )
        known = dict(self.known)
        rows = dict(self.encoded_rows())
        counts = dict(self.content_counts())
        gone_paths: list[str] = []
        new_paths: list[str] = []
        for path in removed:
            if (gone := known.pop(path, None)) is not None:
                _uncount(counts, gone.entry.content_hash)
                gone_paths.append(path)
            rows.pop(path, None)
        for item in updated:
            path = item.entry.path
            if (replaced := known.get(path)) is not None:
                _uncount(counts, replaced.entry.content_hash)
            else:
                new_paths.append(path)
            known[path] = item
            rows[path] = tree_row(item.entry)
            counts[item.entry.content_hash] = counts.get(item.entry.content_hash, 0) + 1
        order = reordered(self.sorted_paths(), gone_paths, new_paths)
        return Changed(known, rows, counts, order)

    def restored(self, head: Checkpoint, writes: Tree, removed: list[str]) -> WorkspaceIndex:
        """The index once a rollback to ``head`` wrote ``writes`` and removed ``removed``.

        The files it wrote are proven by nothing: the next snapshot reads them. The encoded
        rows and, unless an ignore file was written or removed, the ignore lines carry over.
        """
        updated = [Known(entry, None) for entry in writes.values()]
        changed = self.changed(removed, updated)
        touched = [*writes, *removed]
        ignore_files_changed = any(path.rpartition("/")[2] in IGNORE_FILE_NAMES for path in touched)
        return WorkspaceIndex(
            head.checkpoint_id,
            self.version + 1,
            changed.known,
            ignore_lines=None if ignore_files_changed else self.ignore_lines,
            tree_hash=head.tree_hash,
            rows=changed.rows,
            counts=changed.counts,
            order=changed.order,
            paths_checked=self.paths_checked,
        )


@dataclass(frozen=True, slots=True)
class Changed:
    """What ``WorkspaceIndex.changed`` makes: the parts of the next index."""

    known: dict[str, Known]
    rows: dict[str, str]
    counts: dict[str, int]
    order: list[str]


REORDER_IN_PLACE = 256
"""Up to how many paths added or removed the order is moved path by path, not sorted again."""


def reordered(order: list[str], removed: Sequence[str], added: Sequence[str]) -> list[str]:
    """A copy of the sorted ``order`` without ``removed`` (all in it) and with ``added`` (none).

    ``order`` itself is never changed: indexes share it.
    """
    if not removed and not added:
        return order
    if len(removed) + len(added) > REORDER_IN_PLACE:
        return sorted({*order, *added} - set(removed))
    result = list(order)
    for path in removed:
        del result[bisect.bisect_left(result, path)]
    for path in added:
        bisect.insort(result, path)
    return result


def hash_rows(rows: Mapping[str, str], order: Iterable[str]) -> str:
    """The tree hash of encoded ``rows`` (by path), taken in ``order`` (the sorted paths)."""
    return tree_hash_of_rows(map(rows.__getitem__, order))


def _uncount(counts: dict[str, int], content_hash: str) -> None:
    left = counts[content_hash] - 1
    if left:
        counts[content_hash] = left
    else:
        del counts[content_hash]


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
            known = uow.workspaces.index(workspace)
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


def index_update(
    before: WorkspaceIndex,
    after: WorkspaceIndex,
    origin: str,
    candidates: Iterable[str],
    *,
    removed: Iterable[str] | None = None,
) -> IndexUpdate:
    """The rows that turn the stored index ``before`` into ``after``.

    Only the paths in ``candidates`` may have new entries or status; the paths of ``before``
    that ``after`` lacks are ``removed``, when the caller knows them (else they are found).
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
    if removed is None:
        removed = [path for path in previous if path not in after.known]
    return IndexUpdate(after.head_id, origin, after.version, changed, list(removed))


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


def scan_workspace(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex | None = None,
    spool: ContentSpool | None = None,
    *,
    now_ns: Callable[[], int] = time.time_ns,
    watch: TreeWatch | None = None,
) -> ScanResult:
    """Scan ``root``, never tracking the store's own database files if they lie inside it.

    Files ``index`` proves unchanged are not read; new contents go to ``spool``, if given.
    ``now_ns`` is the clock that decides which files changed too recently to be proven.
    ``watch``, if given, gets a watch on each directory walked, before it is listed.

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    if index is None:
        index = WorkspaceIndex(None, 0, {})
    with ContentReader(spool, index.hashes) as reader:
        return _scanner(store, root, index, reader, now_ns, watch=watch).scan(root)


def rescan_workspace(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex,
    spool: ContentSpool,
    since: tuple[ScanResult, Changes, IgnoreChain],
    *,
    now_ns: Callable[[], int] = time.time_ns,
    watch: TreeWatch,
) -> ScanResult:
    """Scan ``root`` from its last scan, looking only at the paths ``watch`` reported since.

    ``since`` is that last scan (whose tree ``index`` holds), the changes the watch reported
    since, and the ignore rules of the directories that scan walked. Each directory walked
    whole (a new one) gets its watch before it is listed.

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    previous, changes, rules = since
    with ContentReader(spool, index.hashes) as reader:
        scanner = _scanner(store, root, index, reader, now_ns, watch=watch, full=False)
        return scanner.rescan(root, previous, changes, rules)


def rescan_paths(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex,
    spool: ContentSpool,
    since: tuple[ScanResult, Collection[str]],
    *,
    now_ns: Callable[[], int] = time.time_ns,
    watch: TreeWatch | None = None,
) -> ScanResult:
    """A scan of ``root`` read with ``index``, with some of its paths looked at again.

    ``since`` holds that scan (``previous``) and those paths. The result's ``fresh`` and
    ``removed`` stay relative to ``index``, as a snapshot recording it needs: what
    ``previous`` read or found gone, and what this read or found gone.

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    previous, paths = since
    changes = Changes(paths=set(paths))
    # Only ``paths`` are looked at: not the files with several links a watched rescan adds.
    quiet = dataclasses.replace(previous, linked=set())
    with ContentReader(spool, index.hashes) as reader:
        scanner = _scanner(store, root, index, reader, now_ns, watch=watch, full=False)
        again = scanner.rescan(root, quiet, changes, IgnoreChain(previous.ignore_lines))
    tree = again.tree
    fresh = [path for path in dict.fromkeys([*previous.fresh, *again.fresh]) if path in tree]
    removed = None
    if previous.removed is not None and again.removed is not None:
        removed = [p for p in dict.fromkeys([*previous.removed, *again.removed]) if p not in tree]
    linked = {p for p in previous.linked if p in tree and p not in changes.paths} | again.linked
    return dataclasses.replace(
        again, read=previous.read + again.read, fresh=fresh, removed=removed, linked=linked
    )


def _scanner(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex,
    reader: ContentReader,
    now_ns: Callable[[], int],
    *,
    watch: TreeWatch | None,
    full: bool = True,
) -> WorkspaceScanner:
    """A scanner with ``index``.

    A rescan (not ``full``) matches every path it looks at against the ignore rules, so it
    needs neither the index's ignore lines nor its directories (computing them costs a walk
    of the whole index).
    """
    settled = full and index.ignore_lines is not None
    return WorkspaceScanner(
        _excluded(store, root),
        index.known,
        reader,
        now_ns,
        index.ignore_lines if settled else None,
        index.directories if settled else None,
        watch,
    )


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
