"""Steps for sparse files: made with holes, and measured by the blocks they take."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from behave import given, then
from support.world import world

MIB = 1024 * 1024


@given(
    'a sparse file "{path:Q}" of {size:d} MiB in the workspace with data at 0 and at {middle:d} MiB'
)
def sparse_file(context: Any, path: str, size: int, middle: int) -> None:
    target = world(context).workspace / path
    with target.open("wb") as stream:
        stream.truncate(size * MIB)
        stream.write(b"header of a disk image\n")
        stream.seek(middle * MIB)
        stream.write(os.urandom(4096))
    assert _allocated(target) < size * MIB, "this file system keeps no holes"


@then('"{path:Q}" in the workspace takes at most {limit:d} KiB on disk')
def workspace_file_allocated(context: Any, path: str, limit: int) -> None:
    target = world(context).workspace / path
    assert _allocated(target) <= limit * 1024, _allocated(target)


@then('"{path:Q}" in the directory "{directory:Q}" takes at most {limit:d} KiB on disk')
def directory_file_allocated(context: Any, path: str, directory: str, limit: int) -> None:
    target = world(context).directory / directory / path
    assert _allocated(target) <= limit * 1024, _allocated(target)


def _allocated(path: Path) -> int:
    return path.stat().st_blocks * 512
