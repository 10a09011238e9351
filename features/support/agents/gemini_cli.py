"""Gemini CLI (``@google/gemini-cli``): the Gemini API, ``gemini -p``.

``GOOGLE_GEMINI_BASE_URL`` points it at the scripted model, with ``GEMINI_API_KEY`` and the
API key chosen as the way to sign in (``security.auth.selectedType``; without it: "Invalid
auth method selected"). Usage statistics are off, or it looks up play.googleapis.com. It runs
headless only in a trusted folder (``~/.gemini/trustedFolders.json``), and only there loads
a project's hooks. ``--approval-mode yolo`` runs the tools without a person. Hook inputs
name the tool and its input but no call id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from support.agents.pins import PINS
from support.agents.program import (
    AgentProgram,
    Places,
    last_json_object,
    read_json,
    register,
    write_json,
)
from support.models import GeminiApi

QUIET = {
    "security": {"auth": {"selectedType": "gemini-api-key"}},
    "privacy": {"usageStatisticsEnabled": False},
    "telemetry": {"enabled": False},
    "general": {"enableAutoUpdate": False, "enableAutoUpdateNotification": False},
}
"""The user settings that sign in with the key and send nothing to Google."""


@register
class GeminiCli(AgentProgram):
    """Gemini CLI, one ``gemini -p`` per prompt."""

    title = "Gemini CLI"
    pin = PINS["gemini"]
    style = GeminiApi()
    write_tool = "write_file"
    shell_tool = "run_shell_command"
    pre_tool_event = "BeforeTool"
    hook_events = (
        "SessionStart", "SessionEnd", "BeforeAgent", "AfterAgent", "BeforeModel", "AfterModel",
        "BeforeToolSelection", "BeforeTool", "AfterTool", "PreCompress", "Notification",
    )  # fmt: skip
    user_settings = ".gemini/settings.json"
    sends_call_ids = False

    def write_arguments(self, path: Path, content: str) -> dict[str, Any]:
        """``write_file`` takes an absolute path."""
        return {"file_path": str(path), "content": content}

    def shell_arguments(self, command: str) -> dict[str, Any]:
        """``run_shell_command`` takes the command and a description."""
        return {"command": command, "description": "Run the scripted command"}

    def prepare(self, places: Places) -> None:
        """Sign in with the key, send nothing to Google, trust the workspace."""
        path = places.home / ".gemini" / "settings.json"
        write_json(path, {**read_json(path), **QUIET})
        trusted = places.home / ".gemini" / "trustedFolders.json"
        write_json(trusted, {**read_json(trusted), str(places.workspace): "TRUST_FOLDER"})

    def environment(self, places: Places) -> dict[str, str]:
        """The scripted model and a key."""
        return {"GOOGLE_GEMINI_BASE_URL": places.model_url, "GEMINI_API_KEY": "scripted"}

    def command(self, executable: Path, prompt: str) -> list[str]:
        """``gemini -p``, every tool approved, printing a JSON result."""
        return [str(executable), "-p", prompt, "--approval-mode", "yolo", "--output-format", "json"]

    def answer(self, stdout: str) -> str | None:
        """The result document's ``response``."""
        document = last_json_object(stdout) or {}
        return document.get("response")
