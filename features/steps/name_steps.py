"""Steps about names people give checkpoints: latest, ~N, labels, short ids; and workspaces.

A short id is checked against its definition, not against rewind's own function: the 8
characters of an id after its 10 characters of time, in lower case.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.scenario import attempt, expand, named
from support.trees import write_file
from support.world import World, world

from rewind import Checkpoint, CheckpointService, CheckpointType
from rewind.storage import open_store

SHORT_ID = slice(10, 18)


def short_id(checkpoint: Checkpoint) -> str:
    """The short id the listing prints, by its definition."""
    return checkpoint.checkpoint_id[SHORT_ID].lower()


@given('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}", labelled "{label:Q}"')
def snapshot_labelled(context: Any, plan: str, name: str, label: str) -> None:
    scene = world(context)
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(
        plan, scene.workspace, label=label
    )


@given(
    'another workspace "{directory:Q}" snapshotted for plan "{plan:Q}" as "{name:Q}", '
    'labelled "{label:Q}"'
)
def other_workspace_labelled(
    context: Any, directory: str, plan: str, name: str, label: str
) -> None:
    scene = world(context)
    write_file(scene.directory / directory, "other.txt", "another workspace\n")
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(
        plan, scene.directory / directory, label=label
    )


@given('a "{kind:Q}" checkpoint of the workspace for plan "{plan:Q}"')
def checkpoint_of_workspace(context: Any, kind: str, plan: str) -> None:
    scene = world(context)
    scene.the_service.create_checkpoint(
        plan, os.path.realpath(scene.workspace), checkpoint_type=CheckpointType(kind)
    )


@given('the workspace has a directory "{path:Q}"')
def workspace_directory(context: Any, path: str) -> None:
    (world(context).workspace / path).mkdir(parents=True, exist_ok=True)


def _resolve(scene: World, name: str, where: str) -> Checkpoint:
    workspaces = {
        "the workspace": scene.workspace,
        "no workspace": None,
        "an empty directory": scene.directory,
    }
    return scene.the_service.resolve_checkpoint(expand(scene, name), workspace=workspaces[where])


@when('I resolve "{name:Q}" in the workspace')
def resolve_in_workspace(context: Any, name: str) -> None:
    scene = world(context)
    scene.resolved = _resolve(scene, name, "the workspace")


@when('I resolve "{name:Q}" without a workspace')
def resolve_without_workspace(context: Any, name: str) -> None:
    scene = world(context)
    scene.resolved = _resolve(scene, name, "no workspace")


@when('I try to resolve "{name:Q}" in {where}')
def try_resolve(context: Any, name: str, where: str) -> None:
    scene = world(context)
    attempt(scene, lambda: _resolve(scene, name, where), record_store=False)


@when('I resolve the short id of "{name:Q}" in the workspace')
def resolve_short_id(context: Any, name: str) -> None:
    scene = world(context)
    scene.resolved = _resolve(scene, short_id(named(scene, name)), "the workspace")


@when(
    'I resolve the first {count:d} characters of the short id of "{name:Q}", in upper case, '
    "in the workspace"
)
def resolve_short_id_start(context: Any, count: int, name: str) -> None:
    scene = world(context)
    start = short_id(named(scene, name))[:count].upper()
    scene.resolved = _resolve(scene, start, "the workspace")


@then('resolve_checkpoint_id takes the short id of "{name:Q}" too')
def resolve_id_takes_short_id(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    assert scene.the_service.resolve_checkpoint_id(short_id(checkpoint)) == (
        checkpoint.checkpoint_id
    )


@then('it is checkpoint "{name:Q}"')
def resolved_to(context: Any, name: str) -> None:
    scene = world(context)
    assert scene.resolved == named(scene, name), (scene.resolved, named(scene, name))


@then("it is the rollback's safety checkpoint")
def resolved_to_safety(context: Any) -> None:
    scene = world(context)
    assert scene.resolved is not None
    assert scene.resolved.checkpoint_id == scene.the_rollback.safety_checkpoint_id


@given("a checkpoint service on the scenario's database whose clock stands still")
def service_with_frozen_clock(context: Any) -> None:
    scene = world(context)
    moment = datetime.now(UTC)
    scene.keep_service(CheckpointService(open_store(scene.database_url), clock=lambda: moment))


@when("I take {count:d} checkpoints with it")
def take_checkpoints(context: Any, count: int) -> None:
    scene = world(context)
    scene.listing = [
        scene.the_service.create_checkpoint("plan-burst", "sandbox") for _ in range(count)
    ]


@then("their ids increase, and their short ids all differ, also in their first 4 characters")
def short_ids_differ(context: Any) -> None:
    taken = world(context).listing
    ids = [checkpoint.checkpoint_id for checkpoint in taken]
    assert ids == sorted(ids) and len(set(ids)) == len(ids), ids
    shorts = [short_id(checkpoint) for checkpoint in taken]
    assert len(set(shorts)) == len(shorts), shorts
    assert len({short[:4] for short in shorts}) > 1, shorts


@then('the workspace found from "{path:Q}" is "{expected:Q}"')
def workspace_found(context: Any, path: str, expected: str) -> None:
    scene = world(context)
    found = scene.the_service.find_workspace(expand(scene, path))
    assert found == os.path.realpath(expand(scene, expected)), found


@then('no workspace is found from "{path:Q}"')
def no_workspace_found(context: Any, path: str) -> None:
    scene = world(context)
    found = scene.the_service.find_workspace(expand(scene, path))
    assert found is None, found


@when('I open a service on the plain path "{name:Q}" in the scenario\'s directory')
def open_plain_path(context: Any, name: str) -> None:
    scene = world(context)
    here = Path.cwd()
    os.chdir(scene.directory)
    try:
        scene.keep_service(CheckpointService.open(name))
    finally:
        os.chdir(here)


@when("I snapshot the workspace through it")
def snapshot_through_it(context: Any) -> None:
    scene = world(context)
    scene.the_service.create_workspace_snapshot("plan-1", scene.workspace)


@then('the file "{name:Q}" beside the workspace is a SQLite store holding {count:d} checkpoint')
def plain_store_holds(context: Any, name: str, count: int) -> None:
    path = world(context).directory / name
    with CheckpointService.open(f"sqlite:///{path}", create=False) as service:
        assert len(service.list_checkpoints()) == count
