"""Which paths of a workspace may have changed since its last scan, as the kernel says.

``TreeWatch`` holds an inotify watch on every directory a scan walked of one workspace (the
scan adds each watch before it lists the directory, so no change after the listing goes
unseen). ``drain`` reads every event queued so far without waiting: the kernel queues an
event before the system call that caused it returns, so a drain at the start of a snapshot
covers every change completed before it. No thread, no cookie file, no timeout.

It is a hint, never the truth: every path it reports is looked at again, and whatever it
cannot vouch for (the queue overflowed, the root went away, a watch could not be added, an
ignore file changed) comes back as a ``doubt``, and the caller scans the whole workspace, as
without a watcher. A directory moved out of the workspace is reported as gone, and its
watches dropped; one moved in, or created, is reported to be walked whole.

Linux only; elsewhere ``TreeWatch.open`` says why it cannot watch, and rewind scans.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rewind.workspace.ignore import IGNORE_FILE_NAMES

__all__ = [
    "IGNORE_FILE_CHANGED",
    "QUEUE_OVERFLOW",
    "ROOT_GONE",
    "WATCH_FAILED",
    "WATCH_LIMIT",
    "Changes",
    "TreeWatch",
    "remote_file_system",
]

# Why a watch vouches for nothing (each a reason for a full scan, counted by the service).
QUEUE_OVERFLOW = "event queue overflowed"
ROOT_GONE = "workspace moved or deleted"
IGNORE_FILE_CHANGED = "ignore file changed"
WATCH_LIMIT = "watch limit reached"
WATCH_FAILED = "watch could not be added"

# inotify(7)'s flags, as <sys/inotify.h> defines them.
_MODIFY = 0x0000_0002
_ATTRIB = 0x0000_0004
_MOVED_FROM = 0x0000_0040
_MOVED_TO = 0x0000_0080
_CREATE = 0x0000_0100
_DELETE = 0x0000_0200
_DELETE_SELF = 0x0000_0400
_MOVE_SELF = 0x0000_0800
_UNMOUNT = 0x0000_2000
_Q_OVERFLOW = 0x0000_4000
_IGNORED = 0x0000_8000
_ONLYDIR = 0x0100_0000
_ISDIR = 0x4000_0000
_WATCHED = (
    _MODIFY | _ATTRIB | _MOVED_FROM | _MOVED_TO | _CREATE | _DELETE | _DELETE_SELF | _MOVE_SELF
)
"""What changes a directory's entries or a file's bytes, mode or links; not reads or opens."""

_REMOTE_MAGIC = {
    0x6969: "nfs",
    0x517B: "smb",
    0xFF534D42: "cifs",
    0xFE534D42: "smb2",
    0x65735546: "fuse",
    0x794C7630: "overlay",
    0x5346414F: "afs",
    0x00C36400: "ceph",
    0x73757245: "coda",
    0x564C: "ncp",
    0x01161970: "gfs2",
    0x47504653: "gpfs",
    0x0BD00BD0: "lustre",
}
"""``statfs`` magic numbers of network, distributed and overlay file systems, on which
inotify misses what other machines (or lower layers) change (git's ``fsmonitor.allowRemote``
list, plus overlay)."""


@dataclass
class Changes:
    """What the kernel reported since the last drain, relative to the workspace's root.

    ``paths`` may have a new entry, a changed one, or none any more; ``directories`` were
    created or moved in, and must be walked whole. ``doubt`` says why nothing can be
    trusted (the caller scans everything), or is None.
    """

    paths: set[str] = field(default_factory=set)
    directories: set[str] = field(default_factory=set)
    doubt: str | None = None

    def merge(self, other: Changes) -> None:
        """Add ``other``'s changes (a later drain's) to these."""
        self.paths |= other.paths
        self.directories |= other.directories
        self.doubt = self.doubt or other.doubt


class TreeWatch:
    """inotify watches on one workspace's directories, by watch descriptor.

    Not thread-safe: its owner serialises the snapshots of the workspace it watches.
    """

    def __init__(self, inotify: Any) -> None:
        self._inotify = inotify
        self._paths: dict[int, str] = {}  # watch descriptor -> directory ("" is the root)
        self._root_wd: int | None = None
        self.doubt: str | None = None
        """Why the watch set is incomplete since the last full scan, or None."""

    @classmethod
    def open(cls) -> TreeWatch | str:
        """Return a new, empty watch, or why the kernel cannot give one."""
        if not sys.platform.startswith("linux"):
            return f"file watching is not available on {sys.platform}"
        from inotify_simple import INotify  # noqa: PLC0415 - Linux only

        try:
            return cls(INotify(nonblocking=True))
        except OSError as exc:
            return f"inotify could not start ({exc.strerror})"

    def close(self) -> None:
        """Drop every watch."""
        self._inotify.close()

    def restart(self) -> None:
        """Forget every watch and doubt, before the full scan that starts a new chain."""
        for wd in list(self._paths):
            self._unwatch(wd)
        self.drain()  # the removals' own events, and anything older
        self._paths.clear()
        self._root_wd = None
        self.doubt = None

    def add(self, relative: str, directory_fd: int) -> None:
        """Watch a directory, through its open descriptor, before it is listed.

        A failure (the watch limit, ``max_user_watches``, is the usual one) becomes a
        ``doubt``: a partial watch set vouches for nothing.
        """
        try:
            wd = self._inotify.add_watch(f"/proc/self/fd/{directory_fd}", _WATCHED | _ONLYDIR)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                self.doubt = self.doubt or WATCH_LIMIT
            else:
                self.doubt = self.doubt or WATCH_FAILED
            return
        self._paths[wd] = relative
        if relative == "":
            self._root_wd = wd

    @property
    def watched(self) -> int:
        """How many directories are watched."""
        return len(self._paths)

    def drain(self) -> Changes:
        """Read every event queued so far, without waiting; return what they say changed."""
        changes = Changes(doubt=self.doubt)
        moved_from: dict[int, str] = {}
        for wd, mask, cookie, name in self._events():
            if mask & _Q_OVERFLOW:
                changes.doubt = changes.doubt or QUEUE_OVERFLOW
            elif (directory := self._paths.get(wd)) is None:
                continue  # a watch removed since (its events were queued before)
            elif not name:
                self._directory_event(changes, wd, mask)
            else:
                path = f"{directory}/{name}" if directory else name
                self._entry_event(changes, moved_from, path, mask, cookie)
        for path in moved_from.values():
            self._forget_below(path)  # moved out of the workspace: its watches say nothing
        return changes

    def _directory_event(self, changes: Changes, wd: int, mask: int) -> None:
        """An event about a watched directory itself."""
        if wd == self._root_wd and mask & (_DELETE_SELF | _MOVE_SELF | _IGNORED | _UNMOUNT):
            changes.doubt = changes.doubt or ROOT_GONE
        elif mask & _IGNORED:
            del self._paths[wd]  # the directory is gone; its parent said so

    @staticmethod
    def _entry_event(
        changes: Changes, moved_from: dict[int, str], path: str, mask: int, cookie: int
    ) -> None:
        """An event about an entry of a watched directory."""
        if path.rpartition("/")[2] in IGNORE_FILE_NAMES:
            changes.doubt = changes.doubt or IGNORE_FILE_CHANGED
        changes.paths.add(path)
        if not mask & _ISDIR:
            return
        if mask & _MOVED_FROM:
            moved_from[cookie] = path
        elif mask & _MOVED_TO:
            moved_from.pop(cookie, None)
            changes.directories.add(path)
        elif mask & _CREATE:
            changes.directories.add(path)

    def _events(self) -> Iterator[tuple[int, int, int, str]]:
        """Every queued event, in order; ends when the queue is empty (never waits)."""
        while events := self._inotify.read(timeout=0):
            yield from events

    def _unwatch(self, wd: int) -> None:
        with contextlib.suppress(OSError):  # already gone with its directory
            self._inotify.rm_watch(wd)

    def _forget_below(self, directory: str) -> None:
        prefix = f"{directory}/"
        for wd, path in list(self._paths.items()):
            if path == directory or path.startswith(prefix):
                self._unwatch(wd)
                del self._paths[wd]


def remote_file_system(directory_fd: int) -> str | None:
    """Name the network or overlay file system holding a directory, or None if local."""
    if not sys.platform.startswith("linux"):
        return None
    buffer = ctypes.create_string_buffer(256)  # struct statfs is 120 bytes on 64-bit Linux
    if _libc().fstatfs(directory_fd, buffer) != 0:
        return None
    magic = int.from_bytes(buffer.raw[: ctypes.sizeof(ctypes.c_long)], sys.byteorder)
    return _REMOTE_MAGIC.get(magic & 0xFFFF_FFFF)


_LIBC: list[Any] = []


def _libc() -> Any:
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True))
    return _LIBC[0]
