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

import dataclasses
import enum
import errno
import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from rewind._json import storable_text_problem
from rewind._manifest import TRACKED_MODE_BITS, Known, ManifestEntry, StatKey, Tree
from rewind._paths import NEVER_TRACKED_NAMES, temporary_prefix
from rewind.errors import (
    InvalidInputError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.models import EntryKind
from rewind.workspace.capture import ContentReader, symlink_entry
from rewind.workspace.ignore import (
    IGNORE_FILE_NAMES,
    IgnoreRules,
    read_ignore_lines,
)
from rewind.workspace.root import (
    PathChangedError,
    WorkspaceRoot,
    os_error,
    read_symlink,
)
from rewind.workspace.watch import Changes, TreeWatch

__all__ = [
    "IgnoreChain",
    "Known",
    "ScanResult",
    "StatKey",
    "WorkspaceScanner",
    "directories_of",
    "resolve_workspace",
]


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found: the tree, the special files it skipped, and stale temporaries.

    ``stats`` holds, for each path of ``tree``, the status that proves its entry next time,
    or None when the file changed too recently to be trusted without reading it again (git's
    "racy" entries). ``temporaries`` are files a killed restore left behind (named with the
    root's ``temporary_prefix``); they are never tracked, and the next rollback removes them.
    ``tree`` is in walk order, not sorted. ``read`` counts the files whose bytes were read;
    ``ignore_lines`` holds the ignore-file lines found in each directory walked; ``fresh``
    lists the paths whose entries were read (every other entry is the index's, unchanged).
    """

    tree: Tree
    skipped: list[str]
    temporaries: list[str]
    stats: dict[str, StatKey | None] = field(default_factory=dict)
    read: int = 0
    ignore_lines: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fresh: list[str] = field(default_factory=list)
    linked: set[str] = field(default_factory=set)
    """The files whose status shows more than one link: a write through another name is
    reported to a watcher for that name only, so a watched rescan looks at these always."""
    removed: list[str] | None = None
    """A rescan's paths of the previous scan's tree that this tree lacks (None: a full scan,
    which does not know them without comparing whole trees)."""

    def status_changed(self, path: str, status: os.stat_result | None) -> bool:
        """Whether ``path``'s status now (``status``; None: it is missing) is not what this saw.

        For a path this scan holds no proof for (``stats`` None: it changed too recently, or
        while it was read), only a missing one counts as changed: the others are unproven.
        """
        seen = self.stats.get(path)
        return status is None or (seen is not None and _key(status) != seen)


def _key(status: os.stat_result) -> StatKey:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


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

    ``excluded`` holds paths relative to the root that are never tracked, only listed as
    skipped (the database's own files when they lie inside the workspace). ``known`` is the
    workspace's index: a file whose size, mtime, ctime and inode equal its ``Known.stat`` is
    not read again. ``ignore_lines`` are the ignore-file lines the index's own scan found in
    each directory, if known: where they are unchanged, a path the index tracks is known not
    to be ignored without matching it.
    ``reader`` reads the other files (and, for a snapshot, spools their new contents).
    """

    excluded: frozenset[str] = field(default_factory=frozenset)
    known: Mapping[str, Known] = field(default_factory=dict)
    reader: ContentReader = field(default_factory=ContentReader)
    now_ns: Callable[[], int] = time.time_ns
    """The clock that decides which files changed too recently to be proven (see above)."""
    ignore_lines: Mapping[str, tuple[str, ...]] | None = None
    known_directories: frozenset[str] | None = None
    """Every directory holding a path of ``known`` (computed from it if not given)."""
    watch: TreeWatch | None = None
    """Watches every directory walked, before listing it (see ``rewind.workspace.watch``)."""

    def scan(self, root: WorkspaceRoot) -> ScanResult:
        """Return the manifest of ``root``, with the special files and temporaries it skipped.

        A path that vanishes or changes kind while it is read is left out.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        found = ScanResult({}, [], [])
        walk = self._walk(root, found, self._known_directories(), self.ignore_lines or {})
        walk.everything_below("", IgnoreRules(), settled=self.ignore_lines is not None)
        return ScanResult(
            found.tree,
            sorted(found.skipped),
            sorted(found.temporaries),
            found.stats,
            walk.read,
            found.ignore_lines,
            found.fresh,
            found.linked,
        )

    def rescan(
        self, root: WorkspaceRoot, previous: ScanResult, changes: Changes, rules: IgnoreChain
    ) -> ScanResult:
        """Return the manifest of ``root`` from a previous scan's, looking only at ``changes``.

        ``previous`` is this scanner's last result for ``root`` and ``changes`` what the
        watch reported since (with no doubt): each reported path is looked at again, each
        new directory is walked whole, and every file with more than one link is looked at
        too. Everything else is ``previous``'s. ``rules`` gives each directory's ignore rules,
        as the scan behind ``previous`` found them.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        if not (changes.paths or changes.directories or previous.linked):
            # Nothing to look at: the same tree, shared (a scan's result is never changed).
            return dataclasses.replace(previous, read=0, fresh=[], removed=[])
        found = ScanResult(
            dict(previous.tree),
            list(previous.skipped),
            list(previous.temporaries),
            dict(previous.stats),
            ignore_lines=dict(previous.ignore_lines),
            linked=set(previous.linked),
        )
        walk = self._walk(root, found, frozenset(), {})
        walked: list[str] = []
        forgotten: list[str] = []
        for path in sorted(changes.paths | changes.directories | previous.linked):
            if any(path.startswith(f"{directory}/") for directory in walked):
                continue  # inside a directory walked whole just now
            parent, _, name = path.rpartition("/")
            if parent not in found.ignore_lines:
                continue  # below a directory no scan walks (ignored, or gone with it)
            forgotten += _forget(found, path)
            if walk.one(parent, name, rules.of(parent)):
                walked.append(path)
        return ScanResult(
            found.tree,
            sorted(set(found.skipped)),
            sorted(set(found.temporaries)),
            found.stats,
            walk.read,
            found.ignore_lines,
            found.fresh,
            found.linked,
            [path for path in forgotten if path not in found.tree],
        )

    def _walk(
        self,
        root: WorkspaceRoot,
        found: ScanResult,
        known_directories: frozenset[str],
        previous_ignore_lines: Mapping[str, tuple[str, ...]],
    ) -> _Walk:
        return _Walk(
            root,
            self.excluded,
            temporary_prefix(root.path),
            found,
            self.known,
            known_directories,
            previous_ignore_lines,
            self.reader,
            self.now_ns(),
            self.watch,
        )

    def _known_directories(self) -> frozenset[str]:
        if self.ignore_lines is None:
            return frozenset()  # unused: every path is matched against the ignore rules
        if self.known_directories is None:
            return directories_of(self.known)
        return self.known_directories


class IgnoreChain:
    """The ignore rules of each directory a scan walked, built from its ignore-file lines.

    Built lazily, each directory's rules once, and valid while no ignore file changes.
    """

    def __init__(self, ignore_lines: Mapping[str, tuple[str, ...]]) -> None:
        self._lines = ignore_lines
        self._rules: dict[str, IgnoreRules] = {}

    def of(self, directory: str) -> IgnoreRules:
        """The rules in force in ``directory`` (relative to the root; "" is the root)."""
        rules = self._rules.get(directory)
        if rules is None:
            above = IgnoreRules() if directory == "" else self.of(directory.rpartition("/")[0])
            rules = above.extended(list(self._lines.get(directory, ())), directory)
            self._rules[directory] = rules
        return rules


def _forget(found: ScanResult, path: str) -> list[str]:
    """Remove what ``found`` records at ``path``, and below it if it was a directory.

    Returns the paths of the tree it removed.
    """
    forgotten = [path] if found.tree.pop(path, None) is not None else []
    found.stats.pop(path, None)
    found.linked.discard(path)
    for listed in (found.skipped, found.temporaries):
        if path in listed:
            listed.remove(path)
    if path not in found.ignore_lines:
        return forgotten
    prefix = f"{path}/"
    for below in [p for p in found.tree if p.startswith(prefix)]:
        del found.tree[below]
        found.stats.pop(below, None)
        forgotten.append(below)
    found.linked.difference_update([p for p in found.linked if p.startswith(prefix)])
    found.skipped[:] = [p for p in found.skipped if not p.startswith(prefix)]
    found.temporaries[:] = [p for p in found.temporaries if not p.startswith(prefix)]
    for directory in [d for d in found.ignore_lines if d == path or d.startswith(prefix)]:
        del found.ignore_lines[directory]
    return forgotten


def directories_of(known: Mapping[str, Known]) -> frozenset[str]:
    """Every directory holding a path of ``known`` that a status proves.

    Those paths were judged by the ignore rules of the scan that read them; a path a rollback
    wrote was not, and neither were the directories it created.
    """
    directories: set[str] = set()
    for path, item in known.items():
        if item.stat is None:
            continue
        directory = path.rpartition("/")[0]
        while directory and directory not in directories:
            directories.add(directory)
            directory = directory.rpartition("/")[0]
    return frozenset(directories)


class _Next(enum.Enum):
    """What an entry a walk visited needs next."""

    WALK = "walk"  # a directory
    READ = "read"  # a file no status proves unchanged


@dataclass
class _Walk:
    """One scan in progress: visits one directory at a time, through its descriptor."""

    root: WorkspaceRoot
    excluded: frozenset[str]
    temporary_prefix: str
    found: ScanResult
    known: Mapping[str, Known]
    known_directories: frozenset[str]
    previous_ignore_lines: Mapping[str, tuple[str, ...]]
    reader: ContentReader
    started_ns: int
    watch: TreeWatch | None = None
    read: int = 0

    def everything_below(self, relative: str, rules: IgnoreRules, *, settled: bool) -> None:
        """Walk the directory at ``relative`` and every directory below it."""
        pending = [(relative, rules, settled)]
        while pending:
            pending.extend(self.directory(*pending.pop()))

    def one(self, parent: str, name: str, rules: IgnoreRules) -> bool:
        """Record the entry ``name`` of the directory ``parent`` afresh, if it is there.

        A directory is walked whole (returns True); a vanished entry records nothing.
        """
        child = f"{parent}/{name}" if parent else name
        try:
            with self.root.directory(parent, reading=True) as fd:
                try:
                    status = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    return False
                except OSError as exc:
                    where = self.root.absolute(child)
                    raise os_error(exc, "read the status of", where, reading=True) from exc
                following = self._visit(fd, name, child, status, rules, settled=False)
                if following is _Next.READ:
                    self._read(fd, self.root.absolute(parent), [(child, name)])
        except PathChangedError:
            return False  # the directory vanished or was replaced: its own change says so
        if following is not _Next.WALK:
            return False
        self.everything_below(child, rules, settled=False)
        return True

    def directory(
        self, relative: str, rules: IgnoreRules, settled: bool
    ) -> list[tuple[str, IgnoreRules, bool]]:
        """Record the entries of one directory; return its subdirectories to walk.

        ``settled`` says that the ignore rules of every parent are those the index's scan
        found: then, if this directory's are too, a path the index tracks is not ignored.
        """
        where = self.root.absolute(relative)
        try:
            with self.root.directory(relative, reading=True) as fd:
                if self.watch is not None:
                    self.watch.add(relative, fd)  # before listing: no later change is missed
                entries = _entries(fd, where)
                names = {entry.name for entry in entries}
                lines = tuple(
                    read_ignore_lines(fd, where, [n for n in IGNORE_FILE_NAMES if n in names])
                )
                self.found.ignore_lines[relative] = lines
                settled = settled and self.previous_ignore_lines.get(relative) == lines
                rules = rules.extended(list(lines), relative)
                prefix = f"{relative}/" if relative else ""
                walk, unproven = self._visit_all(fd, entries, prefix, rules, settled)
                self._read(fd, where, unproven)
        except PathChangedError:
            return []  # the directory vanished or was replaced while we walked
        return [(child, rules, settled) for child in walk]

    def _visit_all(
        self,
        fd: int,
        entries: list[os.DirEntry[str]],
        prefix: str,
        rules: IgnoreRules,
        settled: bool,
    ) -> tuple[list[str], list[tuple[str, str]]]:
        """Record a directory's entries; return the subdirectories and the files to read.

        The hot loop of every snapshot: one ``lstat`` per entry, and for a file the index
        proves unchanged nothing else but a comparison.
        """
        walk: list[str] = []
        unproven: list[tuple[str, str]] = []
        known, tree, stats = self.known, self.found.tree, self.found.stats
        for entry in entries:
            name = entry.name
            child = prefix + name
            try:
                status = self._status(entry, child)
            except PathChangedError:
                continue  # changed while we looked: the next snapshot sees it
            if settled and (proven := known.get(child)) is not None:
                # The common case, decided here as ``_visit`` would, without its calls: a
                # tracked file whose status proves it unchanged, with one link and a name
                # no rule singles out.
                key = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
                if (
                    proven.stat == key
                    and status.st_nlink == 1
                    and _same_kind(proven, status.st_mode)
                    and name.isascii()
                    and name not in NEVER_TRACKED_NAMES
                    and child not in self.excluded
                    and not name.startswith(self.temporary_prefix)
                ):
                    tree[child] = proven.entry
                    stats[child] = key
                    continue
            following = self._visit(fd, name, child, status, rules, settled=settled)
            if following is _Next.WALK:
                walk.append(child)
            elif following is _Next.READ:
                unproven.append((child, name))
        return walk, unproven

    def _visit(
        self,
        fd: int,
        name: str,
        child: str,
        status: os.stat_result,
        rules: IgnoreRules,
        *,
        settled: bool,
    ) -> _Next | None:
        """Record one entry, or say what it needs next: a walk (a directory) or a read."""
        if name in NEVER_TRACKED_NAMES or self._skipped(name, child):
            return None
        try:
            is_dir = stat.S_ISDIR(status.st_mode)
            tracked = child in self.known_directories if is_dir else self._proven(child)
            if not (settled and tracked) and rules.is_ignored(child, is_dir=is_dir):
                return None  # never touched, whatever its name
            if name.startswith(self.temporary_prefix):
                (self.found.skipped if is_dir else self.found.temporaries).append(child)
                return None
            if is_dir:
                return _Next.WALK
            if status.st_nlink > 1:
                self.found.linked.add(child)
            recorded = self._recorded_without_reading(fd, name, child, status)
        except PathChangedError:
            return None  # changed while we looked: the next snapshot sees it
        return None if recorded else _Next.READ

    def _proven(self, child: str) -> bool:
        """Whether the index holds ``child`` with a status proving it (so it was judged)."""
        known = self.known.get(child)
        return known is not None and known.stat is not None

    def _skipped(self, name: str, child: str) -> bool:
        """Whether a path is excluded, or has a name no database can store (recorded)."""
        if child in self.excluded:
            self.found.skipped.append(child)
            return True
        if name.isascii() or storable_text_problem(name) is None:
            return False
        self.found.skipped.append(_printable(child))  # not UTF-8: no database takes it
        return True

    def _status(self, entry: os.DirEntry[str], child: str) -> os.stat_result:
        try:
            return entry.stat(follow_symlinks=False)
        except OSError as exc:
            where = self.root.absolute(child)
            raise os_error(exc, "read the status of", where, reading=True) from exc

    def _recorded_without_reading(
        self, fd: int, name: str, child: str, status: os.stat_result
    ) -> bool:
        """Record a file the index proves unchanged, a symlink or a special file.

        Returns False for a regular file that must be read.
        """
        mode = status.st_mode
        if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
            self.found.skipped.append(child)
            return True
        key = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        proven = self.known.get(child)
        if proven is not None and proven.stat == key and _same_kind(proven, mode):
            self.found.tree[child] = proven.entry
            self.found.stats[child] = key  # proven when recorded, so settled
            return True
        if stat.S_ISREG(mode):
            return False
        self._record_symlink(fd, name, child, key)
        return True

    def _record_symlink(self, fd: int, name: str, child: str, key: StatKey) -> None:
        target = read_symlink(fd, name, self.root.absolute(child))
        self.reader.keep_symlink(target)
        self._record(symlink_entry(child, target), key)

    def _read(self, fd: int, where: str, unproven: list[tuple[str, str]]) -> None:
        """Read the files no status proves unchanged and record them."""
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
        self.found.fresh.append(entry.path)
        self.found.tree[entry.path] = entry
        self.found.stats[entry.path] = key if key is not None and self._settled(key) else None

    def _settled(self, key: StatKey) -> bool:
        """Whether a status is old enough to prove its file unchanged while it stays equal."""
        _size, modified, changed, _inode = key
        second = 1_000_000_000
        coarse = modified % second == 0 and changed % second == 0
        margin = COARSE_RACY_MARGIN_NS if coarse else RACY_MARGIN_NS
        return max(modified, changed) < self.started_ns - margin


def _same_kind(proven: Known, mode: int) -> bool:
    """Whether a path's mode shows the kind and permission bits its index entry records."""
    entry = proven.entry
    if entry.kind is EntryKind.FILE:
        return stat.S_ISREG(mode) and entry.mode == mode & TRACKED_MODE_BITS
    return stat.S_ISLNK(mode)


def _entries(fd: int, where: str) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(fd) as entries:
            return list(entries)
    except OSError as exc:
        raise os_error(exc, "list the directory", where, reading=True) from exc


def _printable(path: str) -> str:
    """A path that is not UTF-8, with its undecodable bytes shown as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
