"""Steps that run a coding agent's real program against a scripted model on 127.0.0.1.

The agent (``support.agents``) runs in a home of its own under the scenario's directory, with
the scenario's XDG directories and rewind's store in its environment, which it passes on to
its hooks. What rewind did is read through the ``rewind`` command, as its user would.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.agents import PROGRAMS, AgentOutcome, AgentProgram, Places
from support.agents.fixtures import (
    CAPTURED,
    TRANSCRIPTS,
    capture,
    capture_transcript,
    capturing,
    differences,
    transcript_differences,
)
from support.agents.program import last_json_object
from support.agents.recorder import RecordedHook, recorded
from support.models import RecordedRequest, Script, ScriptedModelServer, ToolCall, Turn
from support.trees import read_tree
from support.world import world

from rewind._ids import short_id
from rewind.service import DATABASE_URL_VARIABLE

PROMPT = "Write the notes, then tidy the workspace up."
NOTES = "notes from the scripted model\n"
COMMAND_TIMEOUT = 300
"""Seconds a ``rewind`` command may take (generous: machines get busy)."""
SESSION_PROMPTS = ("Write the first file.", "Now the second one.", "And the third.")
"""The prompts of the session whose conversation is forked, one per file written."""


@dataclass
class AgentRun:
    """One agent in one scenario: its program, its places, its model, how its prompt went."""

    program: AgentProgram
    places: Places
    model: ScriptedModelServer
    outcome: AgentOutcome | None = None
    before: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The checkpoint (as ``rewind list --json`` gives it) taken before each call, by call id."""
    session: str | None = None
    """The agent's session, once a prompt ran (Claude Code's ``session_id``)."""
    prompt_starts: list[int] = field(default_factory=list)
    """How many requests the model had received when each prompt started."""
    turns: list[dict[str, Any]] = field(default_factory=list)
    """The session's turns, as ``rewind log --json`` gives them."""
    transcript: bytes = b""
    """The session's transcript, as it was before the fork."""
    forked: str | None = None
    """The new session ``rewind fork`` wrote."""

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


@when(
    'Claude Code runs three prompts in one session, the model writing "{first:Q}", '
    '"{second:Q}" and "{third:Q}", one in each'
)
def three_prompts(context: Any, first: str, second: str, third: str) -> None:
    run = _run_of(context)
    program = run.program
    for index, (name, prompt) in enumerate(
        zip((first, second, third), SESSION_PROMPTS, strict=True)
    ):
        call = ToolCall(
            f"{program.call_prefix}scripted_{index + 1}", program.write_tool,
            program.write_arguments(run.places.workspace / name, f"{name}\n"),
        )  # fmt: skip
        turns = [Turn(f"Writing {name}.", (call,)), Turn(f"Wrote {name}.")]
        run.model.script = Script(turns, results_before=index)
        run.prompt_starts.append(len(run.model.requests))
        resume = ("--resume", run.session) if run.session else ()
        run.outcome = program.run(run.places, prompt, resume)
        assert (run.outcome.returncode, run.outcome.answer) == (0, f"Wrote {name}."), run.report()
        session = (last_json_object(run.outcome.stdout) or {}).get("session_id")
        assert session and run.session in (None, session), (session, run.session)
        run.session = str(session)


def _transcript(run: AgentRun) -> Path:
    """The session's transcript, as its hooks name it."""
    paths = {hook.payload.get("transcript_path") for hook in run.hooks()} - {None}
    named = [Path(str(path)) for path in paths if Path(str(path)).stem == run.session]
    assert len(named) == 1, paths
    return named[0]


@then(
    "each prompt was answered, and rewind recorded the session's three turns, each with its prompt"
)
def three_turns(context: Any) -> None:
    run = _run_of(context)
    assert not run.model.problems, run.report()
    workspace = str(run.places.workspace)
    logged = json.loads(_rewind(context, "--json", "log", "--workspace", workspace))
    (session,) = logged["data"]["sessions"]
    assert session["session_id"] == run.session, session
    assert [turn["prompt"] for turn in session["turns"]] == list(SESSION_PROMPTS), session
    run.turns = session["turns"]
    run.transcript = _transcript(run).read_bytes()


