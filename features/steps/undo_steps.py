"""Steps about undoing an agent's turns and redoing them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from behave import then, when
from support.world import world


@when("I undo the agent's last turn")
def undo_last(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.undo(scene.workspace)


@when("I undo the agent's last {count:d} turns")
def undo_many(context: Any, count: int) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.undo(scene.workspace, turns=count)


@when('I undo the agent\'s turns to "{name:Q}"')
def undo_to(context: Any, name: str) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.undo(scene.workspace, to=name)


@when("I undo the agent's last turn as a dry run")
def undo_dry(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.undo(scene.workspace, dry_run=True)


@when("I redo")
def redo(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.redo(scene.workspace)


@when("I redo as a dry run")
def redo_dry(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.redo(scene.workspace, dry_run=True)


@then("the workspace holds")
def workspace_holds(context: Any) -> None:
    """Exactly these files, with this content."""
    scene = world(context)
    wanted = {row["path"]: row["content"].encode() for row in context.table}
    found: dict[str, bytes] = {}
    for directory, _, names in os.walk(scene.workspace):
        for name in names:
            path = Path(directory, name)
            found[path.relative_to(scene.workspace).as_posix()] = path.read_bytes()
    assert found == wanted, found


@then('the undo restored "{restored:Q}" and removed "{removed:Q}"')
def undo_did(context: Any, restored: str, removed: str) -> None:
    result = world(context).the_rollback
    assert list(result.restored) == [p for p in restored.split(",") if p], result
    assert list(result.removed) == [p for p in removed.split(",") if p], result


@then('undoing 1 more turn fails saying "{text:Q}"')
def undo_fails(context: Any, text: str) -> None:
    scene = world(context)
    try:
        scene.the_service.undo(scene.workspace)
    except Exception as exc:  # the error's text is what is checked
        assert text in str(exc), exc
    else:
        raise AssertionError("the undo did not fail")


@then('redoing fails saying "{text:Q}"')
def redo_fails(context: Any, text: str) -> None:
    scene = world(context)
    try:
        scene.the_service.redo(scene.workspace)
    except Exception as exc:  # the error's text is what is checked
        assert text in str(exc), exc
    else:
        raise AssertionError("the redo did not fail")
