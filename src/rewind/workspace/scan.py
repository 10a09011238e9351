"""Turn a workspace directory into a manifest: one entry per regular file and symlink.

The walk is iterative and never follows a symlink: every directory is opened through
``WorkspaceRoot`` (``O_NOFOLLOW`` at each step) and every file relative to its directory's
descriptor, without blocking (a FIFO swapped in is refused, not waited on). It skips sockets,
FIFOs, devices and names that are not valid UTF-8 (no database can store them as text),
reporting them; it never enters ``.git``, excluded paths or ignored paths, and hashes file
contents in chunks so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from rewind._json import storable_text_problem
from rewind._manifest import TRACKED_MODE_BITS, ManifestEntry, Tree
from rewind.errors import (
    InvalidInputError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.models import EntryKind
from rewind.workspace.ignore import NEVER_TRACKED_NAMES, IgnoreRules, read_ignore_lines
from rewind.workspace.root import (
    PathChangedError,
    WorkspaceRoot,
    open_regular_file,
    os_error,
    read_symlink,
    temporary_prefix,
)

__all__ = [
    "CHUNK_SIZE",
    "ScanResult",
    "WorkspaceScanner",
    "read_chunks",
    "resolve_workspace",
    "symlink_entry",
]

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found: the tree, the special files it skipped, and stale temporaries.

    ``temporaries`` are files a killed restore left behind (named with the root's
    ``temporary_prefix``); they are never tracked, and the next rollback removes them.
    """

    tree: Tree
    skipped: list[str]
    temporaries: list[str]


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


def read_chunks(root: WorkspaceRoot, path: str) -> Iterator[bytes]:
    """Yield the bytes of the regular file ``path`` below ``root`` in chunks.

    Raises:
        PathChangedError: ``path`` vanished or is no longer a regular file.
        UnreadablePathError: It cannot be read.
    """
    with root.open_file(path) as descriptor:
        yield from _chunks(descriptor, root.absolute(path))


@dataclass
class WorkspaceScanner:
    """Walks a workspace and builds its manifest.

    ``excluded`` holds absolute paths that are never tracked (the database's directory when
    it lies inside the workspace). Not for reading contents into the store: see ``capture``.
    """

    excluded: frozenset[str] = field(default_factory=frozenset)

    def scan(self, root: WorkspaceRoot) -> ScanResult:
        """Return the manifest of ``root``, with the special files and temporaries it skipped.

        A path that vanishes or changes kind while it is read is left out.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        found = ScanResult({}, [], [])
        walk = _Walk(root, self.excluded, temporary_prefix(root.path), found)
        pending: list[tuple[str, IgnoreRules]] = [("", IgnoreRules())]
        while pending:
            directory, rules = pending.pop()
            pending.extend(walk.directory(directory, rules))
        return ScanResult(
            dict(sorted(found.tree.items())), sorted(found.skipped), sorted(found.temporaries)
        )


@dataclass
class _Walk:
    """One scan in progress: visits one directory at a time, through its descriptor."""

    root: WorkspaceRoot
    excluded: frozenset[str]
    temporary_prefix: str
    found: ScanResult

    def directory(self, relative: str, rules: IgnoreRules) -> list[tuple[str, IgnoreRules]]:
        """Record the entries of one directory; return its subdirectories to walk."""
        subdirectories: list[tuple[str, IgnoreRules]] = []
        try:
            with self.root.directory(relative, reading=True) as fd:
                rules = rules.extended(
                    read_ignore_lines(fd, self.root.absolute(relative)), relative
                )
                for entry in _entries(fd, self.root.absolute(relative)):
                    child = f"{relative}/{entry.name}" if relative else entry.name
                    try:
                        if self._visit(fd, entry, child, rules):
                            subdirectories.append((child, rules))
                    except PathChangedError:
                        continue  # changed while we looked: the next snapshot sees it
        except PathChangedError:
            return []  # the directory vanished or was replaced while we walked
        return subdirectories

    def _visit(self, fd: int, entry: os.DirEntry[str], child: str, rules: IgnoreRules) -> bool:
        """Record one directory entry; return whether to walk into it."""
        if entry.name in NEVER_TRACKED_NAMES or self.root.absolute(child) in self.excluded:
            return False
        if storable_text_problem(entry.name) is not None:  # not UTF-8: no database takes it
            self.found.skipped.append(_printable(child))
            return False
        mode = _lstat(entry, self.root.absolute(child)).st_mode
        if rules.is_ignored(child, is_dir=stat.S_ISDIR(mode)):
            return False  # never touched, whatever its name
        if entry.name.startswith(self.temporary_prefix):
            listing = self.found.temporaries if not stat.S_ISDIR(mode) else self.found.skipped
            listing.append(child)
            return False
        if stat.S_ISDIR(mode):
            return True
        if stat.S_ISLNK(mode):
            target = read_symlink(fd, entry.name, self.root.absolute(child))
            self.found.tree[child] = symlink_entry(child, target)
        elif stat.S_ISREG(mode):
            digest, size = _hash_file(fd, entry.name, self.root.absolute(child))
            self.found.tree[child] = ManifestEntry(
                child, EntryKind.FILE, digest, size, mode & TRACKED_MODE_BITS
            )
        else:
            self.found.skipped.append(child)
        return False


def symlink_entry(path: str, target: bytes) -> ManifestEntry:
    """Return the manifest entry of the symlink ``path`` whose target is ``target``."""
    return ManifestEntry(
        path, EntryKind.SYMLINK, hashlib.sha256(target).hexdigest(), len(target), 0
    )


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


def _hash_file(fd: int, name: str, where: str) -> tuple[str, int]:
    """Return the sha256 and size of a regular file, read in chunks without blocking."""
    digest = hashlib.sha256()
    size = 0
    with open_regular_file(fd, name, where) as descriptor:
        for chunk in _chunks(descriptor, where):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _chunks(descriptor: int, where: str) -> Iterator[bytes]:
    while True:
        try:
            chunk = os.read(descriptor, CHUNK_SIZE)
        except OSError as exc:
            raise os_error(exc, "read", where, reading=True) from exc
        if not chunk:
            return
        yield chunk


def _printable(path: str) -> str:
    """A path that is not UTF-8, with its undecodable bytes shown as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
