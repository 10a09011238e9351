"""Which workspace paths rewind never tracks: ``.git/``, excluded paths and ignore files.

``.gitignore`` and ``.rewindignore`` files are read in every directory, with git's rules
(a deeper file overrides a shallower one; ``.rewindignore`` overrides ``.gitignore`` in the
same directory). ``pathspec`` parses the patterns into regular expressions. As git does, an
ignore file that is a symlink (or anything but a regular file) is not followed and has no
effect.

A walk never enters an ignored directory, so a path's parents are known not to be ignored. In
an ignore file without ``!`` patterns, a path is then ignored exactly when one pattern matches
it, and a pattern that can only match one name (``*.pyc``, ``build/``, ``.env``) can only match
the path's last name: those patterns are joined into one expression matched against that name,
the others (``/site``, ``docs/_build/``) into one matched against the path. That is the same
answer as asking each pattern in turn, many times faster. Ignore files with ``!`` patterns are
matched by ``pathspec`` pattern by pattern.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pathspec import GitIgnoreSpec

from rewind.errors import UnreadablePathError
from rewind.workspace.root import PathChangedError, open_regular_file

__all__ = ["IGNORE_FILE_NAMES", "IgnoreRules", "ignore_file_lines", "read_ignore_lines"]

IGNORE_FILE_NAMES = (".gitignore", ".rewindignore")
_MAX_IGNORE_FILE = 16 * 1024 * 1024


_ANY_PARENTS = "^(?:.+/)?"
"""How pathspec starts the expression of a pattern that matches at any depth."""
_NAME_ENDINGS = ("(?:(?:/)|$)", "(?:/)", "$")
"""How pathspec ends it: a name that is a file or a directory, a directory only, a file."""
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


@dataclass(frozen=True, slots=True)
class _Matcher:
    """The patterns of one ignore file without ``!`` patterns, as two expressions."""

    names: re.Pattern[str] | None  # matched against the last name ("name" or "name/")
    paths: re.Pattern[str] | None  # matched against the whole relative path

    @classmethod
    def compile(cls, spec: GitIgnoreSpec) -> _Matcher | None:
        """Join ``spec``'s patterns, or return None if it has ``!`` patterns or odd ones."""
        names: list[str] = []
        paths: list[str] = []
        for pattern in spec.patterns:
            if pattern.include is None:
                continue  # a blank line or a comment
            expression = getattr(getattr(pattern, "regex", None), "pattern", None)
            if pattern.include is False or not isinstance(expression, str):
                return None
            expression = _NAMED_GROUP.sub("(?:", expression)
            name = _one_name(expression)
            if name is not None:
                names.append(name)
            else:
                paths.append(expression)
        try:
            return cls(_joined(names), _joined(paths))
        except re.error:  # pragma: no cover - pathspec's expressions join; if not, ask it
            return None

    def matches(self, relative: str) -> bool:
        """Whether a pattern matches ``relative`` (a directory ends with a slash)."""
        if self.names is not None:
            name = relative[relative.rfind("/", 0, len(relative) - 1) + 1 :]
            if self.names.match(name):
                return True
        return self.paths is not None and self.paths.match(relative) is not None


def _one_name(expression: str) -> str | None:
    """The expression of a pattern that can only match one name, for that name alone."""
    if not expression.startswith(_ANY_PARENTS):
        return None
    rest = expression[len(_ANY_PARENTS) :]
    for ending in _NAME_ENDINGS:
        if rest.endswith(ending):
            core = rest[: -len(ending)]
            if "/" in core.replace("[^/]", "") or "(" in core:
                return None
            return f"{core}(?:/|$)" if ending == _NAME_ENDINGS[0] else rest
    return None


def _joined(expressions: list[str]) -> re.Pattern[str] | None:
    if not expressions:
        return None
    return re.compile("|".join(f"(?:{expression})" for expression in expressions))


@dataclass(frozen=True, slots=True)
class _DirectoryRules:
    prefix: str  # the directory's relative path with a trailing slash, "" at the root
    spec: GitIgnoreSpec
    matcher: _Matcher | None  # None: ask ``spec`` pattern by pattern


def read_ignore_lines(
    directory_fd: int, where: str, names: Iterable[str] = IGNORE_FILE_NAMES
) -> list[str]:
    """Return the lines of the ignore files in the directory open as ``directory_fd``.

    ``names`` are those of ``IGNORE_FILE_NAMES`` to try (the ones the directory lists).

    Raises:
        UnreadablePathError: An ignore file exists but cannot be read.
    """
    lines: list[str] = []
    for name in names:
        try:
            with open_regular_file(directory_fd, name, f"{where}/{name}") as descriptor:
                data = os.read(descriptor, _MAX_IGNORE_FILE)
        except PathChangedError:
            continue  # none here, or a symlink, FIFO or directory: not an ignore file
        except OSError as exc:
            raise UnreadablePathError(
                f"cannot read ignore file {where}/{name}: {exc.strerror}", path=f"{where}/{name}"
            ) from exc
        lines.extend(ignore_file_lines(data))
    return lines


def ignore_file_lines(data: bytes) -> list[str]:
    """The lines of an ignore file whose bytes are ``data`` (read from disk or from a store).

    Only its first 16 MiB count, wherever it was read.
    """
    return data[:_MAX_IGNORE_FILE].decode("utf-8", "surrogateescape").splitlines()


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
        spec = GitIgnoreSpec.from_lines(lines)
        rules = _DirectoryRules(prefix, spec, _Matcher.compile(spec))
        return IgnoreRules((*self._stack, rules))

    def is_ignored(self, relative: str, *, is_dir: bool) -> bool:
        """Whether the path ``relative`` (POSIX, from the workspace root) is ignored."""
        for rules in reversed(self._stack):
            local = relative[len(rules.prefix) :]
            if is_dir:
                local = f"{local}/"
            if rules.matcher is not None:
                if rules.matcher.matches(local):
                    return True
                continue
            verdict = rules.spec.check_file(local).include
            if verdict is not None:
                return verdict
        return False
