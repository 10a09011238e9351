"""Watched snapshots: scan only what the kernel reported, while the chain of watches holds.

A service opened with ``watch=True`` keeps, per workspace it snapshots, a ``TreeWatch`` and
the scan its last snapshot recorded. The chain holds while nothing broke it since that scan:
the watch saw every change (no overflow, no watch missing, the root still the same
directory, no ignore file changed) and the workspace's head and index are still the ones
that scan was recorded as (no other process, machine or rollback moved them). Then the next
snapshot drains the watch, without waiting, and looks only at the reported paths
(``rescan_workspace``). Otherwise it scans the whole workspace, adding watches as it goes,
which starts a new chain. Nothing of this is stored: another process simply scans.

Why a synchronous drain and no reader thread: inotify queues an event before the system
call that caused it returns, so the queue holds every change completed before the snapshot
starts; a thread would need a cookie file and a timeout to know as much. The price is that
the kernel's queue (``max_queued_events``, 16,384 by default) may overflow between two
snapshots far apart; the overflow is reported, and the next snapshot scans.

Some changes reach a file without any event (a write through ``mmap``, or through a hard
link made from outside the workspace after its scan). A rollback looks at every path it is
about to change (``_ops/planner.py``); one whose status is not what the watched scan
recorded was missed, so it is looked at again (``WatchedWorkspace.rescan``) and the next
snapshot scans the whole workspace.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rewind._ops.index import WorkspaceIndex, rescan_paths, rescan_workspace, scan_workspace
from rewind.errors import WatchDivergenceError
from rewind.models import WatchOptions, WatchReport
from rewind.storage import Store
from rewind.workspace.capture import ContentSpool
from rewind.workspace.root import WorkspaceRoot
from rewind.workspace.scan import IgnoreChain, ScanResult
from rewind.workspace.watch import Changes, TreeWatch, remote_file_system

_log = logging.getLogger("rewind")

__all__ = [
    "EVICTED",
    "FIRST_SCAN",
    "HEAD_MOVED",
    "KEPT_UNTRACKED",
    "MISSED_CHANGE",
    "NEW_HARD_LINK",
    "REMOTE",
    "ROOT_REPLACED",
    "SAFETY_NET_COUNT",
    "SAFETY_NET_TIME",
    "WatchedWorkspace",
    "Watches",
    "rescan_maybe_watched",
    "scan_maybe_watched",
    "watching",
]

# Why a snapshot scanned the whole workspace (besides the watch's own doubts).
FIRST_SCAN = "first scan"
EVICTED = "watch closed for a newer workspace (max_workspaces)"
HEAD_MOVED = "head moved"
NEW_HARD_LINK = "new hard link"
ROOT_REPLACED = "workspace directory replaced"
SAFETY_NET_COUNT = "safety net: watched snapshots"
SAFETY_NET_TIME = "safety net: time"
REMOTE = "network or overlay file system"
MISSED_CHANGE = "change the watch missed"
KEPT_UNTRACKED = "rollback left untracked files"


@dataclass
class _Chain:
    """One workspace's watch, and the scan it vouches for since."""

    watch: TreeWatch
    first_reason: str = FIRST_SCAN  # why the scan that starts the chain scans in full
    identity: tuple[int, int] = (0, 0)
    scan: ScanResult | None = None
    recorded_as: tuple[str | None, int] | None = None  # the index (head, version) of ``scan``
    rules: IgnoreChain | None = None
    pending: Changes = field(default_factory=Changes)
    watched_since_full: int = 0
    full_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Watches:
    """The watched workspaces of one service, by plan and directory; thread-safe.

    Each watched workspace holds an inotify instance, of which the kernel gives each user a
    few (``fs.inotify.max_user_instances``, 128 by default): at most
    ``options.max_workspaces`` are watched at once, those snapshotted last. Watching
    another closes the watch of the one snapshotted longest ago, whose next snapshot scans.
    """

    def __init__(
        self, options: WatchOptions, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.options = options
        self.clock = clock
        self._lock = threading.Lock()
        # By plan and directory, least recently snapshotted first; a str: why not watched.
        self._chains: OrderedDict[tuple[str, str], _Chain | str] = OrderedDict()
        self._evicted: set[tuple[str, str]] = set()
        self._watched = 0
        self._reasons: Counter[str] = Counter()

    @contextmanager
    def workspace(self, plan_id: str, root: WorkspaceRoot) -> Iterator[WatchedWorkspace]:
        """The workspace's watch, held by this thread until the block ends."""
        key = (plan_id, root.path)
        with self._lock:
            chain = self._chains.get(key)
            if chain is None:
                chain = self._new_chain(key, root)
            else:
                self._chains.move_to_end(key)
        if isinstance(chain, str):
            yield WatchedWorkspace(self, key, chain)
            return
        with chain.lock:
            yield WatchedWorkspace(self, key, chain)

    def _new_chain(self, key: tuple[str, str], root: WorkspaceRoot) -> _Chain | str:
        """Watch a workspace not watched yet, or say why not (with ``self._lock`` held).

        A remote file system is remembered; a kernel that gives no inotify instance now is
        asked again at the next snapshot.
        """
        kind = remote_file_system(root.descriptor())
        if kind is not None and not self.options.allow_remote:
            reason = self._chains[key] = f"{REMOTE} ({kind})"
            return reason
        self._make_room()
        watch = TreeWatch.open()
        if isinstance(watch, str):
            return watch
        chain = self._chains[key] = _Chain(watch)
        if key in self._evicted:
            self._evicted.discard(key)
            chain.first_reason = EVICTED
        return chain

    def _make_room(self) -> None:
        """Close watches, least recently snapshotted first, until one more fits the limit.

        A watch in use by a snapshot is left alone (the limit may be passed meanwhile).
        """
        live = [key for key, chain in self._chains.items() if isinstance(chain, _Chain)]
        for key in live[: max(0, len(live) - self.options.max_workspaces + 1)]:
            chain = self._chains[key]
            assert isinstance(chain, _Chain)
            if chain.lock.acquire(blocking=False):
                try:
                    chain.watch.close()
                    del self._chains[key]
                    self._evicted.add(key)
                finally:
                    chain.lock.release()

    def report(self) -> WatchReport:
        """Count what the watches did so far."""
        with self._lock:
            chains = [chain for chain in self._chains.values() if isinstance(chain, _Chain)]
            return WatchReport(
                watching=len(chains),
                directories=sum(chain.watch.watched for chain in chains),
                watched_snapshots=self._watched,
                full_scans=sum(self._reasons.values()),
                full_scan_reasons=dict(self._reasons),
            )

    def close(self) -> None:
        """Drop every watch."""
        with self._lock:
            for chain in self._chains.values():
                if isinstance(chain, _Chain):
                    chain.watch.close()
            self._chains.clear()
            self._evicted.clear()

    def count(self, reason: str | None) -> None:
        """Count a watched snapshot (None), or a full scan and its reason."""
        with self._lock:
            if reason is None:
                self._watched += 1
            else:
                self._reasons[reason] += 1

    def give_up(self, key: tuple[str, str], reason: str) -> None:
        """Never watch this workspace again in this service (watchman's "poison")."""
        _log.warning(
            "no longer watching %s (%s): each of its snapshots scans the whole workspace",
            key[1],
            reason,
        )
        with self._lock:
            chain = self._chains.get(key)
            if isinstance(chain, _Chain):
                chain.watch.close()
            self._chains[key] = reason


class WatchedWorkspace:
    """One snapshot's use of a workspace's watch (see ``Watches.workspace``).

    ``chain`` is the workspace's watch, or why it is not watched.
    """

    def __init__(self, watches: Watches, key: tuple[str, str], chain: _Chain | str) -> None:
        self._watches = watches
        self._key = key
        self._chain = chain
        self._missed = False

    def scan(
        self,
        store: Store,
        root: WorkspaceRoot,
        index: WorkspaceIndex,
        spool: ContentSpool,
        now_ns: Callable[[], int],
    ) -> ScanResult:
        """Scan the workspace: only what the watch reported, or all of it if in doubt.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
            WatchDivergenceError: Paranoid, and a full scan saw another tree.
        """
        chain, watches = self._chain, self._watches
        if isinstance(chain, str):
            watches.count(chain)
            return scan_workspace(store, root, index, spool, now_ns=now_ns)
        chain.pending.merge(chain.watch.drain())
        reason = self._doubt(chain, root, index)
        if reason is None and chain.scan is not None and chain.rules is not None:
            since = (chain.scan, chain.pending, chain.rules)
            scanned = rescan_workspace(
                store, root, index, spool, since, now_ns=now_ns, watch=chain.watch
            )
            if scanned.linked <= chain.scan.linked:
                if watches.options.paranoid:
                    full = scan_workspace(store, root, index, now_ns=now_ns)
                    self._compare(chain, scanned, full)
                chain.watched_since_full += 1
                watches.count(None)
                self._give_up_if_incomplete(chain)
                return scanned
            # A file gained a link: its other names, unknown, get no event when it is written
            # through this one. A full scan finds them all (every file with two links or more).
            reason = NEW_HARD_LINK
        chain.scan = chain.recorded_as = None  # until this scan is recorded
        chain.first_reason = FIRST_SCAN
        chain.watch.restart()
        chain.pending = Changes()
        chain.identity = root.identity()
        scanned = scan_workspace(store, root, index, spool, now_ns=now_ns, watch=chain.watch)
        watches.count(reason or FIRST_SCAN)
        if self._give_up_if_incomplete(chain):
            return scanned
        chain.rules = IgnoreChain(scanned.ignore_lines)
        chain.watched_since_full = 0
        chain.full_at = watches.clock()
        return scanned

    def _give_up_if_incomplete(self, chain: _Chain) -> bool:
        """Stop watching if a watch could not be added (the limit: trying again costs as much).

        This scan walked every directory, so it is exact; the next one would not be.
        """
        if chain.watch.doubt is None:
            return False
        self._watches.give_up(self._key, chain.watch.doubt)
        self._chain = chain.watch.doubt
        return True

    def rescan(
        self,
        store: Store,
        root: WorkspaceRoot,
        index: WorkspaceIndex,
        spool: ContentSpool,
        since: tuple[ScanResult, Collection[str]],
        *,
        now_ns: Callable[[], int],
        changed: bool,
    ) -> ScanResult:
        """Look again at paths of the scan ``since`` holds that it cannot vouch for now.

        If some changed unreported (``changed``: their status is not the scan's; or their
        entry now differs from the scan's), the watch missed them (a write through a hard
        link whose other name lies outside the workspace, or through ``mmap``), so it may
        have missed others: the next snapshot scans the whole workspace, whatever becomes
        of this rollback.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        chain = self._chain
        watch = chain.watch if isinstance(chain, _Chain) else None
        scanned = rescan_paths(store, root, index, spool, since, now_ns=now_ns, watch=watch)
        previous, paths = since
        missed = changed or any(previous.tree.get(p) != scanned.tree.get(p) for p in paths)
        if missed and isinstance(chain, _Chain):
            chain.scan = None
            chain.first_reason = MISSED_CHANGE
        self._missed = self._missed or missed
        return scanned

    def recorded(
        self, scanned: ScanResult, after: WorkspaceIndex, *, doubt: str | None = None
    ) -> None:
        """Say that ``scanned`` is now the workspace's head, as the index ``after``.

        With ``doubt`` (or after a ``rescan`` of changed paths), the next snapshot scans in
        full, for that reason.
        """
        chain = self._chain
        if not isinstance(chain, _Chain):
            return
        chain.scan = scanned
        chain.recorded_as = (after.head_id, after.version)
        chain.pending = Changes()
        doubt = MISSED_CHANGE if self._missed else doubt
        if doubt is not None:
            chain.scan = None
            chain.first_reason = doubt

    def _doubt(self, chain: _Chain, root: WorkspaceRoot, index: WorkspaceIndex) -> str | None:
        """Why the watch cannot vouch for the workspace since its last scan, or None."""
        if chain.scan is None:
            return chain.first_reason
        if chain.pending.doubt is not None:
            return chain.pending.doubt
        if chain.recorded_as != (index.head_id, index.version):
            return HEAD_MOVED
        if root.identity() != chain.identity:
            return ROOT_REPLACED
        return self._safety_net(chain)

    def _safety_net(self, chain: _Chain) -> str | None:
        """Whether the safety net's count or time since the last full scan is reached."""
        options = self._watches.options
        every, after = options.full_scan_every, options.full_scan_after
        if every is not None and chain.watched_since_full >= every:
            return SAFETY_NET_COUNT
        if after is not None and self._watches.clock() - chain.full_at >= after.total_seconds():
            return SAFETY_NET_TIME
        return None

    @staticmethod
    def _compare(chain: _Chain, watched: ScanResult, full: ScanResult) -> None:
        """Raise if a watched scan and a full scan of the same workspace disagree."""
        differing = {
            path
            for path in watched.tree.keys() | full.tree.keys()
            if watched.tree.get(path) != full.tree.get(path)
        }
        differing |= set(watched.skipped) ^ set(full.skipped)
        differing |= set(watched.temporaries) ^ set(full.temporaries)
        if differing:
            chain.scan = None  # start again from a full scan
            first = min(differing)
            raise WatchDivergenceError(
                f"the watched snapshot and a full scan disagree on {len(differing)} path(s), "
                f"first {first[:300]!r}: rewind missed a change",
                path=first,
            )


@contextmanager
def watching(
    watches: Watches | None, plan_id: str, root: WorkspaceRoot
) -> Iterator[WatchedWorkspace | None]:
    """The workspace's watch for this block, or None for a service that does not watch."""
    if watches is None:
        yield None
    else:
        with watches.workspace(plan_id, root) as watched:
            yield watched


def rescan_maybe_watched(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex,
    spool: ContentSpool,
    since: tuple[ScanResult, Collection[str]],
    *,
    watched: WatchedWorkspace | None,
    now_ns: Callable[[], int],
    changed: bool,
) -> ScanResult:
    """Look again at some paths of the scan ``since`` holds (``WatchedWorkspace.rescan``).

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
    """
    if watched is None:
        return rescan_paths(store, root, index, spool, since, now_ns=now_ns)
    return watched.rescan(store, root, index, spool, since, now_ns=now_ns, changed=changed)


def scan_maybe_watched(
    store: Store,
    root: WorkspaceRoot,
    index: WorkspaceIndex,
    spool: ContentSpool,
    watched: WatchedWorkspace | None,
    *,
    now_ns: Callable[[], int],
) -> ScanResult:
    """Scan the workspace through its watch if it has one (``WatchedWorkspace.scan``).

    Raises:
        UnreadablePathError: A directory, file or ignore file cannot be read.
        WatchDivergenceError: Paranoid, and a full scan saw another tree.
    """
    if watched is None:
        return scan_workspace(store, root, index, spool, now_ns=now_ns)
    return watched.scan(store, root, index, spool, now_ns)
