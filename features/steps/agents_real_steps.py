"""Steps that run a coding agent's real program against a scripted model on 127.0.0.1.

The agent (``support.agents``) runs in a home of its own under the scenario's directory, with
the scenario's XDG directories and rewind's store in its environment, which it passes on to
its hooks. What rewind did is read through the ``rewind`` command, as its user would.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.agents import PROGRAMS, AgentOutcome, AgentProgram, Places
from support.agents.fixtures import CAPTURED, capture, capturing, differences
from support.agents.recorder import RecordedHook, recorded
from support.models import Script, ScriptedModelServer, Turn
from support.trees import read_tree
from support.world import world

from rewind.service import DATABASE_URL_VARIABLE

PROMPT = "Write the notes, then tidy the workspace up."
NOTES = "notes from the scripted model\n"
COMMAND_TIMEOUT = 300
"""Seconds a ``rewind`` command may take (generous: machines get busy)."""


@dataclass
class AgentRun:
    """One agent in one scenario: its program, its places, its model, how its prompt went."""

    program: AgentProgram
    places: Places
    model: ScriptedModelServer
    outcome: AgentOutcome | None = None
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The checkpoint (as ``rewind list --json`` gives it) taken before each call, by call id."""

    @property
    def the_outcome(self) -> AgentOutcome:
        assert self.outcome is not None, "the agent has not run a prompt"
        return self.outcome

    def hooks(self) -> list[RecordedHook]:
        """What the agent sent its hooks, in order."""
        return recorded(self.places.records)

    def report(self) -> str:
        """What to read when a step fails: the agent's output, the model's, rewind's log."""
        outcome = self.outcome
        log = Path(os.environ["XDG_STATE_HOME"]) / "rewind" / "hooks.log"
        requests = [f"{request.method} {request.target}" for request in self.model.requests]
        return "\n".join(
            [
                f"exit status: {outcome.returncode if outcome else None}",
                f"stdout: {outcome.stdout[-3000:] if outcome else ''}",
                f"stderr: {outcome.stderr[-3000:] if outcome else ''}",
                f"model requests: {requests}",
                f"model problems: {self.model.problems}",
                f"rewind's hook log: {log.read_text('utf-8') if log.exists() else '(none)'}",
            ]
        )


def _run_of(context: Any) -> AgentRun:
    run = context.agent_run
    assert isinstance(run, AgentRun), run
    return run


