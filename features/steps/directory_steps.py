"""Steps about directories beside the workspace: what a rollback must never touch."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from behave import given, then
from support.trees import read_tree, write_file
from support.world import world


@given('a directory "{name:Q}" beside the workspace holds "{first:Q}" and "{second:Q}"')
@given('a directory "{name:Q}" beside the workspace holds "{first:Q}"')
def directory_beside(context: Any, name: str, first: str, second: str | None = None) -> None:
    scene = world(context)
    for file_name in filter(None, (first, second)):
        write_file(scene.directory / name, file_name, f"precious {file_name}\n")
    scene.beside[name] = read_tree(scene.directory / name)


@then('the directory "{name:Q}" beside the workspace is exactly as it was')
def directory_unchanged(context: Any, name: str) -> None:
    scene = world(context)
    assert read_tree(scene.directory / name) == scene.beside[name], read_tree(
        scene.directory / name
    )


@then('nothing exists at "{name:Q}" beside the workspace')
def nothing_at(context: Any, name: str) -> None:
    path = world(context).directory / name
    assert not path.exists() and not path.is_symlink(), path


@given('the workspace is moved to "{name:Q}" beside it')
def move_workspace(context: Any, name: str) -> None:
    scene = world(context)
    shutil.move(scene.workspace, scene.directory / name)


@given('a symlink at the workspace\'s old path points to "{name:Q}"')
def symlink_at_workspace(context: Any, name: str) -> None:
    scene = world(context)
    scene.workspace.symlink_to(scene.directory / name)


NOBODY = 65534


@given('an empty directory "{name:Q}" beside the workspace')
def empty_directory(context: Any, name: str) -> None:
    scene = world(context)
    (scene.directory / name).mkdir(parents=True)
    scene.beside[name] = read_tree(scene.directory / name)


@given('an empty directory "{name:Q}" beside the workspace, owned by another user, mode {mode}')
def owned_directory(context: Any, name: str, mode: str) -> None:
    scene = world(context)
    path = scene.directory / name
    path.mkdir(parents=True)
    if os.geteuid() == 0:
        os.chown(path, NOBODY, NOBODY)
    path.chmod(int(mode, 8))
    scene.identities[name] = _identity(path)


@given('the directory "{name:Q}" beside the workspace is read-only')
def read_only_beside(context: Any, name: str) -> None:
    (world(context).directory / name).chmod(0o555)


@then('"{name:Q}" is the same directory, with the same owner and mode')
def same_directory(context: Any, name: str) -> None:
    scene = world(context)
    assert _identity(scene.directory / name) == scene.identities[name]


def _identity(path: Path) -> tuple[int, int, int, int, int]:
    status = path.lstat()
    return status.st_ino, status.st_dev, status.st_uid, status.st_gid, status.st_mode
