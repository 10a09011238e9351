"""Steps about bad input: each gets a clear rewind error and changes nothing."""

from __future__ import annotations

import contextlib
import copy
import math
import os
import pickle
from datetime import UTC, datetime
from typing import Any

from behave import then, when
from support.faults import unprivileged
from support.scenario import attempt, expand, named, store_contents
from support.world import world

import rewind
from rewind import CheckpointService

NOT_JSON: dict[str, Any] = {
    "a set": {1, 2},
    "bytes": b"raw",
    "an object": object(),
    "NaN": math.nan,
    "a non-string key": {1: "one"},
}


@when('I try to snapshot the path "{path:Q}" for plan "{plan:Q}"')
def try_snapshot_path(context: Any, path: str, plan: str) -> None:
    scene = world(context)
    target = scene.directory / path
    attempt(scene, lambda: scene.the_service.create_workspace_snapshot(plan, target))


@when('I try to snapshot the workspace for plan "{plan:Q}"')
def try_snapshot(context: Any, plan: str) -> None:
    scene = world(context)
    attempt(scene, lambda: scene.the_service.create_workspace_snapshot(plan, scene.workspace))


@when('I try to snapshot the workspace for plan "{plan:Q}" and decision "{decision:Q}"')
def try_snapshot_ids(context: Any, plan: str, decision: str) -> None:
    scene = world(context)
    plan, decision = (
        "x" * 300 if value == "300 x letters" else value for value in (plan, decision)
    )
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(plan, scene.workspace, decision),
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" without checking the store')
def try_snapshot_blind(context: Any, plan: str) -> None:
    scene = world(context)
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(plan, scene.workspace),
        record_store=False,
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" as an unprivileged user')
def try_snapshot_unprivileged(context: Any, plan: str) -> None:
    scene = world(context)

    def snapshot() -> None:
        with unprivileged(scene.directory):
            scene.the_service.create_workspace_snapshot(plan, scene.workspace)

    attempt(scene, snapshot)


@when('I try to snapshot the workspace for plan "{plan:Q}" with {value} in extra key "{key:Q}"')
def try_snapshot_not_json(context: Any, plan: str, value: str, key: str) -> None:
    scene = world(context)
    extra = {"fine": [1, 2], key: NOT_JSON[value]}
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(plan, scene.workspace, extra=extra),
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" with the reserved extra key "{key:Q}"')
def try_snapshot_reserved(context: Any, plan: str, key: str) -> None:
    scene = world(context)
    extra = {key: "mine"}
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(plan, scene.workspace, extra=extra),
    )


@when('I try to create a checkpoint for plan "{plan:Q}" with label of {length:d} characters')
def try_long_label(context: Any, plan: str, length: int) -> None:
    scene = world(context)
    label = "x" * length
    attempt(scene, lambda: scene.the_service.create_checkpoint(plan, "sandbox", label=label))


@when('I try to create a checkpoint for plan "{plan:Q}" with the metadata field "{field:Q}"')
def try_unknown_metadata_field(context: Any, plan: str, field: str) -> None:
    scene = world(context)
    metadata = {"reason": "fine", field: "red"}
    attempt(scene, lambda: scene.the_service.create_checkpoint(plan, "sandbox", metadata=metadata))


@when("I try to list checkpoints before a moment without a time zone")
def try_list_naive(context: Any) -> None:
    scene = world(context)
    moment = datetime(2030, 1, 1)  # naive on purpose
    attempt(scene, lambda: scene.the_service.list_checkpoints(before=moment))


@when('I try to create a checkpoint for plan "{plan:Q}" of type "{kind:Q}"')
def try_unknown_type(context: Any, plan: str, kind: str) -> None:
    scene = world(context)
    unknown: Any = kind  # on purpose: not a CheckpointType
    attempt(
        scene,
        lambda: scene.the_service.create_checkpoint(plan, "sandbox", checkpoint_type=unknown),
    )


@when('I try to get checkpoint "{checkpoint_id:Q}"')
def try_get(context: Any, checkpoint_id: str) -> None:
    scene = world(context)
    checkpoint_id = expand(scene, checkpoint_id)
    attempt(scene, lambda: scene.the_service.get_checkpoint(checkpoint_id), record_store=False)


