"""Turn a workspace directory into a manifest: one entry per regular file and symlink.

The walk never follows symlinks; it skips sockets, FIFOs, devices and names that are not
valid UTF-8 (no database can store them as text), reporting them; it never enters ``.git``,
excluded paths or ignored paths, and hashes file contents in chunks so memory stays bounded
whatever the file size.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rewind.errors import (
    UnreadablePathError,
    WorkspaceNotADirectoryError,
    WorkspaceNotFoundError,
)
from rewind.models import EntryKind, ManifestEntry
from rewind.workspace.ignore import NEVER_TRACKED_NAMES, IgnoreRules

__all__ = [
    "CHUNK_SIZE",
    "TEMPORARY_PREFIX",
    "PathChangedError",
    "ScanResult",
    "Tree",
    "WorkspaceScanner",
    "hash_file",
    "read_chunks",
    "resolve_workspace",
    "symlink_entry",
]

CHUNK_SIZE = 1024 * 1024

TEMPORARY_PREFIX = ".rewind-tmp-"
"""Names of the temporary files a restore writes before renaming them into place."""

Tree = dict[str, ManifestEntry]
"""A manifest: relative POSIX path -> entry."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found: the tree, the special files it skipped, and stale temporaries.

    ``temporaries`` are files a killed restore left behind; they are never tracked, and the
    next rollback removes them.
    """

    tree: Tree
    skipped: list[str]
    temporaries: list[str]


class PathChangedError(UnreadablePathError):
    """A path vanished or changed kind while it was read: someone is changing the workspace.

    Scans and captures catch it and leave the path out; the next snapshot sees what replaced
    it. Never raised to callers of the public API.
    """


_CHANGED_WHILE_READ = {errno.ENOENT, errno.ENOTDIR, errno.ELOOP, errno.EINVAL}


def _read_error(what: str, path: object, exc: OSError) -> UnreadablePathError:
    error = PathChangedError if exc.errno in _CHANGED_WHILE_READ else UnreadablePathError
    return error(f"cannot read {what}{path}: {exc.strerror or exc}")


def resolve_workspace(sandbox_ref: str | os.PathLike[str]) -> Path:
    """Return the absolute path of an existing workspace directory.

    Raises:
        WorkspaceNotFoundError: Nothing exists at ``sandbox_ref``.
        WorkspaceNotADirectoryError: ``sandbox_ref`` is a file or another non-directory.
    """
    path = Path(os.path.abspath(sandbox_ref))
    if not path.exists():
        raise WorkspaceNotFoundError(f"workspace {str(path)!r} does not exist")
    if not path.is_dir():
        raise WorkspaceNotADirectoryError(f"workspace {str(path)!r} is not a directory")
    return path


def read_chunks(path: Path) -> Iterator[bytes]:
    """Yield the bytes of the regular file at ``path`` in chunks, never through a symlink.

    Raises:
        UnreadablePathError: ``path`` cannot be opened or read, or is not a regular file.
    """
    try:
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise PathChangedError(f"{path} is no longer a regular file")
            while chunk := stream.read(CHUNK_SIZE):
                yield chunk
    except OSError as exc:
        raise _read_error("", path, exc) from exc


def hash_file(path: Path) -> tuple[str, int]:
    """Return the sha256 and size of a regular file's bytes, read in chunks.

    Raises:
        UnreadablePathError: The file cannot be opened or read.
    """
    digest = hashlib.sha256()
    size = 0
    for chunk in read_chunks(path):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def symlink_entry(relative: str, absolute: str) -> tuple[ManifestEntry, bytes]:
    """Return the manifest entry of a symlink and its target as bytes."""
    try:
        target = os.fsencode(os.readlink(absolute))
    except OSError as exc:
        raise _read_error("symlink ", absolute, exc) from exc
    digest = hashlib.sha256(target).hexdigest()
    return ManifestEntry(relative, EntryKind.SYMLINK, digest, len(target), 0), target


@dataclass
class WorkspaceScanner:
    """Walks a workspace and builds its manifest.

    ``excluded`` holds absolute paths that are never tracked (the database's directory when
    it lies inside the workspace). Not for reading contents into the store: see ``capture``.
    """

    excluded: frozenset[str] = field(default_factory=frozenset)

    def scan(self, root: Path) -> ScanResult:
        """Return the manifest of ``root``, with the special files and temporaries it skipped.

        A path that vanishes or changes kind while it is read is left out.

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        found = ScanResult({}, [], [])
        pending: list[tuple[str, str, IgnoreRules]] = [(str(root), "", IgnoreRules())]
        while pending:
            directory, relative, rules = pending.pop()
            rules = rules.extended(Path(directory), relative)
            for entry in self._entries(directory):
                child = f"{relative}/{entry.name}" if relative else entry.name
                try:
                    if self._visit(entry, child, rules, found):
                        pending.append((entry.path, child, rules))
                except PathChangedError:
                    continue  # changed while we looked: the next snapshot sees what replaced it
        return ScanResult(
            dict(sorted(found.tree.items())), sorted(found.skipped), sorted(found.temporaries)
        )

    def _visit(
        self, entry: os.DirEntry[str], child: str, rules: IgnoreRules, found: ScanResult
    ) -> bool:
        """Record one directory entry in ``found``; return whether to walk into it."""
        if entry.name in NEVER_TRACKED_NAMES or entry.path in self.excluded:
            return False
        if entry.name.startswith(TEMPORARY_PREFIX):
            found.temporaries.append(child)
            return False
        if not _is_utf8(entry.name):
            found.skipped.append(_printable(child))
            return False
        mode = self._lstat(entry).st_mode
        if rules.is_ignored(child, is_dir=stat.S_ISDIR(mode)):
            return False
        if stat.S_ISDIR(mode):
            return True
        if stat.S_ISLNK(mode):
            found.tree[child] = symlink_entry(child, entry.path)[0]
        elif stat.S_ISREG(mode):
            digest, size = hash_file(Path(entry.path))
            found.tree[child] = ManifestEntry(
                child, EntryKind.FILE, digest, size, stat.S_IMODE(mode)
            )
        else:
            found.skipped.append(child)
        return False

    @staticmethod
    def _entries(directory: str) -> Iterable[os.DirEntry[str]]:
        """List a directory; an empty list if it vanished while we walked."""
        try:
            with os.scandir(directory) as entries:
                return list(entries)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise _read_error("directory ", directory, exc) from exc

    @staticmethod
    def _lstat(entry: os.DirEntry[str]) -> os.stat_result:
        try:
            return entry.stat(follow_symlinks=False)
        except OSError as exc:
            raise _read_error("the status of ", entry.path, exc) from exc


def _is_utf8(name: str) -> bool:
    """Whether a file name decoded from bytes was valid UTF-8 (no surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(path: str) -> str:
    """A path that is not UTF-8, with its undecodable bytes shown as backslash escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")
