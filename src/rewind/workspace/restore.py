"""Put a workspace into the exact state of a manifest, safely.

Restoring is split in two. ``plan_restore`` looks at everything first and touches nothing:
it refuses hostile paths (absolute, ``..``, NUL, ``.git``, a parent that is a symlink or a
file it may not remove) and anything untracked in the way. ``apply_restore`` then removes what
must go, prunes the directories left empty, and writes every file to a temporary file in its
directory before renaming it into place. Nothing outside the root is written, followed or
deleted, and ignored paths are never touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rewind.errors import (
    RestoreConflictError,
    UnreadablePathError,
    UnsafePathError,
    WorkspaceNotADirectoryError,
)
from rewind.models import EntryKind, ManifestEntry
from rewind.workspace.ignore import NEVER_TRACKED_NAMES
from rewind.workspace.scan import TEMPORARY_PREFIX, ScanResult, Tree

__all__ = [
    "ContentSource",
    "RestorePlan",
    "apply_restore",
    "plan_restore",
    "require_empty_directory",
    "validate_path",
]

ContentSource = Callable[[ManifestEntry], Iterable[bytes]]
"""Yields the bytes of an entry's content (a file's bytes, a symlink's target)."""


@dataclass(frozen=True, slots=True)
class RestorePlan:
    """What restoring a manifest will do: every path, sorted, decided before anything runs."""

    writes: tuple[ManifestEntry, ...]
    removals: tuple[str, ...]
    unchanged_count: int
    cleared_directories: tuple[str, ...]
    """Directories in the way of a file, holding nothing but what is removed."""
    temporaries: tuple[str, ...] = ()
    """Temporary files an interrupted restore left behind; removed first."""

    @property
    def restored(self) -> list[str]:
        """The paths that will be written."""
        return [entry.path for entry in self.writes]


def require_empty_directory(root: Path) -> None:
    """Check that ``root`` is missing or an empty directory, to restore into.

    Raises:
        WorkspaceNotADirectoryError: ``root`` is a file or another non-directory.
        RestoreConflictError: ``root`` holds something.
    """
    if os.path.lexists(root) and not root.is_dir():
        raise WorkspaceNotADirectoryError(f"cannot restore into {str(root)!r}: not a directory")
    if root.is_dir() and any(root.iterdir()):
        raise RestoreConflictError(f"cannot restore into {str(root)!r}: it is not empty")


def validate_path(path: str) -> None:
    """Check that ``path`` is a relative POSIX path that stays inside any root.

    Raises:
        UnsafePathError: The path is empty, absolute, has ``.``, ``..`` or empty parts or a
            NUL, or lies inside ``.git``. (A backslash is an ordinary character on POSIX.)
    """
    parts = path.split("/")
    if (
        not path
        or path.startswith("/")
        or "\0" in path
        or any(part in ("", ".", "..") for part in parts)
        or parts[0] in NEVER_TRACKED_NAMES
    ):
        raise UnsafePathError(f"refusing the unsafe path {path!r} in a checkpoint manifest")


def plan_restore(root: Path, target: Tree, current: ScanResult) -> RestorePlan:
    """Decide how to turn the scanned state of ``root`` into ``target``; touch nothing.

    Raises:
        UnsafePathError: A target path is hostile, or a parent directory of one is a symlink.
        RestoreConflictError: Something untracked (ignored, or a special file) is in the way.
    """
    for path in target:
        validate_path(path)
    _check_tree_shape(target)
    temporaries = tuple(current.temporaries)
    current_tree = current.tree
    writes = tuple(entry for path, entry in target.items() if current_tree.get(path) != entry)
    removals = tuple(sorted(set(current_tree) - set(target)))
    doomed = set(removals)
    cleared: list[str] = []
    for entry in writes:
        _check_parents(root, entry.path, doomed)
        if entry.path not in current_tree and _lexists(root / entry.path):
            if not _is_real_directory(root / entry.path):
                raise RestoreConflictError(
                    f"{root / entry.path} is in the way of a restored {entry.kind.value} and "
                    "rewind does not track it (ignored or special); move it away first"
                )
            _check_clearable(root, entry.path, doomed)
            cleared.append(entry.path)
    return RestorePlan(writes, removals, len(target) - len(writes), tuple(cleared), temporaries)


