"""Build workspace trees from scenario tables."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def write_file(root: Path, relative: str, content: str, mode: int | None = None) -> None:
    """Create or overwrite ``root/relative`` (and its directories) with ``content``."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(content, encoding="utf-8")
    if mode is not None:
        path.chmod(mode)


def make_symlink(root: Path, relative: str, target: str) -> None:
    """Create or retarget the symlink ``root/relative`` -> ``target``."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink() or path.exists():
        path.unlink()
    os.symlink(target, path)


def paths_of(text: str) -> list[str]:
    """Split a scenario's comma-separated path list; "nothing" means none."""
    if text.strip() == "nothing":
        return []
    return [item.strip() for item in text.split(",")]


FileState = tuple[str, bytes, int]
"""(kind, bytes or symlink target, permission bits) of one path on disk."""

Tree = tuple[dict[str, FileState], set[str]]
"""A tree as read from disk: its files and symlinks by relative path, and its directories."""


def read_tree(root: Path) -> Tree:
    """Everything under ``root`` exactly as it is on disk (never following symlinks).

    Returns the files and symlinks by relative path, and the set of directories.
    """
    files: dict[str, FileState] = {}
    directories: set[str] = set()
    pending = [""]  # iterative: trees deeper than Python's recursion limit are read too
    while pending:
        relative_directory = pending.pop()
        with os.scandir(os.path.join(root, relative_directory)) as entries:
            for entry in entries:
                relative = (
                    f"{relative_directory}/{entry.name}" if relative_directory else entry.name
                )
                if entry.is_symlink():
                    files[relative] = ("symlink", os.readlink(entry.path).encode(), 0)
                elif entry.is_dir():
                    directories.add(relative)
                    pending.append(relative)
                elif entry.is_file():
                    mode = entry.stat().st_mode & 0o7777
                    files[relative] = ("file", Path(entry.path).read_bytes(), mode)
                else:  # a FIFO or socket: opening it could block
                    files[relative] = ("special", b"", entry.stat(follow_symlinks=False).st_mode)
    return files, directories


def documented_tree_hash(files: dict[str, FileState]) -> str:
    """The ``tree_hash`` of files as the README documents it, computed independently."""
    rows = [
        [path, kind, hashlib.sha256(data).hexdigest(), len(data), mode]
        for path, (kind, data, mode) in sorted(files.items())
    ]
    return hashlib.sha256(canonical(rows)).hexdigest()


def documented_checkpoint_hash(checkpoint_id: str, plan_id: str, directory: str, tree: str) -> str:
    """The ``checkpoint_hash`` as the README documents it, computed independently."""
    return hashlib.sha256(canonical([[checkpoint_id, plan_id, directory, tree]])).hexdigest()


def canonical(rows: list[list[object]]) -> bytes:
    """The README's canonical encoding of hash rows."""
    return json.dumps(rows, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def remove_tree(root: Path) -> None:
    """Remove ``root`` and everything below it, however deep (no recursion).

    Directories a scenario made unreadable or read-only are made accessible first.
    """
    directories: list[str] = []
    pending = [str(root)]
    while pending:
        directory = pending.pop()
        directories.append(directory)
        os.chmod(directory, 0o700)
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                else:
                    os.unlink(entry.path)
    for directory in reversed(directories):
        os.rmdir(directory)
