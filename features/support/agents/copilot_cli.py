"""GitHub Copilot CLI (``@github/copilot``): OpenAI's Chat Completions, ``copilot -p``.

Bring-your-own-key variables point it at the scripted model without a GitHub login, and
``COPILOT_OFFLINE=true`` keeps it off the network (no authentication, no telemetry). The model
id picks the tools: ``claude-sonnet-4.5`` gives ``create`` and ``bash``. On its first start the
program unpacks its JavaScript bundle under ``$XDG_CACHE_HOME/copilot``: that cache is kept
beside the installed package, not in each run's home. User hooks (``~/.copilot/settings.json``)
run without trusting the folder; under PascalCase event names they get snake_case inputs with
``hook_event_name`` and Claude Code's tool names (``Write``, ``Bash``), but no call id.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from support.agents.pins import CACHE_VARIABLE, PINS
from support.agents.program import AgentProgram, Places, register
from support.models import OpenAiChatCompletions


@register
class CopilotCli(AgentProgram):
    """Copilot CLI, one ``copilot -p`` per prompt."""

    title = "Copilot CLI"
    pin = PINS["copilot"]
    style = OpenAiChatCompletions()
    write_tool = "create"
    shell_tool = "bash"
    pre_tool_event = "PreToolUse"
    hook_events = ("SessionStart", "UserPromptSubmit", "PreToolUse", "PostToolUse", "Stop")
    user_settings = ".copilot/settings.json"
    sends_call_ids = False
    hook_tool_names: ClassVar[Mapping[str, str]] = {"create": "Write", "bash": "Bash"}

    def write_arguments(self, path: Path, content: str) -> dict[str, Any]:
        """``create`` takes an absolute path and the file's text."""
        return {"path": str(path), "file_text": content}

    def shell_arguments(self, command: str) -> dict[str, Any]:
        """``bash`` takes the command and a description."""
        return {"command": command, "description": "Run the scripted command"}

    def prepare(self, places: Places) -> None:
        """Nothing: the environment says it all."""

    def environment(self, places: Places) -> dict[str, str]:
        """The scripted model as the provider, offline, and the unpacked bundle's cache."""
        cache = Path(os.environ[CACHE_VARIABLE]) if CACHE_VARIABLE in os.environ else None
        unpacked = self.pin.directory(cache) / "xdg-cache" if cache else places.home / ".cache"
        return {
            "COPILOT_PROVIDER_BASE_URL": f"{places.model_url}/v1",
            "COPILOT_PROVIDER_API_KEY": "scripted",
            "COPILOT_MODEL": "claude-sonnet-4.5",
            "COPILOT_OFFLINE": "true",
            "COPILOT_AUTO_UPDATE": "false",
            "XDG_CACHE_HOME": str(unpacked),
        }

    def command(self, executable: Path, prompt: str) -> list[str]:
        """``copilot -p``, every tool allowed, printing only the agent's answer."""
        return [str(executable), "-p", prompt, "--allow-all-tools", "--no-auto-update", "-s"]

    def answer(self, stdout: str) -> str | None:
        """The output's last line (``-s`` prints the agent's messages alone)."""
        lines = [line.strip() for line in stdout.splitlines() if line.strip()]
        return lines[-1] if lines else None
