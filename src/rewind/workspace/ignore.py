"""Which workspace paths rewind never tracks: ``.git/``, excluded paths and ignore files.

``.gitignore`` and ``.rewindignore`` files are read in every directory, with git's rules
(a deeper file overrides a shallower one; ``.rewindignore`` overrides ``.gitignore`` in the
same directory). Matching is done by ``pathspec``. As git does, an ignore file that is a
symlink (or anything but a regular file) is not followed and has no effect.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pathspec import GitIgnoreSpec

from rewind.errors import UnreadablePathError
from rewind.workspace.root import PathChangedError, open_regular_file

__all__ = ["IGNORE_FILE_NAMES", "NEVER_TRACKED_NAMES", "IgnoreRules", "read_ignore_lines"]

IGNORE_FILE_NAMES = (".gitignore", ".rewindignore")
NEVER_TRACKED_NAMES = frozenset({".git"})
_MAX_IGNORE_FILE = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class _DirectoryRules:
    prefix: str  # the directory's relative path with a trailing slash, "" at the root
    spec: GitIgnoreSpec


def read_ignore_lines(directory_fd: int, where: str) -> list[str]:
    """Return the lines of the ignore files in the directory open as ``directory_fd``.

    Raises:
        UnreadablePathError: An ignore file exists but cannot be read.
    """
    lines: list[str] = []
    for name in IGNORE_FILE_NAMES:
        try:
            with open_regular_file(directory_fd, name, f"{where}/{name}") as descriptor:
                data = os.read(descriptor, _MAX_IGNORE_FILE)
        except PathChangedError:
            continue  # none here, or a symlink, FIFO or directory: not an ignore file
        except OSError as exc:
            raise UnreadablePathError(
                f"cannot read ignore file {where}/{name}: {exc.strerror}", path=f"{where}/{name}"
            ) from exc
        lines.extend(data.decode("utf-8", "surrogateescape").splitlines())
    return lines


class IgnoreRules:
    """The ignore rules in force in one directory of a workspace walk.

    Not a general gitignore engine: it only answers for paths below the directories it was
    extended with, in walk order.
    """

    def __init__(self, stack: tuple[_DirectoryRules, ...] = ()) -> None:
        self._stack = stack

    def extended(self, lines: list[str], relative: str) -> IgnoreRules:
        """Return the rules for the directory at ``relative``, adding its ignore ``lines``."""
        if not lines:
            return self
        prefix = f"{relative}/" if relative else ""
        return IgnoreRules((*self._stack, _DirectoryRules(prefix, GitIgnoreSpec.from_lines(lines))))

    def is_ignored(self, relative: str, *, is_dir: bool) -> bool:
        """Whether the path ``relative`` (POSIX, from the workspace root) is ignored."""
        for rules in reversed(self._stack):
            local = relative[len(rules.prefix) :]
            verdict = rules.spec.check_file(f"{local}/" if is_dir else local).include
            if verdict is not None:
                return verdict
        return False
