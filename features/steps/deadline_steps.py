"""Steps about snapshots with a deadline: stored before it, or not at all."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from behave import given, when
from support.scenario import attempt
from support.trees import read_tree
from support.world import world

from rewind import CheckpointService
from rewind.storage import open_store

_DEADLINES = {
    "a minute ago": lambda now: now - timedelta(minutes=1),
    "an hour from now": lambda now: now + timedelta(hours=1),
    "without a time zone": lambda now: now.replace(tzinfo=None),
}


@given("a checkpoint service whose clock moves on a second at each reading")
def ticking_service(context: Any) -> None:
    """An injected clock: each reading is a second after the last, so time passes in steps."""
    start = datetime.now(UTC)
    ticks = itertools.count()
    context.clock_start = start
    context.clock_ticks = ticks
    scene = world(context)
    clock = lambda: start + timedelta(seconds=next(ticks))  # noqa: E731 - a one-line seam
    scene.keep_service(CheckpointService(open_store(scene.database_url), clock=clock))


@when('I try to snapshot the workspace for plan "{plan:Q}" with a deadline {when_}')
def try_snapshot_with_deadline(context: Any, plan: str, when_: str) -> None:
    scene = world(context)
    if when_ == "half a second after the clock's next reading":
        next_reading = context.clock_start + timedelta(seconds=next(context.clock_ticks) + 1)
        deadline = next_reading + timedelta(milliseconds=500)
    else:
        deadline = _DEADLINES[when_](datetime.now(UTC))
    service = scene.the_service
    attempt(
        scene, lambda: service.create_workspace_snapshot(plan, scene.workspace, deadline=deadline)
    )


@when('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}", with a deadline {when_}')
def snapshot_with_deadline(context: Any, plan: str, name: str, when_: str) -> None:
    scene = world(context)
    deadline = _DEADLINES[when_](datetime.now(UTC))
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(
        plan, scene.workspace, deadline=deadline
    )
    scene.recorded[name] = read_tree(scene.workspace)
