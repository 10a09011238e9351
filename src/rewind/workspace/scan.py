"""Turn a workspace directory into a manifest: one entry per regular file and symlink.

The walk is iterative and never follows a symlink: every directory is opened through
``WorkspaceRoot`` (``O_NOFOLLOW`` at each step) and every file relative to its directory's
descriptor, without blocking (a FIFO swapped in is refused, not waited on). It skips sockets,
FIFOs, devices and names that are not valid UTF-8 (no database can store them as text),
reporting them; it never enters ``.git``, excluded paths or ignored paths.

Like git's index, it reads a file only when its status (size, mtime, ctime, inode) differs
from the one recorded when it was last read, or when that status was too recent to prove
anything; contents are read in chunks so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import enum
import errno
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rewind._json import storable_text_problem
from rewind._manifest import TRACKED_MODE_BITS, Known, ManifestEntry, StatKey, Tree
from rewind.errors import (
    InvalidInputError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.models import EntryKind
from rewind.workspace.capture import ContentReader, symlink_entry
from rewind.workspace.ignore import NEVER_TRACKED_NAMES, IgnoreRules, read_ignore_lines
from rewind.workspace.root import (
    PathChangedError,
    WorkspaceRoot,
    os_error,
    read_symlink,
    temporary_prefix,
)

__all__ = [
    "Known",
    "ScanResult",
    "StatKey",
    "WorkspaceScanner",
    "resolve_workspace",
]


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found: the tree, the special files it skipped, and stale temporaries.

    ``stats`` holds, for each path of ``tree``, the status that proves its entry next time,
    or None when the file changed too recently to be trusted without reading it again (git's
    "racy" entries). ``temporaries`` are files a killed restore left behind (named with the
    root's ``temporary_prefix``); they are never tracked, and the next rollback removes them.
    ``read`` counts the files whose bytes were read.
    """

    tree: Tree
    skipped: list[str]
    temporaries: list[str]
    stats: dict[str, StatKey | None] = field(default_factory=dict)
    read: int = 0


def resolve_workspace(sandbox_ref: str | os.PathLike[str], *, what: str = "workspace") -> str:
    """Return the real absolute path (no symlink in it) of an existing directory.

    A workspace reached through a symlink and through its real path is the same workspace.

    Raises:
        InvalidInputError: The path is too long for the operating system, or is not text a
            database can store (a name that is not UTF-8, a NUL).
        WorkspaceNotFoundError: Nothing exists at ``sandbox_ref``.
        WorkspaceNotADirectoryError: ``sandbox_ref`` is a file or another non-directory.
    """
    try:
        given = os.fsdecode(sandbox_ref)
    except TypeError as exc:
        raise InvalidInputError(f"{what} {sandbox_ref!r:.80} is not a path") from exc
    if (problem := storable_text_problem(given)) is not None:
        raise InvalidInputError(
            f"{what} path {given.encode('utf-8', 'backslashreplace')!r:.300} {problem}; "
            "no database can store it"
        )
    try:
        path = os.path.realpath(given, strict=True)
    except FileNotFoundError as exc:
        raise WorkspaceNotFoundError(f"{what} {given!r} does not exist", path=given) from exc
    except OSError as exc:
        raise _unusable(exc, what, given) from exc
    if not os.path.isdir(path):
        raise WorkspaceNotADirectoryError(f"{what} {given!r} is not a directory", path=given)
    return path


def _unusable(exc: OSError, what: str, given: str) -> Exception:
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidInputError(
            f"{what} path {given[:80]!r}... is too long for the operating system "
            f"({len(given)} characters)",
            path=given[:4096],
        )
    if exc.errno in (errno.ENOTDIR, errno.ELOOP):
        return WorkspaceNotADirectoryError(
            f"{what} {given!r} lies below something that is not a directory", path=given
        )
    return os_error(exc, f"resolve the {what}", given)


RACY_MARGIN_NS = 20_000_000
"""How long before a scan a file must last have changed for its status to prove it unchanged.

The kernel stamps files from a clock that may lag the one rewind reads by a tick (at most
10 ms), so a file changed within this margin before the scan could change again within the
same timestamp, unseen: it is read again next time (git's "racy" entries)."""
COARSE_RACY_MARGIN_NS = 3_000_000_000
"""The same, for timestamps of whole seconds (file systems keeping 1 or 2 s resolution)."""


