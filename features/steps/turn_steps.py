"""Steps about an agent's sessions and turns: its hook events played, its agent calls read."""

from __future__ import annotations

import json
import re
from typing import Any

from behave import then, when
from support.hooking import FIXTURES, run_hook_in_process, run_hook_process
from support.scenario import attempt, expand
from support.world import World, world

from rewind import AgentCall, Checkpoint, CheckpointType
from rewind.hooks.event import EVENT_FIELDS, NO_PROMPT_TEXT_VARIABLE

AGENTS = {"Claude Code": "claude-code", "Gemini CLI": "gemini"}
EVENTS = {
    ("Claude Code", "turn start"): "claude-code-user-prompt-submit.json",
    ("Claude Code", "Bash"): "claude-code-pre-tool-use.json",
    ("Claude Code", "Edit"): "claude-code-pre-tool-use-edit.json",
    ("Claude Code", "turn end"): "claude-code-stop.json",
    ("Gemini CLI", "turn start"): "gemini-before-agent.json",
    ("Gemini CLI", "shell"): "gemini-before-tool.json",
    ("Gemini CLI", "turn end"): "gemini-after-agent.json",
}
"""The documented hook input each step sends."""
CAPTURED = {
    "claude-code-user-prompt-submit.json": "claude-code-2.1.197/02-UserPromptSubmit.json",
    "claude-code-pre-tool-use.json": "claude-code-2.1.197/05-PreToolUse-Bash.json",
    "claude-code-pre-tool-use-edit.json": "claude-code-2.1.197/03-PreToolUse-Write.json",
    "claude-code-stop.json": "claude-code-2.1.197/07-Stop.json",
    "gemini-before-agent.json": "gemini-0.61.0/02-BeforeAgent.json",
    "gemini-before-tool.json": "gemini-0.61.0/07-BeforeTool-write_file.json",
    "gemini-after-agent.json": "gemini-0.61.0/19-AfterAgent.json",
}
"""What the real program sent for the event of each documented input (Edit: its Write)."""


def _play(
    context: Any, agent: str, event: str, arguments: tuple[str, ...] = (), **fields: Any
) -> None:
    """Run ``rewind hook AGENT`` with the documented input of ``event``, ``fields`` set.

    Claude Code's events carry the prompt id of the prompt submitted last, as it sends them,
    and the session and transcript of ``context.claude_session`` when a scenario set one.
    In a process, unless the scenario is tagged ``@hooks_in_process`` (``support.hooking``).
    """
    scene = world(context)
    document = json.loads(expand(scene, (FIXTURES / EVENTS[agent, event]).read_text("utf-8")))
    if agent == "Claude Code":
        fields = {**getattr(context, "claude_session", {}), **fields}
    if agent == "Claude Code" and "prompt_id" not in fields:
        fields["prompt_id"] = getattr(context, "prompt_id", None)
    document.update({key: value for key, value in fields.items() if value is not None})
    variables = dict(getattr(context, "hook_variables", {}))
    running = getattr(context, "server", None)
    options: dict[str, Any] = {} if running is None else {"server": running.url}
    run = run_hook_in_process if scene.hooks_in_process else run_hook_process
    scene.result = run(
        scene,
        agent,
        json.dumps(document).encode(),
        arguments=arguments,
        variables=variables,
        **options,
    )
    context.hook_results = [*getattr(context, "hook_results", []), scene.result]


def _prompt(text: str) -> str:
    return text.replace("\\n", "\n")


@when('Claude Code submits the prompt "{text:Q}" (prompt id "{prompt_id:Q}")')
def claude_prompt(context: Any, text: str, prompt_id: str) -> None:
    context.prompt_id = prompt_id
    _play(context, "Claude Code", "turn start", prompt=_prompt(text))


@when(
    'Claude Code submits the prompt "{text:Q}" (prompt id "{prompt_id:Q}") in session "{session:Q}"'
)
def claude_prompt_in(context: Any, text: str, prompt_id: str, session: str) -> None:
    context.prompt_id = prompt_id
    _play(context, "Claude Code", "turn start", prompt=_prompt(text), session_id=session)


