"""Which workspace paths rewind never tracks: ``.git/``, excluded paths and ignore files.

``.gitignore`` and ``.rewindignore`` files are read in every directory, with git's rules
(a deeper file overrides a shallower one; ``.rewindignore`` overrides ``.gitignore`` in the
same directory). Matching is done by ``pathspec``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathspec import GitIgnoreSpec

from rewind.errors import UnreadablePathError

__all__ = ["IGNORE_FILE_NAMES", "NEVER_TRACKED_NAMES", "IgnoreRules"]

IGNORE_FILE_NAMES = (".gitignore", ".rewindignore")
NEVER_TRACKED_NAMES = frozenset({".git"})


@dataclass(frozen=True, slots=True)
class _DirectoryRules:
    prefix: str  # the directory's relative path with a trailing slash, "" at the root
    spec: GitIgnoreSpec


class IgnoreRules:
    """The ignore rules in force in one directory of a workspace walk.

    Not a general gitignore engine: it only answers for paths below the directories it was
    extended with, in walk order.
    """

    def __init__(self, stack: tuple[_DirectoryRules, ...] = ()) -> None:
        self._stack = stack

    def extended(self, directory: Path, relative: str) -> IgnoreRules:
        """Return the rules for ``directory`` (at ``relative``), adding its ignore files."""
        lines: list[str] = []
        for name in IGNORE_FILE_NAMES:
            path = directory / name
            try:
                lines.extend(
                    path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
                )
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise UnreadablePathError(
                    f"cannot read ignore file {path}: {exc.strerror}"
                ) from exc
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
