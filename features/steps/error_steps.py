"""Steps about bad input: each gets a clear rewind error and changes nothing."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from behave import then, when
from support.faults import unprivileged
from support.scenario import attempt, expand, named, store_contents

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
    target = context.directory / path
    attempt(context, lambda: context.service.create_workspace_snapshot(plan, target))


@when('I try to snapshot the workspace for plan "{plan:Q}"')
def try_snapshot(context: Any, plan: str) -> None:
    attempt(context, lambda: context.service.create_workspace_snapshot(plan, context.workspace))


@when('I try to snapshot the workspace for plan "{plan:Q}" and decision "{decision:Q}"')
def try_snapshot_ids(context: Any, plan: str, decision: str) -> None:
    plan, decision = (
        "x" * 300 if value == "300 x letters" else value for value in (plan, decision)
    )
    attempt(
        context,
        lambda: context.service.create_workspace_snapshot(plan, context.workspace, decision),
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" without checking the store')
def try_snapshot_blind(context: Any, plan: str) -> None:
    attempt(
        context,
        lambda: context.service.create_workspace_snapshot(plan, context.workspace),
        record_store=False,
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" as an unprivileged user')
def try_snapshot_unprivileged(context: Any, plan: str) -> None:
    def snapshot() -> None:
        with unprivileged(context.directory):
            context.service.create_workspace_snapshot(plan, context.workspace)

    attempt(context, snapshot)


@when('I try to snapshot the workspace for plan "{plan:Q}" with {value} in extra key "{key:Q}"')
def try_snapshot_not_json(context: Any, plan: str, value: str, key: str) -> None:
    extra = {"fine": [1, 2], key: NOT_JSON[value]}
    attempt(
        context,
        lambda: context.service.create_workspace_snapshot(plan, context.workspace, extra=extra),
    )


@when('I try to snapshot the workspace for plan "{plan:Q}" with the reserved extra key "{key:Q}"')
def try_snapshot_reserved(context: Any, plan: str, key: str) -> None:
    extra = {key: "mine"}
    attempt(
        context,
        lambda: context.service.create_workspace_snapshot(plan, context.workspace, extra=extra),
    )


@when('I try to create a checkpoint for plan "{plan:Q}" with label of {length:d} characters')
def try_long_label(context: Any, plan: str, length: int) -> None:
    label = "x" * length
    attempt(context, lambda: context.service.create_checkpoint(plan, "sandbox", label=label))


@when('I try to create a checkpoint for plan "{plan:Q}" with the metadata field "{field:Q}"')
def try_unknown_metadata_field(context: Any, plan: str, field: str) -> None:
    metadata = {"reason": "fine", field: "red"}
    attempt(context, lambda: context.service.create_checkpoint(plan, "sandbox", metadata=metadata))


@when("I try to list checkpoints before a moment without a time zone")
def try_list_naive(context: Any) -> None:
    moment = datetime(2030, 1, 1)  # naive on purpose
    attempt(context, lambda: context.service.list_checkpoints(before=moment))


@when('I try to create a checkpoint for plan "{plan:Q}" of type "{kind:Q}"')
def try_unknown_type(context: Any, plan: str, kind: str) -> None:
    attempt(
        context,
        lambda: context.service.create_checkpoint(plan, "sandbox", checkpoint_type=kind),
    )


@when('I try to get checkpoint "{checkpoint_id:Q}"')
def try_get(context: Any, checkpoint_id: str) -> None:
    checkpoint_id = expand(context, checkpoint_id)
    attempt(context, lambda: context.service.get_checkpoint(checkpoint_id), record_store=False)


@when('I try to diff checkpoint "{name:Q}" with the live workspace')
def try_diff_live(context: Any, name: str) -> None:
    checkpoint_id = named(context, name).checkpoint_id
    attempt(context, lambda: context.service.diff(checkpoint_id), record_store=False)


@when("I try to list checkpoints with {keyword} {value}")
def try_list(context: Any, keyword: str, value: str) -> None:
    arguments = {keyword: int(value) if keyword == "limit" else value.strip('"')}
    attempt(context, lambda: context.service.list_checkpoints(**arguments))


@when('I try to open the database "{url:Q}"')
def try_open(context: Any, url: str) -> None:
    attempt(context, lambda: CheckpointService.open(expand(context, url)), record_store=False)


@then('it fails with {error_name} naming "{culprit:Q}"')
def fails_with(context: Any, error_name: str, culprit: str) -> None:
    error = context.error
    expected = getattr(rewind, error_name)
    assert isinstance(error, expected), f"{type(error).__name__}: {error}"
    assert isinstance(error, rewind.RewindError)
    assert expand(context, culprit) in str(error), str(error)


@then("the store is unchanged")
def store_unchanged(context: Any) -> None:
    assert store_contents(context) == context.store_before
