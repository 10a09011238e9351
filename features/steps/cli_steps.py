"""Steps that drive the ``rewind`` command line through its installed entry point.

Commands run in a subprocess with ``$REWIND_DATABASE_URL`` set to the scenario's database.
Besides the placeholders of ``support.scenario.expand``, a command line may name the ids of
the snapshots the command made (``support.command_ids.expand_ids``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.command_ids import ULID, expand_ids
from support.scenario import expand
from support.world import World, world

from rewind import Checkpoint, CheckpointService

DATABASE_VARIABLE = "REWIND_DATABASE_URL"
ENVELOPE_KEYS = {"command", "status", "exit_code", "data", "timing"}


@given('a symlink at "{name:Q}" beside the workspace pointing to it')
def symlink_to_workspace(context: Any, name: str) -> None:
    scene = world(context)
    (scene.directory / name).symlink_to(scene.workspace, target_is_directory=True)


@given('the workspace file "{path:Q}" holds the bytes "{escaped:Q}"')
@when('the workspace file "{path:Q}" holds the bytes "{escaped:Q}"')
def workspace_bytes(context: Any, path: str, escaped: str) -> None:
    """Write ``escaped`` (Python escapes such as ``\\n`` and ``\\x00``) as bytes."""
    file = world(context).workspace / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(escaped.encode("latin-1").decode("unicode_escape").encode("latin-1"))


@given('{count:d} checkpoints without files of the directory "{name:Q}" for plan "{plan:Q}"')
def many_checkpoints(context: Any, count: int, name: str, plan: str) -> None:
    scene = world(context)
    for _ in range(count):
        scene.the_service.create_checkpoint(plan, str(scene.directory / name))


@given('the workspace is snapshotted for plan "{plan:Q}" through the API')
@when('the workspace is snapshotted for plan "{plan:Q}" through the API')
def snapshot_through_api(context: Any, plan: str) -> None:
    """Set a scene up in process: as ``rewind snapshot`` would, without a process's cost."""
    _snapshot_through_api(world(context), plan, None)


@given('the workspace is snapshotted for plan "{plan:Q}" through the API, labelled "{label:Q}"')
@when('the workspace is snapshotted for plan "{plan:Q}" through the API, labelled "{label:Q}"')
def snapshot_through_api_labelled(context: Any, plan: str, label: str) -> None:
    _snapshot_through_api(world(context), plan, label)


def _snapshot_through_api(scene: World, plan: str, label: str | None) -> None:
    with CheckpointService.open(scene.database_url) as service:
        checkpoint = service.create_workspace_snapshot(plan, scene.workspace, label=label)
    scene.last_id = checkpoint.checkpoint_id
    scene.first_id = scene.first_id or scene.last_id


@when('I run "{command:Q}"')
def run_command(context: Any, command: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    _run(scene, command, environment, scene.directory)


@when('I run "{command:Q}" at a terminal')
def run_at_terminal(context: Any, command: str) -> None:
    """Run the command with a pseudo-terminal as its stdin, stdout and stderr."""
    _run_at_terminal(world(context), command, {"COLUMNS": "200"})


@when('I run "{command:Q}" at a terminal {columns:d} columns wide and {lines:d} lines high')
def run_at_sized_terminal(context: Any, command: str, columns: int, lines: int) -> None:
    _run_at_terminal(world(context), command, {"COLUMNS": str(columns), "LINES": str(lines)})


@when(
    'I run "{command:Q}" at a terminal {columns:d} columns wide and {lines:d} lines high, '
    'with "{name}" set to "{value:Q}"'
)
def run_at_terminal_with(
    context: Any, *, command: str, columns: int, lines: int, name: str, value: str
) -> None:
    scene = world(context)
    extra = {"COLUMNS": str(columns), "LINES": str(lines), name: expand(scene, value)}
    _run_at_terminal(scene, command, extra)


def _run_at_terminal(scene: World, command: str, extra: dict[str, str]) -> None:
    """Run the command at a pseudo-terminal; its pager is ``cat`` unless ``extra`` says."""
    arguments = shlex.split(expand(scene, expand_ids(scene, command)))
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url, "PAGER": "cat"}
    environment.pop("NO_COLOR", None)
    environment.update(extra)
    controller, terminal = os.openpty()
    try:
        child = subprocess.Popen(
            arguments,
            stdin=terminal,
            stdout=terminal,
            stderr=terminal,
            env=environment,
            cwd=scene.directory,
        )
    finally:
        os.close(terminal)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closes with the child's last descriptor (EIO)
            break
        if not chunk:
            break
        shown += chunk
    os.close(controller)
    returncode = child.wait()
    scene.result = subprocess.CompletedProcess(
        arguments, returncode, shown.decode("utf-8", "replace"), ""
    )


