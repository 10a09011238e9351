"""Turn a workspace directory into a manifest: one entry per regular file and symlink.

The walk never follows symlinks; it skips sockets, FIFOs, devices and names that are not
valid UTF-8 (no database can store them as text), reporting them; it never enters ``.git``,
excluded paths or ignored paths, and hashes file contents in chunks so memory stays bounded
whatever the file size.
"""

from __future__ import annotations

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
                raise UnreadablePathError(f"{path} is not a regular file")
            while chunk := stream.read(CHUNK_SIZE):
                yield chunk
    except OSError as exc:
        raise UnreadablePathError(f"cannot read {path}: {exc.strerror or exc}") from exc


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
        raise UnreadablePathError(f"cannot read symlink {absolute}: {exc.strerror}") from exc
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

        Raises:
            UnreadablePathError: A directory, file or ignore file cannot be read.
        """
        tree: Tree = {}
        skipped: list[str] = []
        temporaries: list[str] = []
        pending: list[tuple[str, str, IgnoreRules]] = [(str(root), "", IgnoreRules())]
        while pending:
            directory, relative, rules = pending.pop()
            rules = rules.extended(Path(directory), relative)
            for entry in self._entries(directory):
                child = f"{relative}/{entry.name}" if relative else entry.name
                if entry.name in NEVER_TRACKED_NAMES or entry.path in self.excluded:
                    continue
                if entry.name.startswith(TEMPORARY_PREFIX):
                    temporaries.append(child)
                    continue
                if not _is_utf8(entry.name):
                    skipped.append(_printable(child))
                    continue
                mode = self._lstat(entry).st_mode
                is_dir = stat.S_ISDIR(mode)
                if rules.is_ignored(child, is_dir=is_dir):
                    continue
                if is_dir:
                    pending.append((entry.path, child, rules))
                elif stat.S_ISLNK(mode):
                    tree[child] = symlink_entry(child, entry.path)[0]
                elif stat.S_ISREG(mode):
                    digest, size = hash_file(Path(entry.path))
                    tree[child] = ManifestEntry(
                        child, EntryKind.FILE, digest, size, stat.S_IMODE(mode)
                    )
                else:
                    skipped.append(child)
        return ScanResult(dict(sorted(tree.items())), sorted(skipped), sorted(temporaries))

    @staticmethod
    def _entries(directory: str) -> Iterable[os.DirEntry[str]]:
        try:
            with os.scandir(directory) as entries:
                return list(entries)
        except OSError as exc:
            raise UnreadablePathError(f"cannot read directory {directory}: {exc.strerror}") from exc

    @staticmethod
    def _lstat(entry: os.DirEntry[str]) -> os.stat_result:
        try:
            return entry.stat(follow_symlinks=False)
        except OSError as exc:
            raise UnreadablePathError(f"cannot stat {entry.path}: {exc.strerror}") from exc


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
