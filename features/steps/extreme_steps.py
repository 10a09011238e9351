"""Steps that give every public callable and every command option extreme values."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from behave import then, when
from support.extremes import (
    model_calls,
    model_samples,
    offence,
    opening_call,
    saver_calls,
    service_calls,
    sweep,
    working_in,
)
from support.odd_commands import (
    command_lines,
    command_problems,
    command_usages,
    leaked,
    run_in_process,
)
from support.scenario import expand, named
from support.sweep import Outcome
from support.world import World, world

from rewind.models import CheckpointType
from rewind.service import CheckpointService


def _elsewhere(scene: World) -> Path:
    """The current directory while a sweep runs: inside the scenario, beside the workspace."""
    return scene.directory / "elsewhere"


@when("every method of the service is given each extreme value, one parameter at a time")
def sweep_service(context: Any) -> None:
    scene = world(context)
    scratch = scene.directory / "restored"
    scratch.mkdir()
    _swept_session(scene, scene.the_service)
    calls = service_calls(scene.the_service, named(scene, "first"), named(scene, "second"), scratch)
    with working_in(_elsewhere(scene), scene.database_url):
        scene.sweep_outcomes += sweep(calls)


@when("the service is opened with each extreme value for its url, create, retention and watch")
def sweep_opening(context: Any) -> None:
    scene = world(context)
    call = opening_call(scene.service_kind, scene.database_url, scene.workspace)
    with working_in(_elsewhere(scene), scene.database_url):
        scene.sweep_outcomes += sweep([call])


@when("every public model and Trigger.parse is given each extreme value, one field at a time")
def sweep_models(context: Any) -> None:
    scene = world(context)
    samples = model_samples(
        scene.the_service, scene.database_url, named(scene, "first"), named(scene, "second")
    )
    scene.sweep_outcomes += sweep(model_calls(samples))


@when(
    "every method of a WorkspaceSaver that takes a config is given each extreme value, "
    "one parameter at a time, each call on a saver of its own"
)
def sweep_saver(context: Any) -> None:
    scene = world(context)
    calls = saver_calls(scene.the_service, scene.workspace)
    with working_in(_elsewhere(scene), scene.database_url):
        scene.sweep_outcomes += sweep(calls)


@then("each extreme value was taken or refused with a RewindError")
def only_rewind_errors(context: Any) -> None:
    outcomes = world(context).sweep_outcomes
    assert outcomes, "nothing was swept"
    offenders = list(dict.fromkeys(offence(outcome) for outcome in outcomes if outcome.foreign))
    assert not offenders, (
        f"{len(offenders)} of {len(outcomes)} calls raised something other than a RewindError:\n"
        + "\n".join(offenders)
    )


SWEPT_TRANSCRIPT: list[dict[str, Any]] = [
    {"type": "user", "uuid": "u1", "parentUuid": None, "promptId": "1", "message": "one"},
    {"type": "assistant", "uuid": "a1", "parentUuid": "u1", "message": "done"},
    {"type": "user", "uuid": "u2", "parentUuid": "a1", "promptId": "2", "message": "two"},
]
"""The transcript of the swept session: two prompts (their messages cut short)."""


def _swept_session(scene: World, service: CheckpointService) -> None:
    """An agent session of two turns in the workspace, its transcript in the scenario's
    directory: fork_conversation has a use."""
    transcript = scene.directory / "transcripts" / "sweep.jsonl"
    transcript.parent.mkdir()
    lines = []
    for line in SWEPT_TRANSCRIPT:
        message = {"role": line["type"], "content": line["message"]}
        lines.append(json.dumps({**line, "sessionId": "sweep", "message": message}))
    transcript.write_text("".join(f"{line}\n" for line in lines), "utf-8")
    for turn in ("1", "2"):
        call = {"agent": "claude-code", "session_id": "sweep", "turn": turn}
        service.create_workspace_snapshot(
            "extremes",
            scene.workspace,
            checkpoint_type=CheckpointType.TURN_START,
            agent_call={**call, "transcript_path": str(transcript)},
        )


def _two_turns_and_an_undo(scene: World) -> None:
    """An agent session of two turns, the second undone: undo, redo and fork each have a use."""
    with CheckpointService.open(scene.database_url) as service:
        _swept_session(scene, service)
        service.undo(scene.workspace)


@when("every option and argument of every command is given each odd value, with and without --json")
def sweep_commands(context: Any) -> None:
    scene = world(context)
    assert scene.first_id is not None, "no snapshot taken"
    scratch = scene.directory / "restored"
    scratch.mkdir()
    _two_turns_and_an_undo(scene)
    usages = command_usages(scene.workspace, scene.first_id, scene.last_id, scratch)
    with working_in(_elsewhere(scene), scene.database_url):
        for line, valid in command_lines(usages):
            result = run_in_process(line.arguments, scene.database_url)
            error = leaked(result)
            if valid and (error is not None or result.exit_code != 0):
                raise AssertionError(f"{line} failed: {error!r} {result.stdout} {result.stderr}")
            scene.sweep_outcomes.append(Outcome(str(line), "odd values", error))
            if error is None:
                scene.sweep_problems += command_problems(line, result)


@then(
    "every command ended with status 0, 1 or 2, one error line for 1, one JSON document "
    "with --json, and no traceback"
)
def commands_ended_cleanly(context: Any) -> None:
    scene = world(context)
    assert scene.sweep_outcomes, "nothing was swept"
    offenders = [offence(outcome) for outcome in scene.sweep_outcomes if outcome.foreign]
    problems = list(dict.fromkeys([*offenders, *scene.sweep_problems]))
    assert not problems, (
        f"{len(problems)} problems in {len(scene.sweep_outcomes)} runs:\n" + "\n".join(problems)
    )


@when('"rewind {arguments:Q}" runs in a process of its own')
def run_process(context: Any, arguments: str) -> None:
    scene = world(context)
    here = str(Path(sys.executable).parent)
    program = shutil.which("rewind", path=here) or shutil.which("rewind")
    assert program is not None, "the rewind command is not installed"
    words = [program, *shlex.split(expand(scene, arguments))]
    with working_in(_elsewhere(scene), scene.database_url):  # its $REWIND_DATABASE_URL too
        scene.result = subprocess.run(
            words, capture_output=True, text=True, check=False, timeout=120
        )


@then("it ended as the same arguments do in process, without a traceback")
def ended_as_in_process(context: Any) -> None:
    scene = world(context)
    process = scene.the_result
    assert "Traceback" not in process.stderr, process.stderr[-2000:]
    with working_in(_elsewhere(scene), scene.database_url):
        result = run_in_process(list(process.args[1:]), scene.database_url)
    assert leaked(result) is None, leaked(result)
    assert (result.exit_code, result.stderr) == (process.returncode, process.stderr), (
        (result.exit_code, result.stderr),
        (process.returncode, process.stderr),
    )
