"""Build workspace trees from scenario tables."""

from __future__ import annotations

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