@then("the session's transcript has the fields of its captured fixture")
def transcript_as_captured(context: Any) -> None:
    run = _run_of(context)
    pin = run.program.pin
    fixture = TRANSCRIPTS / f"{pin.agent}-{pin.version}" / "three-prompts.jsonl"
    if capturing():
        spellings = run.program.redactions(str(world(context).directory))
        capture_transcript(fixture, _transcript(run), spellings)
    problems = transcript_differences(fixture, _transcript(run))
    assert not problems, problems


@when('I run "rewind fork" at the third turn, as rewind log shows it')
def fork_third_turn(context: Any) -> None:
    run = _run_of(context)
    turn = short_id(run.turns[2]["first_checkpoint_id"])
    workspace = str(run.places.workspace)
    context.fork_output = _rewind(context, "fork", turn, "--workspace", workspace)
    print(f"$ rewind fork {turn}\n{context.fork_output}", end="")


@then('it printed the new session\'s id and "claude --resume" with it')
def fork_printed(context: Any) -> None:
    run = _run_of(context)
    output = context.fork_output
    found = re.search(r"^continue it with: claude --resume ([0-9a-f-]{36})$", output, re.M)
    assert found, output
    run.forked = found[1]
    assert run.forked != run.session and f"new session {run.forked}: " in output, output


@then(
    "the session's transcript is unchanged, and the new one beside it holds its lines before "
    "the third prompt"
)
def fork_written(context: Any) -> None:
    run = _run_of(context)
    old = _transcript(run)
    assert old.read_bytes() == run.transcript
    new = old.with_name(f"{run.forked}.jsonl")
    assert new.stat().st_mode & 0o777 == 0o600, oct(new.stat().st_mode)
    lines = [json.loads(line) for line in run.transcript.splitlines()]
    third = next(
        index for index, line in enumerate(lines) if line.get("promptId") == run.turns[2]["turn"]
    )
    expected = [
        {**line, "sessionId": run.forked}
        for line in lines[:third]
        if line["type"] != "queue-operation"
    ]
    assert [json.loads(line) for line in new.read_bytes().splitlines()] == expected


@when('Claude Code resumes the new session with the prompt "{prompt:Q}"')
def resume_fork(context: Any, prompt: str) -> None:
    run = _run_of(context)
    assert run.forked is not None
    run.model.script = Script([Turn("Continued.")], results_before=2)
    run.prompt_starts.append(len(run.model.requests))
    run.outcome = run.program.run(run.places, prompt, ("--resume", run.forked))
    assert (run.outcome.returncode, run.outcome.answer) == (0, "Continued."), run.report()
    assert not run.model.problems, run.report()


def _first_main_loop(run: AgentRun, start: int) -> list[dict[str, Any]]:
    """The messages of the first request offering tools from request ``start`` on."""
    requests: list[RecordedRequest] = run.model.requests[start:]
    first = next(request for request in requests if run.model.style.offers_tools(request))
    messages = first.json()["messages"]
    assert isinstance(messages, list), messages
    return messages


def _text(message: dict[str, Any]) -> str:
    content = message["content"]
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    return "".join(block["text"] for block in blocks if block.get("type") == "text")


@then('the model was sent exactly the messages before the third prompt, then "{prompt:Q}"')
def resumed_before_third(context: Any, prompt: str) -> None:
    run = _run_of(context)
    third = _first_main_loop(run, run.prompt_starts[2])
    resumed = _first_main_loop(run, run.prompt_starts[3])
    assert (_text(third[-1]), _text(resumed[-1])) == (SESSION_PROMPTS[2], prompt), resumed[-1]
    assert resumed[:-1] == third[:-1], (resumed, third)
    roles = " ".join(message["role"] for message in resumed)
    print(f"the resumed fork sent {len(resumed)} messages ({roles}): the {len(third) - 1} before")
    print(f"{SESSION_PROMPTS[2]!r}, as the third prompt sent them, then {_text(resumed[-1])!r}")


@then("the session's transcript is still unchanged")
def transcript_unchanged(context: Any) -> None:
    run = _run_of(context)
    assert _transcript(run).read_bytes() == run.transcript
