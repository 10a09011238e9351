"""The directories a server may act on: every workspace must lie under one of its roots."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from rewind.errors import InvalidInputError, OutsideRootsError, WorkspaceNotFoundError

__all__ = ["Roots"]


class Roots:
    """Real directories (symlinks resolved); a path is allowed if it lies under one of them."""

    def __init__(self, directories: Iterable[str | os.PathLike[str]]) -> None:
        resolved = []
        for directory in directories:
            if not os.fsdecode(directory).strip():
                raise InvalidInputError("a root directory's path is empty (--root)")
            path = os.path.realpath(os.fsdecode(directory))
            if not os.path.isdir(path):
                raise WorkspaceNotFoundError(
                    f"root {os.fsdecode(directory)!r} is not a directory", path=path
                )
            resolved.append(path)
        if not resolved:
            raise InvalidInputError("a server needs at least one root directory (--root)")
        self.directories: Sequence[str] = tuple(sorted(set(resolved)))

    def __contains__(self, path: object) -> bool:
        """Whether ``path`` (a real path) is one of the roots or lies under one."""
        return isinstance(path, str) and any(
            path == root or path.startswith(f"{root.rstrip('/')}/") for root in self.directories
        )

    def check(self, path: str | os.PathLike[str], *, what: str = "workspace") -> str:
        """Return the real path of ``path`` if it lies under a root.

        Raises:
            OutsideRootsError: It does not, once its symlinks are resolved.
        """
        given = os.fsdecode(path)
        real = os.path.realpath(given)
        if real not in self:
            raise OutsideRootsError(
                f"{what} {given!r} is outside the directories this server may act on "
                f"({', '.join(self.directories)}); start it with --root for that directory",
                path=given,
            )
        return real
