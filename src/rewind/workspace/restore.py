"""Put a workspace into the exact state of a manifest, safely.

Restoring is split in two. ``plan_restore`` looks at everything first and touches nothing:
it refuses hostile paths (absolute, ``..``, NUL, ``.git`` at any depth, rewind's temporary
names, a parent that is a symlink or a file it may not remove) and anything untracked in the
way, unless it already is exactly what the manifest holds there. ``apply_restore`` then
removes what must go, prunes the directories left empty, and writes every file to a
temporary file in its directory before renaming it into place.

Every change goes through ``WorkspaceRoot``, which re-checks at the moment of the change that
no directory on the way is a symlink: nothing outside the root is written, followed or
deleted, even if the workspace changes while the restore runs. Ignored paths are never
touched: neither those the scan ignores, nor those the caller says to keep (the paths the
manifest's own ignore rules ignore), nor ``.git``, whose directories stay and are listed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType

from rewind._json import storable_text_problem
from rewind._manifest import TRACKED_MODE_BITS, ManifestEntry, Tree
from rewind._paths import temporary_prefix, validate_path
from rewind.errors import (
    InvalidInputError,
    RestoreConflictError,
    RewindError,
    UnsafePathError,
    WorkspaceNotADirectoryError,
)
from rewind.models import EntryKind, KeepReason, KeptPath
from rewind.workspace.capture import ContentReader, symlink_entry
from rewind.workspace.root import PathChangedError, WorkspaceRoot, os_error
from rewind.workspace.scan import ScanResult, resolve_workspace

__all__ = [
    "ContentSource",
    "RestorePlan",
    "RestoreTarget",
    "apply_restore",
    "plan_restore",
    "prepare_empty_directory",
    "restore_changes",
    "statuses",
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
    kept: tuple[KeptPath, ...] = ()
    """Paths it would otherwise remove, left as they are, sorted (see ``KeepReason``)."""
    adopted: tuple[ManifestEntry, ...] = ()
    """Entries of the manifest that the scan did not track (ignored now) but that lie on
    disk exactly as the manifest holds them: nothing to write, but tracked again after."""

    @property
    def restored(self) -> list[str]:
        """The paths that will be written."""
        return [entry.path for entry in self.writes]

    @property
    def untracked(self) -> list[str]:
        """The scanned paths the manifest lacks that stay on disk (kept: its rules ignore them)."""
        return [kept.path for kept in self.kept if kept.reason is KeepReason.IGNORED]


def prepare_empty_directory(target_dir: str | os.PathLike[str]) -> str:
    """Check that ``target_dir`` is missing or an empty directory; return its absolute path.

    Raises:
        InvalidInputError: The path is too long for the operating system, or is not text a
            database can store (a NUL, a name that is not UTF-8).
        WorkspaceNotADirectoryError: ``target_dir`` (or a parent) is a file or not a directory.
        RestoreConflictError: ``target_dir`` holds something.
        WorkspaceError: It cannot be examined (no permission).
    """
    try:
        path = os.path.abspath(os.fsdecode(target_dir))
    except TypeError as exc:
        raise InvalidInputError(f"the target directory {target_dir!r:.80} is not a path") from exc
    if (problem := storable_text_problem(path)) is not None:
        raise InvalidInputError(
            f"the target directory {path.encode('utf-8', 'backslashreplace')!r:.300} {problem}"
        )
    try:
        with os.scandir(path) as entries:
            if next(entries, None) is not None:
                raise RestoreConflictError(
                    f"cannot restore into {path!r}: it is not empty", path=path
                )
    except FileNotFoundError:
        return path
    except NotADirectoryError as exc:
        raise WorkspaceNotADirectoryError(
            f"cannot restore into {path!r}: it or a parent is not a directory", path=path
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise InvalidInputError(
                f"cannot restore into {path[:80]!r}...: the path is too long for the operating "
                f"system ({len(path)} characters)",
                path=path[:4096],
            ) from exc
        raise os_error(exc, "restore into", path) from exc
    return path


def _create_directory(path: str) -> None:
    """Create ``path`` and its missing parents (the parent of a restore's target).

    Raises:
        WorkspaceError: The file system refused.
    """
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise os_error(exc, "create the directory", path) from exc


class RestoreTarget:
    """The directory a ``restore_into`` writes, claimed by this restore alone.

    It is created if missing (its parents too), opened from ``/`` without following a
    symlink, and locked (``flock``) for the whole restore; it must be empty once locked, so
    two restores into one target never mix their files. If the block using it fails, exactly
    the files of ``plan`` (set once the restore is planned) are removed, then the directories
    that leaves empty, then the target itself if this restore created it: anything another
    program put there stays. Not a general temporary directory.
    """

    plan: RestorePlan | None = None

    def __init__(self, target: str) -> None:
        """Create (if missing), open and lock ``target``, an absolute path.

        Raises:
            RestoreConflictError: The target is not empty.
            WorkspaceError: It cannot be created, opened or locked, or a parent is a symlink
                swapped in meanwhile.
        """
        self.target = target
        parent, self._name = os.path.split(target)
        _create_directory(parent)
        self._parent = resolve_workspace(parent, what="the target's parent")
        with WorkspaceRoot(self._parent) as above:
            self._created = above.make_directory(self._name)
        self._stack = contextlib.ExitStack()
        try:
            self.root = self._stack.enter_context(WorkspaceRoot(above.absolute(self._name)))
            self._stack.enter_context(self.root.locked())
            _top, subdirectories, others = next(self.root.walk(""))
            if subdirectories or others:
                raise RestoreConflictError(
                    f"cannot restore into {target!r}: it is not empty", path=target
                )
        except BaseException:
            self._stack.close()
            self._remove_if_created()
            raise

    def __enter__(self) -> RestoreTarget:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._undo()
        self._stack.close()
        if exc_type is not None:
            self._remove_if_created()

    def _undo(self) -> None:
        """Remove what the plan wrote (best effort: the restore's own error is what matters)."""
        written = [entry.path for entry in self.plan.writes] if self.plan else []
        with contextlib.suppress(RewindError):
            for path in written:
                self.root.unlink(path, missing_ok=True)
            _prune_empty_directories(self.root, written)

    def _remove_if_created(self) -> None:
        if self._created:
            with contextlib.suppress(RewindError), WorkspaceRoot(self._parent) as above:
                above.remove_empty_directory(self._name)


def restore_changes(target: Tree, current: Tree) -> tuple[list[ManifestEntry], list[str]]:
    """What turns the tree ``current`` into ``target``: the entries to write, the paths to remove.

    Both sorted by path; nothing is looked at on disk.
    """
    writes = sorted(
        (
            entry
            for path, entry in target.items()
            # The same object most of the time (the index's entry): no field compared.
            if (now := current.get(path)) is not entry and now != entry
        ),
        key=lambda entry: entry.path,
    )
    return writes, sorted(current.keys() - target.keys())


def plan_restore(
    root: WorkspaceRoot,
    target: Tree,
    current: ScanResult,
    *,
    paths_checked: bool = False,
    changes: tuple[list[ManifestEntry], list[str]] | None = None,
    ignored: Collection[str] = (),
) -> RestorePlan:
    """Decide how to turn the scanned state of ``root`` into ``target``; touch nothing.

    No path may be named like ``root``'s temporaries (``paths_checked``: the caller checked
    every path with ``root``'s temporary prefix already). The manifest's shape was checked
    with its hashes (``check_tree_shape``). ``changes`` are ``restore_changes(target,
    current.tree)``, if the caller has them. The paths of ``ignored`` (the target's own
    ignore rules ignore them) are kept, not removed; so is every ``.git`` in a directory
    something is removed from. An untracked file or symlink in the way of a write that is
    already exactly the target's entry is adopted, not written.

    Raises:
        UnsafePathError: A target path is hostile, or a parent directory of one is a symlink.
        RestoreConflictError: Something untracked (ignored, or a special file) is in the way.
    """
    if not paths_checked:
        temporary = temporary_prefix(root.path)
        for path in target:
            validate_path(path, temporary)
    planned, all_removals = changes or restore_changes(target, current.tree)
    removals = tuple(path for path in all_removals if path not in ignored)
    writes, adopted, cleared = _placed(root, planned, current.tree, set(removals))
    kept = [
        KeptPath(path=path, reason=KeepReason.IGNORED) for path in all_removals if path in ignored
    ]
    kept += _git_kept(root, removals)
    return RestorePlan(
        tuple(writes),
        removals,
        len(target) - len(writes),
        tuple(cleared),
        tuple(current.temporaries),
        tuple(sorted(kept, key=lambda item: item.path)),
        tuple(adopted),
    )


def _placed(
    root: WorkspaceRoot, planned: Iterable[ManifestEntry], current: Tree, doomed: set[str]
) -> tuple[list[ManifestEntry], list[ManifestEntry], list[str]]:
    """Check where each entry to write goes: what is in its way, and what is on its way.

    Returns the entries to write, those already on disk exactly (untracked: adopted), and
    the directories in the way of a file, holding nothing but ``doomed`` paths.

    Raises:
        UnsafePathError: A parent directory of an entry is a symlink or an untracked file.
        RestoreConflictError: Something untracked is in the way.
    """
    writes: list[ManifestEntry] = []
    adopted: list[ManifestEntry] = []
    cleared: list[str] = []
    for entry in planned:
        _check_parents(root, entry.path, doomed)
        in_the_way = None if entry.path in current else root.lstat(entry.path)
        if in_the_way is None:
            writes.append(entry)
        elif not stat.S_ISDIR(in_the_way.st_mode):
            _require_identical(root, entry, in_the_way)
            adopted.append(entry)
        else:
            _check_clearable(root, entry.path, doomed)
            cleared.append(entry.path)
            writes.append(entry)
    return writes, adopted, cleared


def _require_identical(root: WorkspaceRoot, entry: ManifestEntry, status: os.stat_result) -> None:
    """Refuse an untracked file or symlink in the way of ``entry`` unless it is just that.

    Raises:
        RestoreConflictError: It holds other bytes, another target, kind or mode.
    """
    if not _is_identical(root, entry, status):
        raise RestoreConflictError(
            f"{root.absolute(entry.path)} is in the way of a restored "
            f"{entry.kind.value} and rewind does not track it (ignored or special); "
            "move it away first",
            path=root.absolute(entry.path),
        )


def _is_identical(root: WorkspaceRoot, entry: ManifestEntry, status: os.stat_result) -> bool:
    """Whether the path of ``entry`` holds exactly ``entry`` (read, hashed, compared)."""
    path, mode = entry.path, status.st_mode
    try:
        if entry.kind is EntryKind.SYMLINK:
            return stat.S_ISLNK(mode) and symlink_entry(path, root.read_link(path)) == entry
        if not stat.S_ISREG(mode) or (entry.size, entry.mode) != (
            status.st_size,
            mode & TRACKED_MODE_BITS,
        ):
            return False
        with root.parent(path, reading=True) as (fd, name):
            [read] = ContentReader().read_files(fd, [name], root.absolute(path))
    except PathChangedError:  # pragma: no cover - replaced between its lstat and its reading
        return False
    return read is not None and (read.content_hash, read.size) == (entry.content_hash, entry.size)


def _git_kept(root: WorkspaceRoot, removals: Iterable[str]) -> list[KeptPath]:
    """The ``.git`` of each directory a removal is in, which stays with that directory."""
    directories = {parent for path in removals for parent in _parents(path)}
    found = statuses(root, [f"{directory}/.git" for directory in sorted(directories)])
    return [
        KeptPath(path=path, reason=KeepReason.GIT)
        for path, status in found.items()
        if status is not None
    ]


def statuses(root: WorkspaceRoot, paths: Iterable[str]) -> dict[str, os.stat_result | None]:
    """The status of each of ``paths`` itself (``lstat``), None if missing, in their order.

    Each directory holding some of them is opened once, however many they are.

    Raises:
        UnreadablePathError: A status cannot be read.
    """
    found: dict[str, os.stat_result | None] = dict.fromkeys(paths)
    by_directory: dict[str, list[str]] = {}
    for path in found:
        by_directory.setdefault(path.rpartition("/")[0], []).append(path)
    for directory, inside in by_directory.items():
        try:
            with root.directory(directory, reading=True) as fd:
                for path in inside:
                    found[path] = _status(root, fd, path)
        except PathChangedError:
            continue  # the directory is gone, or is no directory: nothing lies below it
    return found


def _status(root: WorkspaceRoot, directory_fd: int, path: str) -> os.stat_result | None:
    try:
        return os.stat(path.rpartition("/")[2], dir_fd=directory_fd, follow_symlinks=False)
    except FileNotFoundError:
        return None
    except OSError as exc:  # pragma: no cover - root reads any status of a directory it opened
        raise os_error(exc, "read the status of", root.absolute(path), reading=True) from exc


def _parents(path: str) -> Iterable[str]:
    end = path.rfind("/")
    while end > 0:
        yield path[:end]
        end = path.rfind("/", 0, end)


def apply_restore(root: WorkspaceRoot, plan: RestorePlan, content: ContentSource) -> None:
    """Carry out ``plan`` in ``root``: remove, prune emptied directories, then write.

    Raises:
        UnsafePathError: A directory on the way turned into a symlink while restoring.
        DiskFullError: No space was left to write a file.
        WorkspaceError: The file system refused a change (permissions, I/O).
    """
    for path in plan.temporaries:
        root.unlink(path, missing_ok=True)
    for path in sorted(plan.removals, reverse=True):
        root.unlink(path)
    for path in plan.cleared_directories:
        root.remove_empty_tree(path)
    _prune_empty_directories(root, plan.removals)
    temporary = temporary_prefix(root.path)
    for entry in plan.writes:
        root.make_directories(entry.path.rpartition("/")[0])
        name = f"{temporary}{os.urandom(8).hex()}"
        if entry.kind is EntryKind.SYMLINK:
            root.write_symlink(entry.path, os.fsdecode(b"".join(content(entry))), name)
        else:
            root.write_file(entry.path, content(entry), entry.mode, name)


def _check_parents(root: WorkspaceRoot, path: str, doomed: set[str]) -> None:
    """Refuse a path whose existing parents are symlinks or files that will not be removed."""
    for parent in reversed(PurePosixPath(path).parents[:-1]):
        location = str(parent)
        status = root.lstat(location)
        if status is None or stat.S_ISDIR(status.st_mode):
            continue
        if location not in doomed:
            raise UnsafePathError(
                f"refusing to restore {path!r}: its parent {root.absolute(location)} is a "
                "symlink or a file that rewind does not track",
                path=root.absolute(location),
            )
        return  # removed first; nothing below it exists to check


def _check_clearable(root: WorkspaceRoot, path: str, doomed: set[str]) -> None:
    """Refuse a directory in the way unless everything in it is about to be removed."""
    for directory, _subdirectories, others in root.walk(path):
        for name in others:
            relative = f"{directory}/{name}"
            if relative not in doomed:
                raise RestoreConflictError(
                    f"{root.absolute(path)} is in the way of a restored file and holds "
                    f"{relative!r}, which rewind does not track; move it away first",
                    path=root.absolute(relative),
                )


def _prune_empty_directories(root: WorkspaceRoot, paths: Iterable[str]) -> None:
    candidates = {parent for path in paths for parent in PurePosixPath(path).parents}
    for directory in sorted(candidates, key=lambda item: len(item.parts), reverse=True):
        if directory.parts:
            root.remove_empty_directory(str(directory))  # not empty: it stays
