"""``AgentProgram``: what the scenarios need to know of one coding agent's real program.

A subclass per agent says where its pinned package is, which API its model speaks, how to
point it at a scripted model on 127.0.0.1 and keep it off every other host (environment and
settings in a home of its own), how to run one prompt without a person, the names and
arguments of its file-writing and shell tools, how to add a hook that records its hook
inputs, and where its final answer is in its output. Adding an agent is one such module.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from support.agents.pins import CACHE_VARIABLE, PINS, Pin
from support.agents.recorder import __file__ as RECORDER
from support.models import ApiStyle, Script, ToolCall, Turn

RUN_TIMEOUT = 900
"""Seconds one prompt may take before the scenario fails (generous: machines get busy)."""
PASSED_THROUGH = ("PATH", "LANG", "TMPDIR", "XDG_DATA_HOME", "XDG_STATE_HOME",
                  "XDG_CONFIG_HOME", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME")  # fmt: skip
"""The only variables of the test's environment an agent sees (no one's API key leaks in)."""


@dataclass(frozen=True)
class Places:
    """Where one run of an agent lives: its home, its workspace, its model, its records."""

    home: Path
    workspace: Path
    model_url: str
    records: Path
    """Where the recording hook writes what the agent sent its hooks."""
    extra_environment: Mapping[str, str]
    """Variables the agent passes on to its hooks (rewind's store, say)."""


@dataclass(frozen=True)
class AgentOutcome:
    """How one prompt ended."""

    returncode: int
    stdout: str
    stderr: str
    answer: str | None
    """The agent's final text, read from its output (None: not found)."""


class AgentProgram(ABC):
    """One coding agent's program, driven non-interactively against a scripted model."""

    title: ClassVar[str]
    """The agent as people name it: ``Claude Code``."""
    pin: ClassVar[Pin]
    style: ClassVar[ApiStyle]
    write_tool: ClassVar[str]
    shell_tool: ClassVar[str]
    pre_tool_event: ClassVar[str]
    """The hook event before a tool call: ``PreToolUse``, ``BeforeTool``."""
    hook_events: ClassVar[tuple[str, ...]]
    """Every hook event the recording hook listens to."""
    sends_call_ids: ClassVar[bool]
    """Whether the agent's hook input names the model's id of the tool call."""
    user_settings: ClassVar[str]
    """The user's settings file that holds hooks, under the home: ``.claude/settings.json``."""
    call_prefix: ClassVar[str] = "call_"
    hook_tool_names: ClassVar[Mapping[str, str]] = {}
    """The model's tool names that the agent's hooks name otherwise (Codex: ``Bash``)."""

    @classmethod
    def executable(cls) -> Path:
        """The installed command; fails (never skips) if ``nox -s agents`` did not install it."""
        cache = os.environ.get(CACHE_VARIABLE)
        assert cache, f"${CACHE_VARIABLE} is not set: run these scenarios with nox -s agents"
        path = cls.pin.executable_in(Path(cache))
        found = cls.pin.installed_version(Path(cache))
        assert found == cls.pin.version, f"{cls.pin.spec} is not installed in {cache} ({found})"
        return path

    def session_script(self, workspace: Path, written: str, content: str, command: str) -> Script:
        """One prompt: write ``written`` with ``content``, run ``command``, then say Done."""
        write = ToolCall(
            f"{self.call_prefix}scripted_write", self.write_tool,
            self.write_arguments(workspace / written, content),
        )  # fmt: skip
        shell = ToolCall(
            f"{self.call_prefix}scripted_shell", self.shell_tool, self.shell_arguments(command)
        )
        return Script([
            Turn(f"I will write {written}.", (write,)), Turn("Now the shell.", (shell,)),
            Turn("Done."),
        ])  # fmt: skip

    @abstractmethod
    def write_arguments(self, path: Path, content: str) -> dict[str, Any] | str:
        """The file-writing tool's arguments (text: a freeform tool's input)."""

    @abstractmethod
    def shell_arguments(self, command: str) -> dict[str, Any]:
        """The shell tool's arguments."""

    @abstractmethod
    def prepare(self, places: Places) -> None:
        """Write the settings the agent needs in its home (the model, trust, no telemetry)."""

    @abstractmethod
    def environment(self, places: Places) -> dict[str, str]:
        """The agent's own variables: its model's URL and key, no traffic but the model's."""

    @abstractmethod
    def command(self, executable: Path, prompt: str) -> list[str]:
        """The command line that runs one prompt without a person, printing its answer."""

    @abstractmethod
    def answer(self, stdout: str) -> str | None:
        """The final text in the agent's output."""

    def add_recorder(self, places: Places, command: str) -> None:
        """Add ``command`` as a hook on every event of :attr:`hook_events`.

        In the user's settings, a matcher group per event (``{"hooks": {EVENT: [{"matcher":
        "*", "hooks": [{"type": "command", "command": ...}]}]}}``), as Claude Code, Gemini CLI,
        Codex CLI and Copilot CLI (under its PascalCase event names) all read them.
        """
        path = places.home / self.user_settings
        settings = read_json(path)
        hooks = settings.setdefault("hooks", {})
        for event in self.hook_events:
            group = {"matcher": "*", "hooks": [{"type": "command", "command": command}]}
            hooks.setdefault(event, []).append(group)
        write_json(path, settings)

    def hook_tool(self, call: ToolCall) -> str:
        """The tool's name as the agent's hooks (and so rewind's checkpoints) give it."""
        return self.hook_tool_names.get(call.name, call.name)

    def tool_of(self, payload: Mapping[str, Any]) -> str | None:
        """The tool a hook input is about, if any."""
        tool = payload.get("tool_name")
        return str(tool) if tool is not None else None

    def call_id_of(self, payload: Mapping[str, Any]) -> str | None:
        """The model's call id in a hook input, if the agent sends one."""
        call_id = payload.get("tool_use_id")
        return str(call_id) if call_id is not None else None

    def redactions(self, directory: str) -> dict[str, str]:
        """How the agent spells the scenario's ``directory`` in its hook inputs, each with the
        placeholder a captured fixture writes instead: ``{directory}`` for the path itself."""
        return {directory: "{directory}"}

    def recorder_command(self, places: Places) -> str:
        """The recording hook's command line."""
        return f"{sys.executable} {RECORDER} {places.records} {self.pre_tool_event}"

    def full_environment(self, places: Places) -> dict[str, str]:
        """What the agent runs with: a few of the test's variables, its home, its own."""
        passed = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
        return {**passed, "HOME": str(places.home), **places.extra_environment,
                **self.environment(places)}  # fmt: skip

    def run(self, places: Places, prompt: str, arguments: Sequence[str] = ()) -> AgentOutcome:
        """Run one prompt in the workspace; kill it (and fail) if it outlives the timeout.

        ``arguments`` follow the command's own (Claude Code's ``--resume SESSION``).
        """
        process = subprocess.Popen(
            [*self.command(self.executable(), prompt), *arguments],
            cwd=places.workspace, env=self.full_environment(places),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True,
        )  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise AssertionError(
                f"{self.title} did not finish within {RUN_TIMEOUT} s:\n{stdout[-3000:]}\n"
                f"{stderr[-3000:]}"
            ) from None
        return AgentOutcome(process.returncode, stdout, stderr, self.answer(stdout))


def read_json(path: Path) -> dict[str, Any]:
    """A settings file's JSON object (empty if there is no file yet)."""
    if not path.exists():
        return {}
    document = json.loads(path.read_text("utf-8"))
    assert isinstance(document, dict), path
    return document


def write_json(path: Path, document: Mapping[str, Any]) -> None:
    """Write a settings file (and its directories)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", "utf-8")


def last_json_object(stdout: str) -> dict[str, Any] | None:
    """The JSON object an agent printed (the whole output, else its last line that is one)."""
    for text in (stdout, *reversed(stdout.splitlines())):
        try:
            document = json.loads(text)
        except ValueError:
            continue
        if isinstance(document, dict):
            return document
    return None


PROGRAMS: dict[str, AgentProgram] = {}
"""Every agent's program by title, filled by the agents' modules."""


def register(program: type[AgentProgram]) -> type[AgentProgram]:
    """Add an agent's program to :data:`PROGRAMS` (a class decorator)."""
    PROGRAMS[program.title] = program()
    assert program.pin is PINS[program.pin.agent]
    return program