@when(
    'Claude Code submits a prompt whose first line is {length:d} "{letter:Q}", then "{rest:Q}" '
    'on the next (prompt id "{prompt_id:Q}")'
)
def claude_long_prompt(context: Any, length: int, letter: str, rest: str, prompt_id: str) -> None:
    context.prompt_id = prompt_id
    _play(context, "Claude Code", "turn start", prompt=f"{letter * length}\n{rest}")


@when(
    'Claude Code submits the prompt "{text:Q}" (prompt id "{prompt_id:Q}"), its hook run with {how}'
)
def claude_prompt_private(context: Any, text: str, prompt_id: str, how: str) -> None:
    context.prompt_id = prompt_id
    _private(
        context,
        how,
        lambda arguments: _play(context, "Claude Code", "turn start", arguments, prompt=text),
    )


@when('Gemini CLI submits the prompt "{text:Q}", its hook run with {how}')
def gemini_prompt_private(context: Any, text: str, how: str) -> None:
    _private(
        context,
        how,
        lambda arguments: _play(context, "Gemini CLI", "turn start", arguments, prompt=text),
    )


def _private(context: Any, how: str, play: Any) -> None:
    """Play one event with ``--no-prompt-text``, or with the variable set."""
    if how == "--no-prompt-text":
        play(("--no-prompt-text",))
        return
    assert how == f"{NO_PROMPT_TEXT_VARIABLE}=1", how
    context.hook_variables = {NO_PROMPT_TEXT_VARIABLE: "1"}
    try:
        play(())
    finally:
        context.hook_variables = {}


@when('Gemini CLI submits the prompt "{text:Q}"')
def gemini_prompt(context: Any, text: str) -> None:
    _play(context, "Gemini CLI", "turn start", prompt=_prompt(text))


@when('Claude Code runs the Bash command "{command:Q}"')
def claude_bash(context: Any, command: str) -> None:
    _play(context, "Claude Code", "Bash", tool_input={"command": command})


@when('Claude Code edits "{path:Q}"')
def claude_edit(context: Any, path: str) -> None:
    scene = world(context)
    _play(
        context,
        "Claude Code",
        "Edit",
        tool_input={"file_path": str(scene.workspace / path), "old_string": "a", "new_string": "b"},
    )


@when("Claude Code submits prompt {number:d} of the transcript")
def claude_prompt_of_transcript(context: Any, number: int) -> None:
    """The prompt as the transcript laid for the scenario holds it (its id and its text).

    Its turn_start checkpoint is named ``turn<number>`` for the scenario's later steps.
    """
    scene = world(context)
    context.prompt_id, text = context.transcript_prompts[number - 1]
    _play(context, "Claude Code", "turn start", prompt=text)
    starts = scene.the_service.list_checkpoints(
        checkpoint_type=CheckpointType.TURN_START,
        session_id=context.claude_session["session_id"],
        limit=1,
    )
    scene.checkpoints[f"turn{number}"] = starts[0]


@when('Gemini CLI runs the shell command "{command:Q}"')
def gemini_shell(context: Any, command: str) -> None:
    _play(
        context,
        "Gemini CLI",
        "shell",
        tool_name="run_shell_command",
        tool_input={"command": command, "description": "a command"},
    )


@when("{agent} ends its turn")
def ends_turn(context: Any, agent: str) -> None:
    _play(context, agent, "turn end")


@then("every hook exited 0 printing only {{}}")
def every_hook_answered(context: Any) -> None:
    for result in context.hook_results:
        assert result.returncode == 0, (result.returncode, result.stderr)
        assert result.stdout.strip() == "{}", (result.stdout, result.stderr)
        assert "no checkpoint was taken" not in result.stderr, result.stderr


def _session(scene: World, session: str) -> list[Checkpoint]:
    return list(reversed(scene.the_service.list_checkpoints(session_id=session)))


def _expected_text(scene: World, cell: str) -> str | None:
    """A table cell: empty is None; ``N "x" and "…"`` is that letter N times, then the rest."""
    if not cell:
        return None
    if match := re.fullmatch(r'(\d+) "(.)" and "(.*)"', cell):
        return match[2] * int(match[1]) + match[3]
    return expand(scene, cell)