@when('I try to diff checkpoint "{name:Q}" with the live workspace')
def try_diff_live(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    attempt(scene, lambda: scene.the_service.diff(checkpoint_id), record_store=False)


@when("I try to list checkpoints with {keyword} {value}")
def try_list(context: Any, keyword: str, value: str) -> None:
    scene = world(context)
    text = unescaped(value.strip('"'))
    arguments: dict[str, Any] = {keyword: int(text) if keyword == "limit" else text}
    attempt(scene, lambda: scene.the_service.list_checkpoints(**arguments))


@when('I try to open the database "{url:Q}"')
def try_open(context: Any, url: str) -> None:
    scene = world(context)
    url = unescaped(expand(scene, url))
    with contextlib.chdir(scene.directory):  # a URL that is a plain path is a file there
        attempt(scene, lambda: CheckpointService.open(url), record_store=False)


def unescaped(text: str) -> str:
    """A scenario's text with Python escapes (``\\udcff``, ``\\x00``) turned into characters."""
    return text.encode("ascii").decode("unicode_escape") if "\\" in text else text


@when(
    'I try to snapshot the workspace path with the undecodable byte "{byte:Q}" for plan "{plan:Q}"'
)
def try_snapshot_undecodable(context: Any, byte: str, plan: str) -> None:
    scene = world(context)
    name = b"workspace-" + unescaped(byte).encode("latin-1")
    path = os.fsencode(scene.directory) + b"/" + name
    os.mkdir(path)
    attempt(scene, lambda: scene.the_service.create_workspace_snapshot(plan, os.fsdecode(path)))


@then("verifying the store finds no problem")
def verify_clean_store(context: Any) -> None:
    report = world(context).the_service.verify()
    assert report.ok, report


@then('it fails with {error_name} naming "{culprit:Q}"')
def fails_with(context: Any, error_name: str, culprit: str) -> None:
    scene = world(context)
    error = scene.error
    expected = getattr(rewind, error_name)
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert isinstance(error, rewind.RewindError)
    assert expand(scene, culprit) in str(error), str(error)


@then("the store is unchanged")
def store_unchanged(context: Any) -> None:
    scene = world(context)
    assert store_contents(scene) == scene.store_before


@then("the failure was caused by {error_name}")
def caused_by(context: Any, error_name: str) -> None:
    error = world(context).error
    assert error is not None
    assert isinstance(error.__cause__, getattr(rewind, error_name)), repr(error.__cause__)


@then('the failed rollback to "{name:Q}" was undone, through its safety checkpoint')
def rollback_undone(context: Any, name: str) -> None:
    scene = world(context)
    error = scene.error
    assert isinstance(error, rewind.RollbackFailedError), repr(error)
    assert error.undone is True, error
    assert error.checkpoint_id == named(scene, name).checkpoint_id, error
    safety = scene.the_service.get_checkpoint(error.safety_checkpoint_id)
    assert safety.checkpoint_type is rewind.CheckpointType.SAFETY, safety


@then("the error says that retrying may help")
def retryable(context: Any) -> None:
    error = world(context).error
    assert isinstance(error, rewind.RewindError) and error.retryable, repr(error)


@when('I try to snapshot the workspace for plan "{plan:Q}" with extra nested {depth:d} levels deep')
def try_snapshot_nested(context: Any, plan: str, depth: int) -> None:
    scene = world(context)
    nested: Any = "bottom"
    for _ in range(depth):
        nested = {"deeper": nested}
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(
            plan, scene.workspace, extra={"nested": nested}
        ),
    )


@when('I try to snapshot a workspace path of {length:d} characters for plan "{plan:Q}"')
def try_snapshot_long_path(context: Any, length: int, plan: str) -> None:
    scene = world(context)
    path = str(scene.directory / ("x" * (length - len(str(scene.directory)) - 1)))
    attempt(scene, lambda: scene.the_service.create_workspace_snapshot(plan, path))


@when('I try to restore "{name:Q}" into a directory path of {length:d} characters')
def try_restore_long_path(context: Any, name: str, length: int) -> None:
    scene = world(context)
    path = str(scene.directory / ("y" * (length - len(str(scene.directory)) - 1)))
    checkpoint_id = named(scene, name).checkpoint_id
    attempt(scene, lambda: scene.the_service.restore_into(checkpoint_id, path))


@when('I try to create a checkpoint for plan "{plan:Q}" with the metadata "{text:Q}"')
def try_metadata_text(context: Any, plan: str, text: str) -> None:
    scene = world(context)
    metadata: Any = text
    attempt(scene, lambda: scene.the_service.create_checkpoint(plan, "x", metadata=metadata))


@when('I try to snapshot the workspace None for plan "{plan:Q}"')
def try_snapshot_none(context: Any, plan: str) -> None:
    scene = world(context)
    workspace: Any = None
    attempt(scene, lambda: scene.the_service.create_workspace_snapshot(plan, workspace))


@when("I try to restore the first snapshot into a path holding a NUL")
def try_restore_nul(context: Any) -> None:
    scene = world(context)
    checkpoint_id = named(scene, "first").checkpoint_id
    target = f"{scene.directory}/a\0b"
    attempt(scene, lambda: scene.the_service.restore_into(checkpoint_id, target))


@when("I try to open the existing database at a path of {length:d} characters")
def try_open_long(context: Any, length: int) -> None:
    scene = world(context)
    url = "sqlite:///" + str(scene.directory) + "/" + "a/" * (length // 2)
    attempt(scene, lambda: CheckpointService.open(url, create=False), record_store=False)


@when("I list checkpoints before {day}")
def list_before(context: Any, day: str) -> None:
    scene = world(context)
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    scene.listing = scene.the_service.list_checkpoints(before=moment)


@then("the listing is empty")
def listing_empty(context: Any) -> None:
    assert world(context).listing == []


@when("I try to validate a Checkpoint from an empty mapping")
def try_validate_empty(context: Any) -> None:
    attempt(world(context), lambda: rewind.Checkpoint.model_validate({}), record_store=False)


@then('the error says "{text:Q}" once')
def error_says_once(context: Any, text: str) -> None:
    message = str(world(context).error)
    assert message.count(text) == 1, message


@then("the error comes back equal from pickle and from copy, its data included")
def error_pickles(context: Any) -> None:
    error = world(context).error
    for twin in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(twin) is type(error) and str(twin) == str(error), twin
        assert vars(twin) == vars(error), (vars(twin), vars(error))
