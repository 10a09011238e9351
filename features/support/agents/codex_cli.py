"""Codex CLI (``@openai/codex``): OpenAI's Responses API, ``codex exec``.

The scripted model is a model provider of the user's ``config.toml`` (``$CODEX_HOME``; a
project's ``.codex/config.toml`` may not name providers), ``wire_api = "responses"``, its key
in the variable the provider names. The model ``gpt-5.5`` is in Codex's catalog with the
freeform ``apply_patch`` tool, which writes the file; update checks, analytics and feedback
are off. ``codex exec`` runs a prompt without a person; user hooks (``~/.codex/hooks.json``)
run only once trusted, or with ``--dangerously-bypass-hook-trust``. Hook inputs name the
model's call id (``tool_use_id``); the shell tool's is ``Bash``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from support.agents.pins import PINS
from support.agents.program import AgentProgram, Places, register
from support.models import OpenAiResponses

CONFIG = """\
model = "gpt-5.5"
model_provider = "scripted"
check_for_update_on_startup = false

[model_providers.scripted]
name = "Scripted model"
base_url = "{url}/v1"
env_key = "SCRIPTED_OPENAI_KEY"
wire_api = "responses"

[analytics]
enabled = false

[feedback]
enabled = false
"""


@register
class CodexCli(AgentProgram):
    """Codex CLI, one ``codex exec`` per prompt."""

    title = "Codex CLI"
    pin = PINS["codex"]
    style = OpenAiResponses()
    write_tool = "apply_patch"
    shell_tool = "exec_command"
    pre_tool_event = "PreToolUse"
    hook_events = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop")
    user_settings = ".codex/hooks.json"
    sends_call_ids = True
    hook_tool_names: ClassVar[Mapping[str, str]] = {"exec_command": "Bash"}

    def write_arguments(self, path: Path, content: str) -> str:
        """A patch adding the file (``apply_patch`` is freeform: its input is the patch)."""
        added = "".join(f"+{line}\n" for line in content.splitlines())
        return f"*** Begin Patch\n*** Add File: {path.name}\n{added}*** End Patch\n"

    def shell_arguments(self, command: str) -> dict[str, Any]:
        """``exec_command`` takes the command line."""
        return {"cmd": command}

    def prepare(self, places: Places) -> None:
        """The scripted model as the user's model provider; no update checks, no analytics."""
        config = places.home / ".codex" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(CONFIG.format(url=places.model_url), "utf-8")

    def environment(self, places: Places) -> dict[str, str]:
        """Codex's home and the provider's key."""
        return {"CODEX_HOME": str(places.home / ".codex"), "SCRIPTED_OPENAI_KEY": "scripted"}

    def command(self, executable: Path, prompt: str) -> list[str]:
        """``codex exec`` with no approvals, no sandbox, untrusted hooks run, JSON events."""
        return [
            str(executable), "exec", "--skip-git-repo-check",
            "--dangerously-bypass-approvals-and-sandbox", "--dangerously-bypass-hook-trust",
            "--json", prompt,
        ]  # fmt: skip

    def answer(self, stdout: str) -> str | None:
        """The text of the last ``agent_message`` item among the JSON events."""
        answer = None
        for line in stdout.splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            item = event.get("item") if isinstance(event, dict) else None
            if isinstance(item, dict) and item.get("type") == "agent_message":
                answer = item.get("text")
        return answer