@when('I run "{command:Q}" with "{name}" set to "{value:Q}"')
def run_command_with_variable(context: Any, command: str, name: str, value: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    environment[name] = expand(scene, value)
    _run(scene, command, environment, scene.directory)


@when('I run "{command:Q}" in the workspace without a database setting')
def run_command_with_defaults(context: Any, command: str) -> None:
    scene = world(context)
    environment = {key: value for key, value in os.environ.items() if key != DATABASE_VARIABLE}
    _run(scene, command, environment, scene.workspace)


@when('I run "{command:Q}" in the workspace\'s directory "{path:Q}"')
def run_command_inside(context: Any, command: str, path: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    _run(scene, command, environment, scene.workspace / path)


@when('I run "{command:Q}" answering "{answer:Q}"')
def run_command_answering(context: Any, command: str, answer: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    _run(scene, command, environment, scene.directory, answer=f"{answer}\n")


def _run(
    scene: World,
    command: str,
    environment: dict[str, str],
    directory: Path,
    answer: str | None = None,
) -> None:
    arguments = shlex.split(expand(scene, expand_ids(scene, command)))
    if arguments[0] == "python":
        arguments[0] = sys.executable
    result = subprocess.run(
        arguments,
        capture_output=True,
        text=True,
        env=environment,
        cwd=directory,
        input=answer,
        check=False,
    )
    scene.result = result
    snapshotted = "snapshot" in arguments and "--help" not in arguments
    if result.returncode == 0 and arguments[0] == "rewind" and snapshotted:
        scene.last_id = _snapshot_id(result.stdout)
        scene.first_id = scene.first_id or scene.last_id


def _snapshot_id(stdout: str) -> str:
    """The id a successful ``rewind snapshot`` printed, as text or in its JSON envelope."""
    if stdout.startswith("{"):
        checkpoint_id: str = json.loads(stdout)["data"]["checkpoint"]["checkpoint_id"]
        return checkpoint_id
    first_line = stdout.splitlines()[0]
    assert ULID.match(first_line), stdout
    return first_line


def _envelope(scene: World) -> dict[str, Any]:
    """The one JSON document the last command printed."""
    stdout = scene.the_result.stdout
    assert stdout.count("\n") == 1 and stdout.endswith("\n"), stdout
    document: dict[str, Any] = json.loads(stdout)
    return document


def _member(document: Any, path: str) -> Any:
    """``data.checkpoints.0.label``: the member at a dotted path (numbers index lists)."""
    for key in path.split("."):
        document = document[int(key)] if isinstance(document, list) else document[key]
    return document


@then('the file "{name:Q}" beside the workspace holds "{content:Q}"')
def file_beside_holds(context: Any, name: str, content: str) -> None:
    assert (world(context).directory / name).read_text(encoding="utf-8") == content


@then("it prints a new checkpoint id, then the lines")
def prints_id_then(context: Any) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert ULID.match(first), first
    assert rest == expand(scene, context.text).splitlines(), rest


@then("it prints the lines")
def prints_lines(context: Any) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    expected = expand(scene, expand_ids(scene, context.text)).splitlines()
    assert result.stdout.splitlines() == expected, (result.stdout.splitlines(), expected)


@then('the output has {count:d} lines, each with "{text:Q}"')
def output_lines(context: Any, count: int, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    wanted = expand(scene, expand_ids(scene, text))
    assert len(lines) == count and all(wanted in line for line in lines), lines


@then('the output contains "{text:Q}"')
def output_contains(context: Any, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    assert expand(scene, expand_ids(scene, text)) in result.stdout, result.stdout


@then('it exits with status {status:d} saying "{text:Q}"')
def exits_with(context: Any, status: int, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == status, (result.returncode, result.stderr)
    assert expand(scene, expand_ids(scene, text)) in result.stderr, result.stderr


@then('it fails with one line "{text:Q}"')
def fails_with_one_line(context: Any, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert expand(scene, expand_ids(scene, text)) in result.stderr, result.stderr


@then('the output is a checkpoint whose "{field:Q}" is "{value:Q}"')
def output_is_checkpoint(context: Any, field: str, value: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    checkpoint = Checkpoint.model_validate(_envelope(scene)["data"])
    assert getattr(checkpoint, field) == expand(scene, value), checkpoint


@then('it exits with status {status:d} printing "{text:Q}"')
def exits_printing(context: Any, status: int, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == status, (result.returncode, result.stderr)
    assert expand(scene, expand_ids(scene, text)) in result.stdout, result.stdout


@then('it printed "{text:Q}"')
def printed(context: Any, text: str) -> None:
    scene = world(context)
    wanted = expand(scene, expand_ids(scene, text))
    assert wanted in scene.the_result.stdout, scene.the_result.stdout


@then('it did not print "{text:Q}"')
def did_not_print(context: Any, text: str) -> None:
    scene = world(context)
    wanted = expand(scene, expand_ids(scene, text))
    assert wanted not in scene.the_result.stdout, scene.the_result.stdout


@then('it printed "{text:Q}" on stderr {count:d} times')
def printed_on_stderr(context: Any, text: str, count: int) -> None:
    scene = world(context)
    wanted = expand(scene, expand_ids(scene, text))
    assert scene.the_result.stderr.count(wanted) == count, scene.the_result.stderr


@then("it printed nothing on stderr")
def nothing_on_stderr(context: Any) -> None:
    assert world(context).the_result.stderr == "", world(context).the_result.stderr


@then("it exits with status {status:d}")
def exits(context: Any, status: int) -> None:
    result = world(context).the_result
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)


@then(
    'it prints one JSON envelope of "{command:Q}" with status "{status:Q}" and exit code {code:d}'
)
def prints_envelope(context: Any, command: str, status: str, code: int) -> None:
    scene = world(context)
    result = scene.the_result
    document = _envelope(scene)
    assert result.returncode == code, (result.returncode, result.stderr)
    assert set(document) == ENVELOPE_KEYS | ({"error"} if status == "error" else set()), document
    assert document["command"] == (command or None), document
    assert (document["status"], document["exit_code"]) == (status, code), document
    timing = document["timing"]
    assert set(timing) == {"started_at", "duration_ms"}, timing
    assert datetime.fromisoformat(timing["started_at"]).utcoffset() is not None, timing
    assert isinstance(timing["duration_ms"], int) and timing["duration_ms"] >= 0, timing
    if status == "error":
        assert document["data"] is None, document
        assert {"type", "message"} <= set(document["error"]), document
    else:
        assert document["data"] is not None, document


@then('the envelope\'s "{path:Q}" is {value}')
def envelope_member(context: Any, path: str, value: str) -> None:
    scene = world(context)
    expected = json.loads(expand(scene, expand_ids(scene, value)))
    actual = _member(_envelope(scene), path)
    assert actual == expected, (path, actual, expected)


@then('the envelope\'s "{path:Q}" mentions "{text:Q}"')
def envelope_mentions(context: Any, path: str, text: str) -> None:
    scene = world(context)
    actual = _member(_envelope(scene), path)
    assert expand(scene, expand_ids(scene, text)) in str(actual), (path, actual)


@then('the envelope lists {count:d} items under "{path:Q}"')
def envelope_count(context: Any, count: int, path: str) -> None:
    items = _member(_envelope(world(context)), path)
    assert isinstance(items, list) and len(items) == count, (path, items)


@then('the envelope\'s "{path:Q}" holds a checkpoint of plan "{plan:Q}"')
def envelope_checkpoint(context: Any, path: str, plan: str) -> None:
    checkpoint = Checkpoint.model_validate(_member(_envelope(world(context)), path))
    assert checkpoint.plan_id == plan, checkpoint
