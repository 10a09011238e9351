"""Steps about directories beside the workspace: what a rollback must never touch."""

from __future__ import annotations

import shutil
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
