"""Steps that forge a stored path no file system can hold (a NUL), and expect it refused."""

from __future__ import annotations

from typing import Any

import psycopg
from behave import given, then, when
from support.databases import reseal, tamper_raw
from support.scenario import named, store_contents
from support.trees import documented_tree_hash, read_tree
from support.world import World, world

from rewind import UnsafePathError

RENAME = "UPDATE checkpoint_changes SET path = ? WHERE checkpoint_id = ? AND path = ?"


def _unescaped(text: str) -> str:
    """The scenario's ``\\x00`` as the character it stands for."""
    return text.encode("ascii").decode("unicode_escape")


@given(
    'someone who recomputes the hashes renames "{path:Q}" in "{name:Q}" to "{hostile:Q}", '
    "if the database can hold it"
)
def forge_nul_path(context: Any, path: str, name: str, hostile: str) -> None:
    scene = world(context)
    forged = _unescaped(hostile)
    assert "\0" in forged, hostile
    checkpoint = named(scene, name)
    if scene.backend == "postgres":
        _require_refused(scene, forged, path, checkpoint.checkpoint_id)
        return
    tamper_raw(scene.database_url, RENAME, forged, checkpoint.checkpoint_id, path)
    files = dict(scene.recorded[name][0])
    files[forged] = files.pop(path)
    reseal(scene.database_url, checkpoint, documented_tree_hash(files))
    scene.hostile_path = forged


def _require_refused(scene: World, forged: str, path: str, checkpoint_id: str) -> None:
    """PostgreSQL's text holds no NUL: as a parameter or written in SQL, it is refused."""
    literal = "E'" + forged.replace("\0", "\\000") + "'"
    for statement, parameters in (
        (RENAME, (forged, checkpoint_id, path)),
        (RENAME.replace("SET path = ?", f"SET path = {literal}"), (checkpoint_id, path)),
    ):
        try:
            tamper_raw(scene.database_url, statement, *parameters)
        except psycopg.DataError:
            continue
        raise AssertionError(f"PostgreSQL stored the path {forged!r}")


@when(
    'I roll back to "{name:Q}", restore "{other:Q}" into the directory "{copy:Q}" '
    'and verify "{third:Q}"'
)
def refuse_three_ways(context: Any, name: str, other: str, copy: str, third: str) -> None:
    scene = world(context)
    assert name == other == third, "one checkpoint, three ways"
    checkpoint_id = named(scene, name).checkpoint_id
    scene.noted = read_tree(scene.workspace)
    scene.store_before = store_contents(scene)
    service = scene.the_service
    outcomes: list[object] = []
    forged = scene.backend != "postgres"  # PostgreSQL refused the forged path: changes nothing
    for action in (
        lambda: service.rollback_to_checkpoint(checkpoint_id, dry_run=not forged),
        lambda: service.restore_into(checkpoint_id, scene.directory / copy) if forged else None,
        lambda: service.verify(checkpoint_id),
    ):
        try:
            outcomes.append(action())
        except Exception as exc:  # kept for the Then step, whatever it is
            outcomes.append(exc)
    context.nul_outcomes = outcomes


@then('each refused the stored path "{hostile:Q}" with UnsafePathError, naming it')
def each_refused(context: Any, hostile: str) -> None:
    scene = world(context)
    rollback, restore, verified = context.nul_outcomes
    if scene.backend == "postgres":  # nothing could be forged: the checkpoint is intact
        assert getattr(rollback, "dry_run", False), rollback
        assert restore is None, restore
        assert getattr(verified, "ok", False), verified
        return
    forged = _unescaped(hostile)
    for outcome in (rollback, restore):
        assert isinstance(outcome, UnsafePathError), f"{type(outcome).__name__}: {outcome}"
        assert outcome.path == forged, outcome.path
        assert hostile in str(outcome), str(outcome)
    assert not isinstance(verified, Exception), verified
    assert not getattr(verified, "ok", True), verified
    problems = "\n".join(str(problem) for problem in getattr(verified, "problems", ()))
    assert hostile in problems, problems