def _rewind(context: Any, *arguments: str, home: Path | None = None) -> str:
    """Run ``rewind`` on the scenario's store and return what it printed; fail if it fails."""
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None, "the rewind command is not installed"
    environment = {**os.environ, DATABASE_URL_VARIABLE: scene.database_url}
    if home is not None:
        environment["HOME"] = str(home)
    done = subprocess.run(
        [command, *arguments], cwd=scene.workspace, env=environment, capture_output=True,
        text=True, timeout=COMMAND_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (arguments, done.returncode, done.stdout, done.stderr)
    return done.stdout


@given("{agent} from the npm registry, in a home of its own, talking only to a scripted model")
def agent_in_own_home(context: Any, agent: str) -> None:
    scene = world(context)
    program = PROGRAMS[agent]
    program.executable()  # installed at the pinned version, or the scenario fails here
    model = ScriptedModelServer(program.style, Script([Turn("No script yet.")])).start()
    context.add_cleanup(model.stop)
    places = Places(
        home=scene.directory / "home",
        workspace=scene.workspace,
        model_url=model.url,
        records=scene.directory / "hook-inputs",
        extra_environment={DATABASE_URL_VARIABLE: scene.database_url},
    )
    places.home.mkdir()
    places.records.mkdir()
    program.prepare(places)
    program.add_recorder(places, program.recorder_command(places))
    context.agent_run = AgentRun(program, places, model)


@given('I ran "rewind hook install {arguments:Q}" as the agent\'s user')
def install_hook(context: Any, arguments: str) -> None:
    run = _run_of(context)
    _rewind(context, "hook", "install", *arguments.split(), home=run.places.home)


@when('the model writes "{written:Q}" and then runs "{command:Q}", in one prompt')
def one_prompt(context: Any, written: str, command: str) -> None:
    run = _run_of(context)
    run.model.script = run.program.session_script(run.places.workspace, written, NOTES, command)
    run.outcome = run.program.run(run.places, PROMPT)


@then('the agent answered "{answer:Q}" and exited {status:d}')
def agent_answered(context: Any, answer: str, status: int) -> None:
    run = _run_of(context)
    outcome = run.the_outcome
    assert (outcome.returncode, outcome.answer) == (status, answer), run.report()


@then("the model was asked for each turn of its script, and was sent the result of each tool call")
def model_played(context: Any) -> None:
    run = _run_of(context)
    assert not run.model.problems, run.report()
    main_loop = run.model.main_loop()
    calls = run.model.script.tool_calls
    assert len(main_loop) == len(run.model.script.turns), run.report()
    sent = run.model.style.results_sent(main_loop[-1])
    expected = [call.call_id for call in calls]
    names = [call.name for call in calls]
    assert sent in (expected, names), (sent, expected, run.report())


@then(
    "rewind took a checkpoint before each tool call, naming the tool and, where the agent sends "
    "one, the model's call id"
)
def checkpoint_before_each_call(context: Any) -> None:
    run = _run_of(context)
    workspace = str(run.places.workspace)
    listed = json.loads(_rewind(context, "--json", "list", "--workspace", workspace))
    checkpoints = sorted(listed["data"]["checkpoints"], key=lambda item: item["checkpoint_id"])
    for call in run.model.script.tool_calls:
        tool = run.program.hook_tool(call)
        named = [item for item in checkpoints if item["metadata"]["source_tool"] == tool]
        assert named, (tool, checkpoints, run.report())
        run.before[call.call_id] = named[0]
        if run.program.sends_call_ids:
            extra = named[0]["metadata"]["extra"]
            assert extra.get("tool_use_id") == call.call_id, (call, extra)
    order = [run.before[call.call_id]["checkpoint_id"] for call in run.model.script.tool_calls]
    assert order == sorted(order), order


@then(
    "rewind took a turn_start checkpoint with the prompt and a turn_end one, each checkpoint "
    "naming the agent's session and turn"
)
def turn_checkpoints(context: Any) -> None:
    run = _run_of(context)
    workspace = str(run.places.workspace)
    listed = json.loads(_rewind(context, "--json", "list", "--workspace", workspace))
    checkpoints = sorted(listed["data"]["checkpoints"], key=lambda item: item["checkpoint_id"])
    types = [item["checkpoint_type"] for item in checkpoints]
    assert types[0] == "turn_start" and types[-1] == "turn_end", (types, run.report())
    assert types.count("turn_start") == 1 == types.count("turn_end"), types
    payloads = [hook.payload for hook in run.hooks()]
    sessions = {payload["session_id"] for payload in payloads if payload.get("session_id")}
    prompt_ids = {payload["prompt_id"] for payload in payloads if payload.get("prompt_id")}
    assert len(sessions) == 1 and len(prompt_ids) <= 1, (sessions, prompt_ids)
    (session,) = sessions
    turn = prompt_ids.pop() if prompt_ids else "1"  # Gemini CLI numbers no turns: rewind counts
    calls = [item["metadata"]["agent_call"] for item in checkpoints]
    for call in calls:
        assert call is not None and call["agent"] in ("claude-code", "gemini"), call
        assert (call["session_id"], call["turn"]) == (session, turn), call
    assert calls[0]["prompt"] == PROMPT, calls[0]
    assert all(call["prompt"] is None for call in calls[1:]), calls


@when('I roll back with "rewind rollback" to the checkpoint taken before the shell command')
def roll_back_before_shell(context: Any) -> None:
    run = _run_of(context)
    shell = run.model.script.tool_calls[-1]
    _rewind(context, "rollback", run.before[shell.call_id]["checkpoint_id"], "--yes")


@then('"{kept:Q}" holds "{content:Q}" again, and "{made:Q}" is gone')
def deleted_file_back(context: Any, kept: str, content: str, made: str) -> None:
    workspace = world(context).workspace
    assert (workspace / kept).read_text("utf-8") == content
    assert not (workspace / made).exists()


@then("the workspace is exactly as the shell command found it")
def workspace_as_before_shell(context: Any) -> None:
    run = _run_of(context)
    before_tools = [hook for hook in run.hooks() if hook.tree is not None]
    shell_tool = run.program.hook_tool(run.model.script.tool_calls[-1])
    shell = [hook for hook in before_tools if run.program.tool_of(hook.payload) == shell_tool]
    assert len(shell) == 1, [hook.payload for hook in before_tools]
    assert shell[0].tree is not None
    found, expected = read_tree(run.places.workspace), read_tree(shell[0].tree)
    assert found[0] == expected[0], sorted(set(found[0]) ^ set(expected[0]))
    assert found[1] == expected[1], sorted(found[1] ^ expected[1])


@then("the agent's hook inputs have the fields of its captured fixtures")
def hook_inputs_as_captured(context: Any) -> None:
    run = _run_of(context)
    pin = run.program.pin
    directory = CAPTURED / f"{pin.agent}-{pin.version}"
    hooks = run.hooks()
    if capturing():
        capture(directory, hooks, run.program.redactions(str(world(context).directory)))
    problems = differences(directory, hooks)
    assert not problems, problems


@then('"{deleted:Q}" is gone, and "{made:Q}" holds "{content:Q}"')
def shell_command_ran(context: Any, deleted: str, made: str, content: str) -> None:
    workspace = world(context).workspace
    assert not (workspace / deleted).exists()
    assert (workspace / made).read_text("utf-8") == f"{content}\n"


@then(
    "the agent called its hooks before each tool call, naming the tool and, where the agent "
    "sends one, the model's call id"
)
def hooks_before_each_call(context: Any) -> None:
    run = _run_of(context)
    program = run.program
    before_tools = [hook.payload for hook in run.hooks() if hook.tree is not None]
    calls = run.model.script.tool_calls
    assert [program.tool_of(payload) for payload in before_tools] == [
        program.hook_tool(call) for call in calls
    ], before_tools
    if program.sends_call_ids:
        ids = [program.call_id_of(payload) for payload in before_tools]
        assert ids == [call.call_id for call in calls], ids
