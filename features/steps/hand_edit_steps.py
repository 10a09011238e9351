"""Steps about the edits a person made that an undo, a rollback or a restore keeps."""

from __future__ import annotations

from typing import Any

from behave import then, when
from support.world import world

from rewind import CheckpointType


@when("I undo the agent's last turn with force")
def undo_forced(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.undo(scene.workspace, force=True)


def _last_turn_start(scene: Any) -> str:
    """The id of the newest turn_start checkpoint of the scenario's workspace."""
    starts = scene.the_service.list_checkpoints(
        sandbox_ref=scene.workspace, checkpoint_type=CheckpointType.TURN_START, limit=1
    )
    return str(starts[0].checkpoint_id)


@when('I put back "{paths:Q}" from the start of the agent\'s last turn')
def put_back(context: Any, paths: str) -> None:
    scene = world(context)
    chosen = [path.strip() for path in paths.split(",")]
    scene.rollback = scene.the_service.restore_paths(_last_turn_start(scene), chosen)


@when('I put back "{paths:Q}" from the start of the agent\'s last turn with force')
def put_back_forced(context: Any, paths: str) -> None:
    scene = world(context)
    chosen = [path.strip() for path in paths.split(",")]
    start = _last_turn_start(scene)
    scene.rollback = scene.the_service.restore_paths(start, chosen, force=True)


@when("I roll back to the start of the agent's last turn")
def roll_back(context: Any) -> None:
    scene = world(context)
    scene.rollback = scene.the_service.rollback_to_checkpoint(_last_turn_start(scene))


@when("I roll back to the start of the agent's last turn as a dry run")
def roll_back_dry(context: Any) -> None:
    scene = world(context)
    start = _last_turn_start(scene)
    scene.rollback = scene.the_service.rollback_to_checkpoint(start, dry_run=True)


@then("it kept")
@then("it would keep")
def kept(context: Any) -> None:
    """Exactly these paths were kept as they were, for these reasons (and nothing else)."""
    result = world(context).the_rollback
    wanted = [(row["path"], row["reason"]) for row in context.table]
    found = [(kept.path, kept.reason.value) for kept in result.kept]
    assert found == wanted, result


@then("it kept nothing")
def kept_nothing(context: Any) -> None:
    result = world(context).the_rollback
    assert result.kept == (), result


@then('the dry run counts the lines "{counts:Q}"')
def dry_run_lines(context: Any, counts: str) -> None:
    """Each text file's lines gained and lost, as ``PATH +A -R``, by path."""
    result = world(context).the_rollback
    found = [f"{lines.path} +{lines.lines_added} -{lines.lines_removed}" for lines in result.lines]
    assert found == [count.strip() for count in counts.split(",")], result