@dataclass
class WorkspaceScanner:
    """Walks a workspace and builds its manifest, reading only files it cannot prove unchanged.

    ``excluded`` holds absolute paths that are never tracked (the database's directory when
    it lies inside the workspace). ``known`` is the workspace's index: a file whose size,
    mtime, ctime and inode equal its ``Known.stat`` is not read again. ``reader`` reads the
    other files (and, for a snapshot, spools their new contents).
    """

    excluded: frozenset[str] = field(default_factory=frozenset)
    known: Mapping[str, Known] = field(default_factory=dict)
    reader: ContentReader = field(default_factory=ContentReader)
    now_ns: Callable[[], int] = time.time_ns
    """The clock that decides which files changed too recently to be proven (see above)."""

    def scan(self, root: WorkspaceRoot) -> ScanResult:
        """Return the manifest of ``root``, with the special files and temporaries it skipped.

        A path that vanishes or changes kind while it is read is left out.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        found = ScanResult({}, [], [])
        walk = _Walk(
            root,
            self.excluded,
            temporary_prefix(root.path),
            found,
            self.known,
            self.reader,
            self.now_ns(),
        )
        pending: list[tuple[str, IgnoreRules]] = [("", IgnoreRules())]
        while pending:
            directory, rules = pending.pop()
            pending.extend(walk.directory(directory, rules))
        return ScanResult(
            dict(sorted(found.tree.items())),
            sorted(found.skipped),
            sorted(found.temporaries),
            found.stats,
            walk.read,
        )


@dataclass
class _Walk:
    """One scan in progress: visits one directory at a time, through its descriptor."""

    root: WorkspaceRoot
    excluded: frozenset[str]
    temporary_prefix: str
    found: ScanResult
    known: Mapping[str, Known]
    reader: ContentReader
    started_ns: int
    read: int = 0

    def directory(self, relative: str, rules: IgnoreRules) -> list[tuple[str, IgnoreRules]]:
        """Record the entries of one directory; return its subdirectories to walk."""
        subdirectories: list[tuple[str, IgnoreRules]] = []
        where = self.root.absolute(relative)
        try:
            with self.root.directory(relative, reading=True) as fd:
                rules = rules.extended(read_ignore_lines(fd, where), relative)
                unproven: list[tuple[str, str]] = []
                for entry in _entries(fd, where):
                    child = f"{relative}/{entry.name}" if relative else entry.name
                    try:
                        match self._visit(fd, entry, child, rules):
                            case _Next.WALK:
                                subdirectories.append((child, rules))
                            case _Next.READ:
                                unproven.append((child, entry.name))
                    except PathChangedError:
                        continue  # changed while we looked: the next snapshot sees it
                self._read(fd, where, unproven)
        except PathChangedError:
            return []  # the directory vanished or was replaced while we walked
        return subdirectories

    def _visit(self, fd: int, entry: os.DirEntry[str], child: str, rules: IgnoreRules) -> _Next:
        """Record one directory entry; say whether to walk into it or read it."""
        if self._untrackable(entry.name, child):
            return _Next.NOTHING
        status = _lstat(entry, self.root.absolute(child))
        mode = status.st_mode
        if rules.is_ignored(child, is_dir=stat.S_ISDIR(mode)):
            return _Next.NOTHING  # never touched, whatever its name
        if entry.name.startswith(self.temporary_prefix):
            listing = self.found.temporaries if not stat.S_ISDIR(mode) else self.found.skipped
            listing.append(child)
            return _Next.NOTHING
        if stat.S_ISDIR(mode):
            return _Next.WALK
        if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
            return self._visit_file(fd, entry.name, child, status)
        self.found.skipped.append(child)
        return _Next.NOTHING

    def _untrackable(self, name: str, child: str) -> bool:
        """Whether a path is never tracked whatever it is (recording the unstorable ones)."""
        if name in NEVER_TRACKED_NAMES or self.root.absolute(child) in self.excluded:
            return True
        if storable_text_problem(name) is not None:  # not UTF-8: no database takes it
            self.found.skipped.append(_printable(child))
            return True
        return False

    def _visit_file(self, fd: int, name: str, child: str, status: os.stat_result) -> _Next:
        """Record a file or symlink its status proves unchanged, or a symlink; else read it."""
        mode = status.st_mode
        key = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        kind = EntryKind.FILE if stat.S_ISREG(mode) else EntryKind.SYMLINK
        known = self.known.get(child)
        if known is not None and known.stat == key and known.entry.kind is kind:
            proven = known.entry
            tracked = mode & TRACKED_MODE_BITS if kind is EntryKind.FILE else 0
            if proven.mode != tracked:  # a chmod changes the ctime, so this is rare
                proven = ManifestEntry(child, kind, proven.content_hash, proven.size, tracked)
            self._record(proven, key)
            return _Next.NOTHING
        if kind is EntryKind.FILE:
            return _Next.READ
        target = read_symlink(fd, name, self.root.absolute(child))
        self.reader.keep_symlink(target)
        self._record(symlink_entry(child, target), key)
        return _Next.NOTHING

    def _read(self, fd: int, where: str, unproven: list[tuple[str, str]]) -> None:
        """Read the files no status proves unchanged (a few at once) and record them."""
        if not unproven:
            return
        self.read += len(unproven)
        reads = self.reader.read_files(fd, [name for _child, name in unproven], where)
        for (child, _name), read in zip(unproven, reads, strict=True):
            if read is None:
                continue  # vanished or replaced since it was listed
            status = read.status
            key: StatKey | None = (
                status.st_size,
                status.st_mtime_ns,
                status.st_ctime_ns,
                status.st_ino,
            )
            if read.size != status.st_size:
                key = None  # it changed while it was read: its status proves nothing
            mode = status.st_mode & TRACKED_MODE_BITS
            self._record(
                ManifestEntry(child, EntryKind.FILE, read.content_hash, read.size, mode), key
            )

    def _record(self, entry: ManifestEntry, key: StatKey | None) -> None:
        self.found.tree[entry.path] = entry
        self.found.stats[entry.path] = key if key is not None and self._settled(key) else None

    def _settled(self, key: StatKey) -> bool:
        """Whether a status is old enough to prove its file unchanged while it stays equal."""
        _size, modified, changed, _inode = key
        second = 1_000_000_000
        coarse = modified % second == 0 and changed % second == 0
        margin = COARSE_RACY_MARGIN_NS if coarse else RACY_MARGIN_NS
        return max(modified, changed) < self.started_ns - margin


class _Next(enum.Enum):
    """What a walk does with an entry after looking at it."""

    NOTHING = enum.auto()
    WALK = enum.auto()
    READ = enum.auto()


def _entries(fd: int, where: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(fd) as entries:
            return list(entries)
    except OSError as exc:
        raise os_error(exc, "list the directory", where, reading=True) from exc


def _lstat(entry: os.DirEntry[str], where: str) -> os.stat_result:
    try:
        return entry.stat(follow_symlinks=False)
    except OSError as exc:
        raise os_error(exc, "read the status of", where, reading=True) from exc


def _printable(path: str) -> str:
    """A path that is not UTF-8, with its undecodable bytes shown as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
