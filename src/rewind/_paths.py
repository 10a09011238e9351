"""The rules a stored path obeys, wherever it is checked: pure, no file system in sight.

A restore checks a manifest's paths before it touches a file; ``verify`` and a prune check
the same paths with the same rules, so the rules live here, below both.
"""

from __future__ import annotations

import hashlib

from rewind._manifest import Tree
from rewind.errors import UnsafePathError

__all__ = ["NEVER_TRACKED_NAMES", "check_tree_shape", "temporary_prefix", "validate_path"]

NEVER_TRACKED_NAMES = frozenset({".git", ".rewind"})
"""Directories never tracked at any depth: git's, and rewind's own stores (`.rewind/`)."""


def temporary_prefix(root: str) -> str:
    """Return the name prefix of the temporary files a restore writes below ``root``.

    It holds a digest of the root's path, so no ordinary file name is taken for one of
    rewind's temporaries (``.rewind-tmp-`` alone could be anybody's).
    """
    digest = hashlib.sha256(root.encode("utf-8", "surrogateescape")).hexdigest()
    return f".rewind-tmp-{digest[:20]}-"


def validate_path(path: str, temporary: str | None = None) -> None:
    """Check that ``path`` is a relative POSIX path that stays inside any root.

    Args:
        path: A manifest path.
        temporary: The restore root's ``temporary_prefix``, if known: no part may start so.

    Raises:
        UnsafePathError: The path is empty, absolute, has ``.``, ``..`` or empty parts or a
            NUL, lies inside a ``.git`` directory at any depth, or is named like one of
            rewind's temporaries. (A backslash is an ordinary character on POSIX.)
    """
    framed = f"/{path}/"  # every part of the path between slashes, even the first and last
    if (
        not path
        or path.startswith("/")
        or "\0" in path
        or "//" in framed
        or "/./" in framed
        or "/../" in framed
        or any(f"/{name}/" in framed for name in NEVER_TRACKED_NAMES)
        or (temporary is not None and f"/{temporary}" in framed)
    ):
        raise UnsafePathError(
            f"refusing the unsafe path {path[:300]!r} in a checkpoint manifest", path=path
        )


def check_tree_shape(target: Tree) -> None:
    """Check that no path of ``target`` lies below another path of it (a file or symlink).

    Raises:
        UnsafePathError: One does (names both).
    """
    for path in target:
        end = path.rfind("/")
        while end > 0:
            parent = path[:end]
            if parent in target:
                raise UnsafePathError(
                    f"refusing manifest path {path!r}: its parent {parent!r} is a "
                    f"{target[parent].kind.value}, not a directory",
                    path=path,
                )
            end = path.rfind("/", 0, end)
