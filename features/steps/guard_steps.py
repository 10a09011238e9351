"""Steps about guards around tool calls, and about naming triggers."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Callable
from typing import Any

from behave import then, when
from support.scenario import attempt
from support.trees import paths_of, read_tree, remove_tree, write_file
from support.world import World, world

import rewind
from rewind import AsyncCheckpointService, Checkpoint, OnError, Trigger


class ToolFailedError(Exception):
    """What a guarded tool raises in these scenarios."""


_BLOCK = re.compile(
    r'writes "(?P<first>[^"]*)" to "(?P<first_path>[^"]*)" and "(?P<second>[^"]*)" to '
    r'"(?P<second_path>[^"]*)"(?P<raises>, then raises)?$'
)


def _block(scene: World, text: str) -> Callable[[], None]:
    """The block a scenario describes: writes files, removes the workspace, maybe raises."""
    if text == "is interrupted by the user":

        def interrupted() -> None:
            raise KeyboardInterrupt

        return interrupted
    if text == "removes the workspace, then raises":

        def remove_then_raise() -> None:
            shutil.rmtree(scene.workspace)
            raise ToolFailedError("the tool failed")

        return remove_then_raise
    match = _BLOCK.match(text)
    assert match is not None, text

    def block() -> None:
        write_file(scene.workspace, match["first_path"], match["first"])
        write_file(scene.workspace, match["second_path"], match["second"])
        if match["raises"]:
            raise ToolFailedError("the tool failed")

    return block


def _guard_options(settings: str) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if "keeping the failed state" in settings:
        options["on_error"] = OnError.KEEP
    if found := re.search(r'with triggers "([^"]*)"', settings):
        options["triggers"] = found[1]
    return options


@when('{style} guard for plan "{plan:Q}" runs a block that {block}')
def guarded_block(context: Any, style: str, plan: str, block: str) -> None:
    _run_guarded(world(context), style, plan, "", block)


@when('{style} guard for plan "{plan:Q}" {settings} runs a block that {block}')
def guarded_block_with(context: Any, style: str, plan: str, settings: str, block: str) -> None:
    _run_guarded(world(context), style, plan, settings, block)


def _run_guarded(scene: World, style: str, plan: str, settings: str, block: str) -> None:
    assert style in ("a sync", "an async"), style
    scene.noted = read_tree(scene.workspace)
    options = _guard_options(settings)
    work = _block(scene, block)
    try:
        if style == "a sync":
            with scene.the_service.guard(plan, scene.workspace, **options) as guard:
                scene.guard = guard
                work()
        else:
            asyncio.run(_async_guarded(scene, plan, options, work))
    except (ToolFailedError, KeyboardInterrupt) as exc:
        scene.error = exc  # type: ignore[assignment]


async def _async_guarded(
    scene: World, plan: str, options: dict[str, Any], work: Callable[[], None]
) -> None:
    service = await AsyncCheckpointService.open(scene.database_url)
    async with service, service.guard(plan, scene.workspace, **options) as guard:
        scene.guard = guard
        work()


def _named_paths(checkpoint: Checkpoint) -> list[str]:
    return list(checkpoint.metadata.extra["diff_paths"])


@then('the guard\'s before snapshot is a "{kind:Q}" snapshot listing no file of the block')
def before_snapshot(context: Any, kind: str) -> None:
    guard = world(context).the_guard
    assert guard.before is not None and guard.before.checkpoint_type == kind, guard.before
    assert "new.txt" not in _named_paths(guard.before), guard.before


@then('the guard\'s after snapshot is a "{kind:Q}" snapshot listing "{paths:Q}"')
def after_snapshot(context: Any, kind: str, paths: str) -> None:
    guard = world(context).the_guard
    assert guard.after is not None and guard.after.checkpoint_type == kind, guard.after
    assert _named_paths(guard.after) == paths_of(paths), guard.after.metadata.extra


@then("the guard rolled nothing back")
def nothing_rolled_back(context: Any) -> None:
    guard = world(context).the_guard
    assert guard.rollback is None and guard.rollback_error is None, guard.rollback


@then("the guard took no after snapshot")
def no_after(context: Any) -> None:
    assert world(context).the_guard.after is None


@then("the guard took no before snapshot")
def no_before(context: Any) -> None:
    assert world(context).the_guard.before is None


@then("the block's own exception propagated")
def own_exception(context: Any) -> None:
    error = world(context).error
    assert isinstance(error, ToolFailedError) and str(error) == "the tool failed", repr(error)
    assert not getattr(error, "__notes__", None), error.__notes__


@then("the block's own exception propagated, with a note that the rollback failed")
def own_exception_noted(context: Any) -> None:
    scene = world(context)
    error = scene.error
    assert isinstance(error, ToolFailedError), repr(error)
    notes = getattr(error, "__notes__", [])
    guard = scene.the_guard
    assert guard.before is not None
    assert any(
        "could not roll back" in note and guard.before.checkpoint_id in note for note in notes
    ), notes


@then("the guard's rollback error is a {error_name}")
def rollback_error(context: Any, error_name: str) -> None:
    error = world(context).the_guard.rollback_error
    assert isinstance(error, getattr(rewind, error_name)), repr(error)


@then("the workspace is exactly as before the guard")
def as_before_guard(context: Any) -> None:
    scene = world(context)
    assert read_tree(scene.workspace) == scene.noted


@then(
    'the guard\'s error snapshot is an "{kind:Q}" snapshot holding "{first:Q}" in "{first_path:Q}" '
    'and "{second:Q}" in "{second_path:Q}"'
)
def error_snapshot(  # noqa: PLR0917 - behave passes each field of the step as an argument
    context: Any, kind: str, first: str, first_path: str, second: str, second_path: str
) -> None:
    scene = world(context)
    checkpoint = scene.the_guard.error_checkpoint
    assert checkpoint is not None and checkpoint.checkpoint_type == kind, checkpoint
    target = scene.directory / "error-state"
    scene.the_service.restore_into(checkpoint.checkpoint_id, target)
    assert (target / first_path).read_text() == first
    assert (target / second_path).read_text() == second
    remove_tree(target)


@then('the guard\'s rollback restored "{restored:Q}" and removed "{removed:Q}"')
def guard_rollback(context: Any, restored: str, removed: str) -> None:
    result = world(context).the_guard.rollback
    assert result is not None
    assert (list(result.restored), list(result.removed)) == (paths_of(restored), paths_of(removed))


@then('plan "{plan:Q}" has {count:d} checkpoint')
@then('plan "{plan:Q}" has {count:d} checkpoints')
def plan_count(context: Any, plan: str, count: int) -> None:
    found = world(context).the_service.list_checkpoints(plan)
    assert len(found) == count, found


@when('I try to make a guard for plan "{plan:Q}" with {setting}')
def bad_guard(context: Any, plan: str, setting: str) -> None:
    scene = world(context)
    options: dict[str, Any] = {}
    if found := re.match(r'triggers "([^"]*)"', setting):
        options["triggers"] = found[1]
    if setting.endswith(" and rolling back"):
        options["on_error"] = OnError.ROLLBACK
    if found := re.match(r'on_error "([^"]*)"', setting):
        options["on_error"] = found[1]

    def enter() -> None:
        with scene.the_service.guard(plan, scene.workspace, **options):
            raise AssertionError("the guard was entered")

    attempt(scene, enter, record_store=False)


def _trigger_names(text: str) -> str | list[str]:
    if text.startswith("the list "):
        return re.findall(r'"([^"]*)"', text)
    found = re.fullmatch(r'"([^"]*)"', text)
    assert found is not None, text
    return found[1]


@then('the triggers {names} parse as "{parsed:Q}"')
def triggers_parse(context: Any, names: str, parsed: str) -> None:
    triggers = Trigger.parse(_trigger_names(names))
    assert sorted(trigger.value for trigger in triggers) == paths_of(parsed), triggers


@when('I try to parse the triggers "{names:Q}"')
def bad_triggers(context: Any, names: str) -> None:
    attempt(world(context), lambda: Trigger.parse(names), record_store=False)


@then("the error lists every trigger name")
def lists_trigger_names(context: Any) -> None:
    message = str(world(context).error)
    assert all(trigger.value in message for trigger in Trigger), message


@then("the interruption propagated")
def interrupted(context: Any) -> None:
    assert isinstance(world(context).error, KeyboardInterrupt), world(context).error


@then('the guard takes the triggers "{names:Q}"')
def guard_triggers(context: Any, names: str) -> None:
    triggers = world(context).the_guard.triggers
    assert sorted(trigger.value for trigger in triggers) == sorted(paths_of(names)), triggers
