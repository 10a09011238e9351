"""The paths a per-file restore puts back: files, symlinks and whole directories.

``restore_paths`` names paths the way people and agents do: relative to the workspace, or
absolute inside it, a directory meaning everything below it, ``.`` the whole workspace.
``PathSelection`` turns them into workspace paths once, checked by the rules every stored
path obeys, and then decides for each path of a tree whether it is selected.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from rewind._manifest import ManifestEntry, Tree
from rewind._paths import validate_path
from rewind.errors import InvalidInputError, PathNotInCheckpointError, UnsafePathError

__all__ = ["MAX_SELECTED_PATHS", "PathSelection"]

MAX_SELECTED_PATHS = 10_000
"""The most paths one ``restore_paths`` call may name (a directory counts once)."""

_EVERYTHING = "."


@dataclass(frozen=True, slots=True)
class PathSelection:
    """Workspace paths, each selecting itself and, if a directory, everything below it."""

    paths: frozenset[str]

    @classmethod
    def parse(
        cls, given: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], workspace: str
    ) -> PathSelection:
        """Read the paths a caller named for the workspace at ``workspace`` (a real path).

        A lone string or path-like is one path. An absolute path must lie inside the
        workspace; a trailing slash is ignored.

        Raises:
            InvalidInputError: No path is given, too many, or one is not text.
            UnsafePathError: A path leaves the workspace, or names what rewind never
                restores (``.git``, a ``..`` part, rewind's temporaries).
        """
        items = [given] if isinstance(given, str | os.PathLike) else given
        if isinstance(items, Mapping) or not isinstance(items, Iterable):
            raise InvalidInputError(f"paths must be a list of paths, not {given!r:.80}")
        items = list(items)
        if not items:
            raise InvalidInputError("restore_paths needs at least one path")
        if len(items) > MAX_SELECTED_PATHS:
            raise InvalidInputError(
                f"restore_paths names {len(items)} paths, more than {MAX_SELECTED_PATHS}: "
                "name their directories instead"
            )
        return cls(frozenset(_workspace_path(item, workspace) for item in items))

    @property
    def everything(self) -> bool:
        """Whether the whole workspace is selected (``.``)."""
        return _EVERYTHING in self.paths

    def selects(self, path: str) -> bool:
        """Whether ``path`` is one of the paths or lies below one of them."""
        paths = self.paths
        return self.everything or path in paths or any(up in paths for up in _parents(path))

    def merged(
        self, current: Mapping[str, ManifestEntry], target: Tree, checkpoint_id: str
    ) -> tuple[Tree, int]:
        """The tree with the selected paths as ``target`` holds them, the rest as ``current``.

        Returns:
            That tree, and how many of ``target``'s paths are selected.

        Raises:
            PathNotInCheckpointError: A path selects nothing in either tree.
        """
        selected_now = {path for path in current if self.selects(path)}
        selected_then = {path for path in target if self.selects(path)}
        covered = {*selected_now, *selected_then}
        covered.update(parent for path in list(covered) for parent in _parents(path))
        for path in sorted(self.paths - covered - {_EVERYTHING}):
            raise PathNotInCheckpointError(checkpoint_id, path)
        merged = {path: entry for path, entry in current.items() if path not in selected_now}
        merged.update((path, target[path]) for path in selected_then)
        return merged, len(selected_then)


def _parents(path: str) -> Iterable[str]:
    end = path.rfind("/")
    while end > 0:
        yield path[:end]
        end = path.rfind("/", 0, end)


def _workspace_path(item: str | os.PathLike[str], workspace: str) -> str:
    try:
        text = os.fsdecode(item)
    except TypeError as exc:
        raise InvalidInputError(f"{item!r:.80} is not a path") from exc
    if os.path.isabs(text):
        inside = os.path.relpath(os.path.normpath(text), workspace)
        if inside == ".." or inside.startswith("../"):
            raise UnsafePathError(
                f"refusing {text[:300]!r}: it is not inside the workspace {workspace!r}",
                path=text,
            )
        text = inside
    path = text.rstrip("/") if text not in ("", "/") else text
    if path in (_EVERYTHING, "./"):
        return _EVERYTHING
    path = path.removeprefix("./")
    try:
        validate_path(path)
    except UnsafePathError as exc:
        raise UnsafePathError(
            f"refusing the path {text[:300]!r}: it must be a path inside the workspace, "
            "without '..', '.' or empty parts, and not inside .git",
            path=text,
        ) from exc
    return path
