"""A hook call as Claude Code or Gemini CLI describes it, read from its documented JSON.

Claude Code (``PreToolUse``): ``session_id``, ``transcript_path``, ``cwd``,
``hook_event_name``, ``tool_name``, ``tool_input``, ``tool_use_id``. Gemini CLI
(``BeforeTool``): ``session_id``, ``transcript_path``, ``cwd``, ``hook_event_name``,
``timestamp``, ``tool_name``, ``tool_input``. The workspace is ``cwd``; the rest goes into the
snapshot's ``extra``, so a checkpoint names the tool call it preceded.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from rewind.errors import InvalidInputError
from rewind.hooks.names import AGENTS, PLANS

__all__ = ["HookCall"]

_TEXT_FIELDS = ("session_id", "hook_event_name", "tool_name", "tool_use_id")


@dataclass(frozen=True)
class HookCall:
    """One tool call an agent is about to make, and the workspace it runs in."""

    agent: str
    workspace: str
    tool_name: str | None = None
    tool_use_id: str | None = None
    session_id: str | None = None
    event: str | None = None

    @classmethod
    def parse(cls, agent: str, body: bytes | str) -> HookCall:
        """Read a hook's JSON input.

        Raises:
            InvalidInputError: It is not a JSON object with a ``cwd``, or a field that must
                be text is not.
        """
        if agent not in AGENTS:
            raise InvalidInputError(f"no hook for {agent!r} (one of {', '.join(AGENTS)})")
        try:
            document = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise InvalidInputError(f"the {agent} hook's input is not JSON: {exc}") from exc
        if not isinstance(document, dict):
            raise InvalidInputError(f"the {agent} hook's input is not a JSON object")
        workspace = document.get("cwd")
        if not isinstance(workspace, str) or not os.path.isabs(workspace):
            raise InvalidInputError(
                f"the {agent} hook's input has no absolute cwd (got {workspace!r:.80})"
            )
        fields: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            value = document.get(name)
            if value is not None and not isinstance(value, str):
                raise InvalidInputError(f"the {agent} hook's {name} is not text: {value!r:.80}")
            fields[name] = value
        return cls(
            agent=agent,
            workspace=workspace,
            tool_name=fields["tool_name"],
            tool_use_id=fields["tool_use_id"],
            session_id=fields["session_id"],
            event=fields["hook_event_name"],
        )

    @property
    def plan(self) -> str:
        """The plan this agent's snapshots belong to."""
        return PLANS[self.agent]

    def snapshot_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``create_workspace_snapshot`` besides plan, workspace, id."""
        extra = {
            "agent": self.agent,
            "tool_name": self.tool_name,
            "tool_use_id": self.tool_use_id,
            "session_id": self.session_id,
        }
        return {
            "reason": f"before {self.tool_name or 'a tool call'}",
            "source_tool": self.tool_name,
            "phase": self.event,
            "extra": {key: value for key, value in extra.items() if value is not None},
        }
