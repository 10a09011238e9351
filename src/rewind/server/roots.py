"""The directories a server may act on: every workspace must lie under one of its roots."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from rewind.errors import InvalidInputError, OutsideRootsError, WorkspaceNotFoundError

__all__ = ["Roots", "refuse_nul"]


def refuse_nul(path: str, what: str) -> None:
    """Refuse a path holding a NUL: no file system has one, and the OS would raise.

    Raises:
        InvalidInputError: ``path`` holds a NUL.
    """
    if "\0" in path:
        raise InvalidInputError(
            f"{what} {path[:300]!r} holds a NUL character, which no path can", path=path
        )


class Roots:
    """Real directories (symlinks resolved); a path is allowed if it lies under one of them."""

    def __init__(self, directories: Iterable[str | os.PathLike[str]]) -> None:
        resolved = []
        for directory in directories:
            if not os.fsdecode(directory).strip():
                raise InvalidInputError("a root directory's path is empty (--root)")
            refuse_nul(os.fsdecode(directory), "root")
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
            InvalidInputError: It holds a NUL, which no path can.
            OutsideRootsError: It does not, once its symlinks are resolved.
        """
        given = os.fsdecode(path)
        refuse_nul(given, what)
        real = os.path.realpath(given)
        if real not in self:
            raise OutsideRootsError(
                f"{what} {given!r} is outside the directories this server may act on "
                f"({', '.join(self.directories)}); start it with --root for that directory",
                path=given,
            )
        return real
