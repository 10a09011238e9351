"""Steps about what a rollback or restore_paths kept: paths its checkpoint ignored, git's."""

from __future__ import annotations

from typing import Any

from behave import then, when
from support.scenario import attempt
from support.trees import paths_of
from support.world import world

from rewind import KeepReason, KeptPath, RollbackResult


def _kept(result: RollbackResult, paths: str, reason: KeepReason) -> None:
    expected = tuple(KeptPath(path=path, reason=reason) for path in paths_of(paths))
    assert result.kept == expected, result.kept


@when("I try to roll back to the safety checkpoint of that rollback")
def try_undo(context: Any) -> None:
    scene = world(context)
    safety_id = scene.the_rollback.safety_checkpoint_id
    assert safety_id is not None, scene.the_rollback
    attempt(scene, lambda: scene.the_service.rollback_to_checkpoint(safety_id))


@then('the rollback kept "{paths:Q}" because "{name:Q}" ignores them')
def kept_ignored(context: Any, paths: str, name: str) -> None:
    result = world(context).the_rollback
    assert not result.dry_run, result
    _kept(result, paths, KeepReason.IGNORED)


@then('the rollback kept "{paths:Q}" because it is git\'s')
def kept_git(context: Any, paths: str) -> None:
    _kept(world(context).the_rollback, paths, KeepReason.GIT)


@then("the rollback kept nothing")
def kept_nothing(context: Any) -> None:
    result = world(context).the_rollback
    assert result.kept == (), result.kept


@then('the dry run keeps "{paths:Q}" because "{name:Q}" ignores them')
def dry_run_keeps_ignored(context: Any, paths: str, name: str) -> None:
    result = world(context).the_dry_run
    assert result.dry_run, result
    _kept(result, paths, KeepReason.IGNORED)