def apply_restore(root: Path, plan: RestorePlan, content: ContentSource) -> None:
    """Carry out ``plan`` in ``root``: remove, prune emptied directories, then write.

    Raises:
        UnsafePathError: A parent directory turned into a symlink while restoring.
        UnreadablePathError: The file system refused a change (permissions, disk full).
    """
    try:
        for path in plan.temporaries:
            with contextlib.suppress(FileNotFoundError):
                (root / path).unlink()
        for path in sorted(plan.removals, reverse=True):
            (root / path).unlink()
        for path in plan.cleared_directories:
            _remove_empty_tree(root / path)
        _prune_empty_directories(root, list(plan.removals))
        for entry in plan.writes:
            _write(root, entry, content)
    except OSError as exc:
        raise UnreadablePathError(
            f"restoring {root} failed at {exc.filename or root}: {exc.strerror}"
        ) from exc


def _check_tree_shape(target: Tree) -> None:
    for path in target:
        for parent in PurePosixPath(path).parents:
            if str(parent) in target:
                raise UnsafePathError(
                    f"refusing manifest path {path!r}: its parent {str(parent)!r} is a "
                    f"{target[str(parent)].kind.value}, not a directory"
                )


def _check_parents(root: Path, path: str, doomed: set[str]) -> None:
    """Refuse a path whose existing parents are symlinks or files that will not be removed."""
    for parent in reversed(PurePosixPath(path).parents[:-1]):
        location = root / parent
        if not _lexists(location) or _is_real_directory(location):
            continue
        if str(parent) not in doomed:
            raise UnsafePathError(
                f"refusing to restore {path!r}: its parent {location} is a symlink or a file "
                "that rewind does not track"
            )


def _check_clearable(root: Path, path: str, doomed: set[str]) -> None:
    """Refuse a directory in the way unless everything in it is about to be removed."""
    for entry in _walk(root / path):
        relative = Path(entry.path).relative_to(root).as_posix()
        if relative not in doomed:
            raise RestoreConflictError(
                f"{root / path} is in the way of a restored file and holds {relative!r}, "
                "which rewind does not track; move it away first"
            )


def _walk(directory: Path) -> Iterator[os.DirEntry[str]]:
    """Yield everything below ``directory`` that is not a real directory."""
    with os.scandir(directory) as entries:
        for entry in list(entries):
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
            else:
                yield entry


def _remove_empty_tree(directory: Path) -> None:
    for path, _subdirectories, _files in os.walk(directory, topdown=False):
        os.rmdir(path)


def _prune_empty_directories(root: Path, paths: list[str]) -> None:
    candidates = {parent for path in paths for parent in PurePosixPath(path).parents}
    for directory in sorted(candidates, key=lambda item: len(item.parts), reverse=True):
        if directory.parts and _is_real_directory(root / directory):
            with contextlib.suppress(OSError):  # not empty: it stays
                (root / directory).rmdir()


def _write(root: Path, entry: ManifestEntry, content: ContentSource) -> None:
    target = root / entry.path
    directory = _make_parents(root, PurePosixPath(entry.path).parent)
    if entry.kind is EntryKind.SYMLINK:
        link = os.fsdecode(b"".join(content(entry)))
        temporary = directory / f"{TEMPORARY_PREFIX}{os.urandom(8).hex()}"
        os.symlink(link, temporary)
        os.replace(temporary, target)
        return
    descriptor, name = tempfile.mkstemp(prefix=TEMPORARY_PREFIX, dir=directory)
    try:
        with os.fdopen(descriptor, "wb") as stream:
            for chunk in content(entry):
                stream.write(chunk)
            os.fchmod(stream.fileno(), entry.mode)
        os.replace(name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def _make_parents(root: Path, relative: PurePosixPath) -> Path:
    """Create the directories of ``relative`` under ``root``, never through a symlink."""
    location = root
    for part in relative.parts:
        location = location / part
        if not _lexists(location):
            location.mkdir()
        elif not _is_real_directory(location):
            raise UnsafePathError(f"refusing to write through {location}: not a real directory")
    return location


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def _is_real_directory(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False