@then('the checkpoints of session "{session:Q}" are, oldest first')
def session_checkpoints(context: Any, session: str) -> None:
    scene = world(context)
    found = _session(scene, session)
    rows = [
        (
            checkpoint.checkpoint_type.value,
            *(
                None if call is None else getattr(call, name)
                for call in [checkpoint.metadata.agent_call]
                for name in ("turn", "prompt", "tool", "tool_summary")
            ),
        )
        for checkpoint in found
    ]
    expected = [
        (
            row["type"],
            *(
                _expected_text(scene, row[heading])
                for heading in ("turn", "prompt", "tool", "tool summary")
            ),
        )
        for row in context.table
    ]
    assert rows == expected, rows
    assert all(checkpoint.is_snapshot for checkpoint in found)
    assert all(_call(checkpoint).session_id == session for checkpoint in found)


def _call(checkpoint: Checkpoint) -> AgentCall:
    call = checkpoint.metadata.agent_call
    assert call is not None, checkpoint
    return call


@then('each of them names the agent "{agent:Q}" and the transcript "{path:Q}"')
def each_names(context: Any, agent: str, path: str) -> None:
    scene = world(context)
    for checkpoint in scene.the_service.list_checkpoints():
        call = _call(checkpoint)
        assert (call.agent, call.transcript_path) == (agent, path), call


@then("each tool call's checkpoint keeps its call in its extra, as before")
def tool_calls_in_extra(context: Any) -> None:
    tools = [
        checkpoint
        for checkpoint in world(context).the_service.list_checkpoints()
        if checkpoint.checkpoint_type.value == "pre_tool"
    ]
    assert tools
    for checkpoint in tools:
        extra, call = checkpoint.metadata.extra, _call(checkpoint)
        assert extra["tool_name"] == call.tool == checkpoint.metadata.source_tool, extra
        assert extra["tool_summary"] == call.tool_summary, extra
        assert extra["session_id"] == call.session_id, extra
        assert extra["agent"] == call.agent, extra
        assert checkpoint.decision_id == extra["tool_use_id"], extra


@then('no checkpoint in the store holds the text "{text:Q}"')
def no_text(context: Any, text: str) -> None:
    checkpoints = world(context).the_service.list_checkpoints()
    assert checkpoints
    for checkpoint in checkpoints:
        assert text not in checkpoint.model_dump_json(), checkpoint


def _agent_call_fields(scene: World, text: str) -> dict[str, Any]:
    fields: dict[str, Any] = json.loads(text)
    return {
        key: re.sub(r"^(\d+) characters$", lambda match: "x" * int(match[1]), value)
        if isinstance(value, str)
        else value
        for key, value in fields.items()
    }


@when('I snapshot the workspace for plan "{plan:Q}" with the agent call')
def snapshot_with_call(context: Any, plan: str) -> None:
    scene = world(context)
    row = context.table[0]
    call = {heading: row[heading] for heading in context.table.headings}
    scene.the_service.create_workspace_snapshot(plan, scene.workspace, agent_call=call)


@when('I try to snapshot the workspace for plan "{plan:Q}" with the agent call {call}')
def try_snapshot_with_call(context: Any, plan: str, call: str) -> None:
    scene = world(context)
    fields = _agent_call_fields(scene, call)
    attempt(
        scene,
        lambda: scene.the_service.create_workspace_snapshot(
            plan, scene.workspace, agent_call=fields
        ),
    )


@then('the newest checkpoint of plan "{plan:Q}" has no agent call, and its session in its extra')
def no_agent_call(context: Any, plan: str) -> None:
    newest = world(context).the_service.list_checkpoints(plan, limit=1)[0]
    assert newest.metadata.agent_call is None, newest.metadata
    assert newest.metadata.extra["session_id"] == "abc123", newest.metadata.extra


@then("each documented hook input's fields that rewind reads are in what its program sent")
def documented_as_sent(context: Any) -> None:
    read = {*EVENT_FIELDS, "cwd", "prompt", "tool_input"}
    for documented, captured in CAPTURED.items():
        ours = json.loads((FIXTURES / documented).read_text("utf-8"))
        sent = json.loads((FIXTURES / "captured" / captured).read_text("utf-8"))
        missing = sorted((set(ours) & read) - set(sent))
        assert not missing, (documented, missing)
        assert ours["hook_event_name"] == sent["hook_event_name"], documented
        if isinstance(ours.get("tool_input"), dict):
            assert set(ours["tool_input"]) & {"command", "file_path"}, documented
