"""Steps that drive the ``rewind`` command line."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from behave import then, when
from support.scenario import expand
from support.world import World, world

from rewind import Checkpoint

DATABASE_VARIABLE = "REWIND_DATABASE_URL"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@when('I run "{command:Q}"')
def run_command(context: Any, command: str) -> None:
    scene = world(context)
    environment = {**os.environ, DATABASE_VARIABLE: scene.database_url}
    _run(scene, command, environment, scene.directory)


@when('I run "{command:Q}" in the workspace without a database setting')
def run_command_with_defaults(context: Any, command: str) -> None:
    scene = world(context)
    environment = {key: value for key, value in os.environ.items() if key != DATABASE_VARIABLE}
    _run(scene, command, environment, scene.workspace)


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
    command = command.replace("{last}", scene.last_id)
    arguments = shlex.split(expand(scene, command).replace("{first}", scene.first_id or ""))
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
    if result.returncode == 0:
        scene.last_id = next(
            (line for line in result.stdout.splitlines() if ULID.match(line.split(" ")[0])),
            scene.last_id,
        ).split(" ")[0]
        scene.first_id = scene.first_id or scene.last_id


@then("it prints a new checkpoint id, then the lines")
def prints_id_then(context: Any) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert ULID.match(first), first
    assert rest == context.text.splitlines(), rest


@then('the output has {count:d} lines, each with "{text:Q}"')
def output_lines(context: Any, count: int, text: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == count and all(text in line for line in lines), lines


@then('the output contains "{text:Q}"')
def output_contains(context: Any, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    assert expand(scene, text) in result.stdout, result.stdout


@then('it exits with status {status:d} saying "{text:Q}"')
def exits_with(context: Any, status: int, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == status, (result.returncode, result.stderr)
    assert expand(scene, text) in result.stderr, result.stderr


@then('the output is a checkpoint whose "{field:Q}" is "{value:Q}"')
def output_is_checkpoint(context: Any, field: str, value: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == 0, result.stderr
    checkpoint = Checkpoint.model_validate_json(result.stdout)
    assert getattr(checkpoint, field) == expand(scene, value), checkpoint


@then('it exits with status {status:d} printing "{text:Q}"')
def exits_printing(context: Any, status: int, text: str) -> None:
    scene = world(context)
    result = scene.the_result
    assert result.returncode == status, (result.returncode, result.stderr)
    assert expand(scene, text) in result.stdout, result.stdout


@then('it printed "{text:Q}"')
def printed(context: Any, text: str) -> None:
    scene = world(context)
    assert expand(scene, text) in scene.the_result.stdout, scene.the_result.stdout


@then("it exits with status {status:d}")
def exits(context: Any, status: int) -> None:
    result = world(context).the_result
    assert result.returncode == status, (result.returncode, result.stderr)
