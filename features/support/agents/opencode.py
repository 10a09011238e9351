"""OpenCode (``opencode-ai``): OpenAI's Chat Completions (a custom provider), ``opencode run``.

The scripted model is an ``@ai-sdk/openai-compatible`` provider of the user's
``opencode.json`` (bundled with the program: nothing is downloaded); the models list, updates,
LSP downloads and sharing are off. For every configuration directory OpenCode starts a
background ``npm install @opencode-ai/plugin`` unless ``node_modules`` is there and
``package-lock.json`` lists every dependency, so a stub of those three files is written first.
It asks its model for a title (a request without tools) before the main loop. OpenCode has no
command hooks: a plugin (a JavaScript module in ``~/.config/opencode/plugin/``) sees each tool
call (``tool.execute.before`` with the model's ``callID``) and passes it to the recording hook as
``{"hook_event_name", "cwd", "input", "output"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from support.agents.pins import PINS
from support.agents.program import AgentProgram, Places, register, write_json
from support.models import OpenAiChatCompletions

PLUGIN = """\
import { execFileSync } from "node:child_process";

const COMMAND = %s;
const EVENTS = %s;

export const Recorder = async (context) => {
  const hooks = {};
  for (const event of EVENTS) {
    hooks[event] = async (input, output) => {
      const payload = { hook_event_name: event, cwd: context.directory, input, output };
      execFileSync("/bin/sh", ["-c", COMMAND], { input: JSON.stringify(payload) });
    };
  }
  return hooks;
};
"""


@register
class OpenCode(AgentProgram):
    """OpenCode, one ``opencode run`` per prompt."""

    title = "OpenCode"
    pin = PINS["opencode"]
    style = OpenAiChatCompletions()
    write_tool = "write"
    shell_tool = "bash"
    pre_tool_event = "tool.execute.before"
    hook_events = ("tool.execute.before", "tool.execute.after", "chat.message")
    user_settings = ".config/opencode/opencode.json"
    sends_call_ids = True

    def write_arguments(self, path: Path, content: str) -> dict[str, Any]:
        """``write`` takes an absolute ``filePath`` and the content."""
        return {"filePath": str(path), "content": content}

    def shell_arguments(self, command: str) -> dict[str, Any]:
        """``bash`` takes the command and a description."""
        return {"command": command, "description": "Run the scripted command"}

    def prepare(self, places: Places) -> None:
        """The scripted provider, every tool allowed, nothing shared; the npm stub."""
        config = places.home / ".config" / "opencode"
        write_json(config / "opencode.json", {
            "provider": {"scripted": {
                "npm": "@ai-sdk/openai-compatible", "name": "Scripted model",
                "options": {"baseURL": f"{places.model_url}/v1", "apiKey": "scripted"},
                "models": {"scripted-model": {
                    "name": "Scripted model", "tool_call": True,
                    "limit": {"context": 200000, "output": 8192},
                }},
            }},
            "model": "scripted/scripted-model", "share": "disabled", "autoupdate": False,
            "permission": {"edit": "allow", "bash": "allow"},
        })  # fmt: skip
        dependencies = {"@opencode-ai/plugin": self.pin.version}
        write_json(config / "package.json", {"dependencies": dependencies})
        write_json(config / "package-lock.json", {
            "name": "opencode", "lockfileVersion": 3, "requires": True,
            "packages": {
                "": {"dependencies": dependencies},
                "node_modules/@opencode-ai/plugin": {"version": self.pin.version},
            },
        })  # fmt: skip
        (config / "node_modules").mkdir(exist_ok=True)

    def environment(self, places: Places) -> dict[str, str]:
        """Its configuration in its home; no models list, updates or LSP downloads."""
        return {
            "XDG_CONFIG_HOME": str(places.home / ".config"),
            "OPENCODE_DISABLE_MODELS_FETCH": "1",
            "OPENCODE_DISABLE_AUTOUPDATE": "1",
            "OPENCODE_DISABLE_LSP_DOWNLOAD": "1",
        }

    def command(self, executable: Path, prompt: str) -> list[str]:
        """``opencode run`` (the configuration allows every tool)."""
        return [str(executable), "run", prompt]

    def answer(self, stdout: str) -> str | None:
        """The output's last line."""
        lines = [line.strip() for line in stdout.splitlines() if line.strip()]
        return lines[-1] if lines else None

    def add_recorder(self, places: Places, command: str) -> None:
        """A plugin that hands each tool call to the recording hook."""
        plugin = places.home / ".config" / "opencode" / "plugin" / "recorder.js"
        plugin.parent.mkdir(parents=True, exist_ok=True)
        plugin.write_text(PLUGIN % (json.dumps(command), json.dumps(self.hook_events)), "utf-8")

    def tool_of(self, payload: Mapping[str, Any]) -> str | None:
        """The tool the plugin saw (``input.tool``)."""
        called = payload.get("input")
        return str(called.get("tool")) if isinstance(called, dict) else None

    def call_id_of(self, payload: Mapping[str, Any]) -> str | None:
        """The model's call id the plugin saw (``input.callID``)."""
        called = payload.get("input")
        return str(called.get("callID")) if isinstance(called, dict) else None
