"""Steps about creating, reading back and comparing checkpoints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from behave import given, then, when
from support.scenario import named, open_service, parse_extra
from support.trees import paths_of, read_tree, write_file
from support.world import world

from rewind import Checkpoint, CheckpointMetadata, CheckpointService, CheckpointType

READ_BACK = """
import sys
from rewind import CheckpointService
with CheckpointService.open(sys.argv[1]) as service:
    print(service.get_checkpoint(sys.argv[2]).model_dump_json())
"""


@given("a checkpoint service on the scenario's database")
def service_on_database(context: Any) -> None:
    open_service(world(context))


@given("a checkpoint service on an in-memory SQLite database")
def service_in_memory(context: Any) -> None:
    open_service(world(context), "sqlite://")


@given(
    "a checkpoint service on an in-memory SQLite database waiting at most {seconds:d} seconds "
    "for a lock"
)
def service_in_memory_impatient(context: Any, seconds: int) -> None:
    open_service(world(context), f"sqlite://?lock_timeout={seconds}")


@when("I restart the checkpoint service")
def restart(context: Any) -> None:
    scene = world(context)
    scene.the_service.close()
    scene.services.remove(scene.the_service)
    open_service(scene)


def _snapshot(context: Any, name: str, plan: str, decision: str | None = None) -> None:
    scene = world(context)
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(
        plan, scene.workspace, decision, extra=parse_extra(context.text)
    )
    scene.recorded[name] = read_tree(scene.workspace)


@given('I snapshot the workspace for plan "{plan:Q}" and decision "{decision:Q}" as "{name:Q}"')
@when('I snapshot the workspace for plan "{plan:Q}" and decision "{decision:Q}" as "{name:Q}"')
def snapshot_for_decision(context: Any, plan: str, decision: str, name: str) -> None:
    _snapshot(context, name, plan, decision)


@given('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}"')
@when('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}"')
def snapshot(context: Any, plan: str, name: str) -> None:
    _snapshot(context, name, plan)


@when('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}" with extra')
def snapshot_with_extra(context: Any, plan: str, name: str) -> None:
    _snapshot(context, name, plan)


@given('a "{kind:Q}" checkpoint for plan "{plan:Q}" and decision "{decision:Q}" as "{name:Q}"')
def manual_checkpoint(context: Any, kind: str, plan: str, decision: str, name: str) -> None:
    scene = world(context)
    scene.checkpoints[name] = scene.the_service.create_checkpoint(
        plan,
        "sandbox-of-" + plan,
        decision_id=decision,
        checkpoint_type=CheckpointType(kind),
        metadata=CheckpointMetadata(reason="scenario", extra={"step": name}),
        label=name,
    )


@then('checkpoint "{name:Q}" lists the changed paths "{paths:Q}"')
def lists_changed_paths(context: Any, name: str, paths: str) -> None:
    extra = named(world(context), name).metadata.extra
    assert list(extra["diff_paths"]) == paths_of(paths), extra["diff_paths"]


@then('checkpoint "{name:Q}" carries its diff metadata')
def carries_diff_metadata(context: Any, name: str) -> None:
    checkpoint = named(world(context), name)
    extra = checkpoint.metadata.extra
    assert extra["diff_based"] is True, extra
    for key in ("diff_hash", "tree_hash"):
        value = extra[key]
        assert isinstance(value, str) and len(value) == 64 and int(value, 16) >= 0, (key, value)
    assert extra["diff_base"] == checkpoint.parent_id, (extra["diff_base"], checkpoint.parent_id)


@then('checkpoint "{name:Q}" keeps the extra key "{key:Q}" equal to {value}')
def keeps_extra(context: Any, name: str, key: str, value: str) -> None:
    stored = named(world(context), name).metadata.extra[key]
    assert json.loads(json.dumps(stored)) == json.loads(value), stored


@then('checkpoint "{child:Q}" diffs against "{parent:Q}"')
def diffs_against(context: Any, child: str, parent: str) -> None:
    scene = world(context)
    checkpoint = named(scene, child)
    expected = named(scene, parent).checkpoint_id
    assert checkpoint.parent_id == expected, checkpoint.parent_id
    assert checkpoint.metadata.extra["diff_base"] == expected


@then('checkpoint "{name:Q}" has no parent')
def has_no_parent(context: Any, name: str) -> None:
    checkpoint = named(world(context), name)
    assert checkpoint.parent_id is None and checkpoint.metadata.extra["diff_base"] is None


@then('checkpoints "{first:Q}" and "{second:Q}" have {relation} diff hashes')
def compare_diff_hashes(context: Any, first: str, second: str, relation: str) -> None:
    scene = world(context)
    hashes = [named(scene, name).metadata.extra["diff_hash"] for name in (first, second)]
    assert relation in ("equal", "different"), relation
    assert (hashes[0] == hashes[1]) == (relation == "equal"), hashes


@then('checkpoints "{first:Q}" and "{second:Q}" have {relation} tree hashes')
def compare_tree_hashes(context: Any, first: str, second: str, relation: str) -> None:
    scene = world(context)
    hashes = [named(scene, name).tree_hash for name in (first, second)]
    assert relation in ("equal", "different"), relation
    assert (hashes[0] == hashes[1]) == (relation == "equal"), hashes


@then('checkpoint "{name:Q}" read back equals the one created')
def read_back_equal(context: Any, name: str) -> None:
    scene = world(context)
    created = named(scene, name)
    assert scene.the_service.get_checkpoint(created.checkpoint_id) == created


@then('a separate Python process reads checkpoint "{name:Q}" equal to the one created')
def read_back_in_other_process(context: Any, name: str) -> None:
    scene = world(context)
    created = named(scene, name)
    result = subprocess.run(
        [sys.executable, "-c", READ_BACK, scene.database_url, created.checkpoint_id],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert Checkpoint.model_validate_json(result.stdout) == created, result.stdout


@then('the diff from "{base}" to {target} is')
def diff_is(context: Any, base: str, target: str) -> None:
    scene = world(context)
    target_id = None if target == "the live workspace" else named(scene, target.strip('"'))
    manifest = scene.the_service.diff(
        named(scene, base).checkpoint_id,
        None if target_id is None else target_id.checkpoint_id,
    )
    actual = [(entry.path, entry.change.value) for entry in manifest.entries]
    expected = [(row["path"], row["change"]) for row in context.table]
    assert actual == expected, actual
    assert list(manifest.paths) == [path for path, _ in expected]


@then('the diff from "{base:Q}" to "{target:Q}" hashes to the diff hash of "{target2:Q}"')
def diff_hash_matches(context: Any, base: str, target: str, target2: str) -> None:
    scene = world(context)
    manifest = scene.the_service.diff(
        named(scene, base).checkpoint_id, named(scene, target).checkpoint_id
    )
    assert manifest.hash == named(scene, target2).metadata.extra["diff_hash"]


@then('checkpoint "{name:Q}" lists {count:d} changed paths')
def lists_count(context: Any, name: str, count: int) -> None:
    paths = named(world(context), name).metadata.extra["diff_paths"]
    assert len(paths) == count, paths


@then("the next snapshot of the workspace lists no change")
def next_snapshot_unchanged(context: Any) -> None:
    scene = world(context)
    plan = next(iter(scene.checkpoints.values())).plan_id
    checkpoint = scene.the_service.create_workspace_snapshot(plan, scene.workspace)
    assert list(checkpoint.metadata.extra["diff_paths"]) == [], checkpoint.metadata.extra


@then('checkpoint "{name:Q}" keeps the number {number} under "{key:Q}" as a float')
def keeps_float(context: Any, name: str, number: str, key: str) -> None:
    scene = world(context)
    stored = scene.the_service.get_checkpoint(named(scene, name).checkpoint_id)
    value = stored.metadata.extra[key]
    assert isinstance(value, float) and value == float(number), repr(value)


@then('checkpoint "{name:Q}" has "{parent:Q}" as its parent and lists no change')
def parent_and_no_change(context: Any, name: str, parent: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    assert checkpoint.parent_id == named(scene, parent).checkpoint_id, checkpoint
    assert checkpoint.metadata.extra["diff_paths"] == (), checkpoint.metadata.extra


@then('checkpoint "{name:Q}" records the workspace\'s real path')
def records_real_path(context: Any, name: str) -> None:
    scene = world(context)
    assert named(scene, name).sandbox_ref == os.path.realpath(scene.workspace)


@then('the next snapshot of the workspace succeeds, listing "{paths:Q}" among its changes')
def next_snapshot_lists(context: Any, paths: str) -> None:
    scene = world(context)
    checkpoint = scene.the_service.create_workspace_snapshot("plan-1", scene.workspace)
    listed = checkpoint.metadata.extra["diff_paths"]
    assert isinstance(listed, tuple) and set(paths_of(paths)) <= set(listed), checkpoint


@then('the next snapshot of the workspace lists "{path:Q}" as skipped')
def next_snapshot_skips(context: Any, path: str) -> None:
    scene = world(context)
    checkpoint = scene.the_service.create_workspace_snapshot("plan-1", scene.workspace)
    assert path in checkpoint.metadata.extra.get("skipped_paths", ()), checkpoint


@given('another workspace "{directory:Q}" snapshotted for plan "{plan:Q}" as "{name:Q}"')
def other_workspace(context: Any, directory: str, plan: str, name: str) -> None:
    scene = world(context)
    write_file(scene.directory / directory, "other.txt", "another workspace\n")
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(
        plan, scene.directory / directory
    )


@given('a checkpoint service on a SQLite database at "{path:Q}" in the workspace')
def service_in_workspace(context: Any, path: str) -> None:
    scene = world(context)
    open_service(scene, f"sqlite:///{scene.workspace / path}")


@when(
    'a second checkpoint service on a SQLite database at "{path:Q}" in the workspace '
    'snapshots it for plan "{plan:Q}"'
)
def second_store_snapshots(context: Any, path: str, plan: str) -> None:
    scene = world(context)
    scene.second_url = f"sqlite:///{scene.workspace / path}"
    with CheckpointService.open(scene.second_url) as service:
        service.create_workspace_snapshot(plan, scene.workspace)


@then("the second store still lists {count:d} checkpoint")
def second_store_lists(context: Any, count: int) -> None:
    with CheckpointService.open(world(context).second_url, create=False) as service:
        assert len(service.list_checkpoints()) == count
