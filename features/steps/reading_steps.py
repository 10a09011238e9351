"""Steps about reading a checkpoint back: its changes, one file, a patch, a workspace's list."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from behave import then, when
from support.scenario import attempt, named
from support.trees import paths_of
from support.world import World, world

from rewind import PathNotInCheckpointError


def _bytes(escaped: str) -> bytes:
    """A scenario's text with Python escapes (``\\n``, ``\\x00``) as bytes."""
    return escaped.encode("latin-1").decode("unicode_escape").encode("latin-1")


@then('the changes of "{name:Q}" are')
def changes_are(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    manifest = scene.the_service.get_changes(checkpoint.checkpoint_id)
    actual = [(entry.change.value, entry.path) for entry in manifest.entries]
    expected = [(row["change"], row["path"]) for row in context.table]
    assert actual == expected, actual
    assert manifest.target == checkpoint.checkpoint_id, manifest
    assert manifest.base == checkpoint.parent_id, manifest


@then('reading "{path:Q}" from "{name:Q}" gives the bytes "{escaped:Q}"')
def reading_gives(context: Any, path: str, name: str, escaped: str) -> None:
    scene = world(context)
    data = scene.the_service.read_file(named(scene, name).checkpoint_id, path)
    assert data == _bytes(escaped), data


@when('I try to read "{path:Q}" from "{name:Q}"')
def try_read(context: Any, path: str, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    attempt(scene, lambda: scene.the_service.read_file(checkpoint_id, path), record_store=False)


@then('the error names checkpoint "{name:Q}"')
def error_names_checkpoint(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    assert isinstance(scene.error, PathNotInCheckpointError), repr(scene.error)
    assert scene.error.checkpoint_id == checkpoint_id, scene.error.checkpoint_id
    assert checkpoint_id in str(scene.error), str(scene.error)


def _patch(scene: World, base: str, target: str | None) -> str:
    target_id = None if target is None else named(scene, target).checkpoint_id
    return scene.the_service.patch(named(scene, base).checkpoint_id, target_id)


@then('the patch from "{base:Q}" to "{target:Q}" is')
def patch_is(context: Any, base: str, target: str) -> None:
    patch = _patch(world(context), base, target)
    assert patch == f"{context.text}\n", patch


@then('the patch from "{base:Q}" to "{target:Q}" is empty')
def patch_is_empty(context: Any, base: str, target: str) -> None:
    patch = _patch(world(context), base, target)
    assert patch == "", patch


@then('the patch from "{base:Q}" to the live workspace is')
def live_patch_is(context: Any, base: str) -> None:
    patch = _patch(world(context), base, None)
    assert patch == f"{context.text}\n", patch


def _listed(scene: World, workspace: str | os.PathLike[str], **filters: Any) -> list[str]:
    found = scene.the_service.list_checkpoints(sandbox_ref=workspace, **filters)
    names = {checkpoint.checkpoint_id: name for name, checkpoint in scene.checkpoints.items()}
    return [names[checkpoint.checkpoint_id] for checkpoint in found]


@then('listing the checkpoints of the workspace gives "{names:Q}"')
def listing_workspace(context: Any, names: str) -> None:
    scene = world(context)
    actual = _listed(scene, scene.workspace)
    assert actual == paths_of(names), actual


@then('listing the checkpoints of the workspace through a symlink to it gives "{names:Q}"')
def listing_through_symlink(context: Any, names: str) -> None:
    scene = world(context)
    link = scene.directory / "link-to-workspace"
    link.symlink_to(scene.workspace, target_is_directory=True)
    actual = _listed(scene, str(link))
    assert actual == paths_of(names), actual


@then('listing the checkpoints of the workspace "{directory:Q}" gives "{names:Q}"')
def listing_other_workspace(context: Any, directory: str, names: str) -> None:
    scene = world(context)
    actual = _listed(scene, Path(scene.directory, directory))
    assert actual == paths_of(names), actual


@then('listing at most {limit:d} checkpoint of the workspace gives "{names:Q}"')
def listing_workspace_limited(context: Any, limit: int, names: str) -> None:
    scene = world(context)
    actual = _listed(scene, scene.workspace, limit=limit)
    assert actual == paths_of(names), actual
