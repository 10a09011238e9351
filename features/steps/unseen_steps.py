"""Steps about changes a rollback's scan did not see: made after it, or unseen by a watch."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from behave import then, when
from support.scenario import named
from support.world import World, world

import rewind._ops.rollback

SEAM = "plan_rollback"
"""Where a rollback, its scan done, plans what to write: a program writing then is unseen."""


def _after_the_scan(change: Callable[[], None], act: Callable[[], Any]) -> Any:
    """Run ``act`` (a rollback) while another program makes ``change`` after its scan."""
    original = vars(rewind._ops.rollback)[SEAM]
    changed = threading.Event()

    def change_then_plan(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("rescan") is not None and not changed.is_set():  # not a dry run's
            changed.set()
            change()
        return original(*args, **kwargs)

    setattr(rewind._ops.rollback, SEAM, change_then_plan)
    try:
        result = act()
    finally:
        setattr(rewind._ops.rollback, SEAM, original)
    assert changed.is_set(), "the rollback never planned"
    return result


def _write_in_place(scene: World, path: str, content: str) -> Callable[[], None]:
    def write() -> None:
        with (scene.workspace / path).open("r+b") as file:  # the same file, as mmap would
            file.write(content.encode())
            file.truncate()

    return write


def _delete(scene: World, path: str) -> Callable[[], None]:
    return lambda: shutil.rmtree(scene.workspace / path)


@when(
    'I roll back to "{name:Q}" while another program writes "{content:Q}" to "{path:Q}" once '
    "it was scanned"
)
def roll_back_with_a_late_write(context: Any, name: str, content: str, path: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.rollback = _after_the_scan(
        _write_in_place(scene, path, content),
        lambda: scene.the_service.rollback_to_checkpoint(checkpoint_id),
    )


@when('I roll back to "{name:Q}" while another program deletes "{path:Q}" once it was scanned')
def roll_back_with_a_late_deletion(context: Any, name: str, path: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.rollback = _after_the_scan(
        _delete(scene, path), lambda: scene.the_service.rollback_to_checkpoint(checkpoint_id)
    )


@when(
    'I restore "{paths:Q}" of "{name:Q}" while another program writes "{content:Q}" to '
    '"{path:Q}" once it was scanned'
)
def restore_with_a_late_write(context: Any, paths: str, name: str, content: str, path: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    scene.rollback = _after_the_scan(
        _write_in_place(scene, path, content),
        lambda: scene.the_service.restore_paths(checkpoint_id, paths.split(", ")),
    )


@then('there is no "{path:Q}" in the workspace')
def nothing_there(context: Any, path: str) -> None:
    assert not Path(world(context).workspace, path).exists()
