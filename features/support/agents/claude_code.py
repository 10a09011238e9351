"""Claude Code (``@anthropic-ai/claude-code``): Anthropic's Messages API, ``claude -p``.

``ANTHROPIC_BASE_URL`` points it at the scripted model; with
``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`` it sends that server a ``HEAD /`` and its main
loop's requests, and nothing anywhere else. ``--permission-mode acceptEdits`` with the tools
allowed by name runs them without a person, as root too. Hooks live in ``settings.json``
(``~/.claude`` or the project's ``.claude``); every hook input names the model's call id
(``tool_use_id``). Its transcript directory spells the workspace with every character but
letters and digits made a ``-``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from support.agents.pins import PINS
from support.agents.program import (
    AgentProgram,
    Places,
    last_json_object,
    register,
)
from support.models import AnthropicMessages


@register
class ClaudeCode(AgentProgram):
    """Claude Code, one ``claude -p`` per prompt."""

    title = "Claude Code"
    pin = PINS["claude-code"]
    style = AnthropicMessages()
    write_tool = "Write"
    shell_tool = "Bash"
    pre_tool_event = "PreToolUse"
    hook_events = (
        "SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop", "SessionEnd",
    )  # fmt: skip
    user_settings = ".claude/settings.json"
    sends_call_ids = True
    call_prefix = "toolu_"

    def write_arguments(self, path: Path, content: str) -> dict[str, Any]:
        """``Write`` takes an absolute path."""
        return {"file_path": str(path), "content": content}

    def shell_arguments(self, command: str) -> dict[str, Any]:
        """``Bash`` takes the command and a description."""
        return {"command": command, "description": "Run the scripted command"}

    def prepare(self, places: Places) -> None:
        """Nothing: the environment says it all."""

    def environment(self, places: Places) -> dict[str, str]:
        """The scripted model, a key it takes, and no traffic but the model's."""
        return {
            "ANTHROPIC_BASE_URL": places.model_url,
            "ANTHROPIC_API_KEY": "sk-ant-scripted",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
        }

    def command(self, executable: Path, prompt: str) -> list[str]:
        """``claude -p``, its edits and shell commands allowed, printing a JSON result."""
        return [
            str(executable), "-p", prompt, "--permission-mode", "acceptEdits",
            "--allowedTools", "Bash Write Edit Read", "--output-format", "json",
        ]  # fmt: skip

    def answer(self, stdout: str) -> str | None:
        """The result document's ``result``."""
        document = last_json_object(stdout) or {}
        return document.get("result")

    def redactions(self, directory: str) -> dict[str, str]:
        """The directory, and the transcript directory's spelling of it, all dashes."""
        dashed = re.sub(r"[^A-Za-z0-9]", "-", directory)
        return {directory: "{directory}", dashed: "{dashed-directory}"}
