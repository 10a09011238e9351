"""Steps that put back some paths of a checkpoint (``restore_paths``), in place or elsewhere."""

from __future__ import annotations

from typing import Any

from behave import then, when
from support.scenario import attempt, expand, named
from support.trees import paths_of, read_tree
from support.world import world


def _paths(scene: Any, text: str) -> list[str]:
    return [expand(scene, path) for path in paths_of(text)]


@when('I restore "{paths:Q}" of "{name:Q}"')
def restore_paths(context: Any, paths: str, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.rollback = scene.the_service.restore_paths(checkpoint_id, _paths(scene, paths))


@when('I restore "{paths:Q}" of "{name:Q}" as a dry run')
def restore_paths_dry(context: Any, paths: str, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    chosen = _paths(scene, paths)
    scene.dry_run = scene.the_service.restore_paths(checkpoint_id, chosen, dry_run=True)


@when('I restore "{paths:Q}" of "{name:Q}" into the directory "{directory:Q}" beside the workspace')
def restore_paths_elsewhere(context: Any, paths: str, name: str, directory: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    target = scene.directory / directory
    result = scene.the_service.restore_paths(checkpoint_id, paths_of(paths), workspace=target)
    scene.rollback = result


@when('I try to restore "{paths:Q}" of "{name:Q}"')
def try_restore_paths(context: Any, paths: str, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    chosen = [] if paths == "no path" else _paths(scene, paths)
    scene.noted = read_tree(scene.workspace)
    attempt(scene, lambda: scene.the_service.restore_paths(checkpoint_id, chosen))


@then('"{paths:Q}" in the workspace are as when "{name:Q}" was taken')
@then('"{paths:Q}" in the workspace is as when "{name:Q}" was taken')
def paths_as_taken(context: Any, paths: str, name: str) -> None:
    scene = world(context)
    files, _directories = read_tree(scene.workspace)
    recorded, _recorded_directories = scene.recorded[name]
    for path in paths_of(paths):
        assert files.get(path) == recorded.get(path), (path, files.get(path), recorded.get(path))


@then('checkpoint "{name:Q}" has the safety checkpoint of that rollback as its parent')
def parent_is_safety(context: Any, name: str) -> None:
    scene = world(context)
    safety_id = scene.the_rollback.safety_checkpoint_id
    assert safety_id is not None
    assert named(scene, name).parent_id == safety_id, named(scene, name)


@then('the directory "{name:Q}" beside the workspace still holds "{path:Q}" as it was')
def still_holds(context: Any, name: str, path: str) -> None:
    scene = world(context)
    files, _directories = read_tree(scene.directory / name)
    assert files[path] == scene.beside[name][0][path], files.get(path)


@when('I try to restore the paths {given} of "{name:Q}"')
def try_restore_values(context: Any, given: str, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    value = eval(given, {"__builtins__": {}})
    scene.noted = read_tree(scene.workspace)
    attempt(scene, lambda: scene.the_service.restore_paths(checkpoint_id, value))
