"""A hook call as an agent describes it: the fields of its hook input a checkpoint records.

Claude Code (``PreToolUse``): ``session_id``, ``transcript_path``, ``cwd``,
``hook_event_name``, ``tool_name``, ``tool_input``, ``tool_use_id``. Gemini CLI
(``BeforeTool``): ``session_id``, ``transcript_path``, ``cwd``, ``hook_event_name``,
``timestamp``, ``tool_name``, ``tool_input`` (no call id). ``rewind.hooks.event`` reads
them; the workspace is ``cwd``, the rest goes into the snapshot's ``extra``, so a checkpoint
names the tool call it preceded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rewind.errors import InvalidInputError
from rewind.hooks.event import read_event
from rewind.hooks.names import AGENTS, PLANS

__all__ = ["HookCall"]

_EXTRA_FIELDS = ("tool_name", "tool_use_id", "session_id", "tool_summary", "transcript_path")


@dataclass(frozen=True)
class HookCall:
    """One tool call an agent is about to make, and the workspace it runs in."""

    agent: str
    workspace: str
    fields: Mapping[str, str]

    @classmethod
    def parse(cls, agent: str, body: bytes | str) -> HookCall:
        """Read a hook's JSON input (whole, however large).

        Raises:
            InvalidInputError: The agent is unknown, or the input is not a JSON object with
                an absolute ``cwd``, or a field that must be text is not (or holds a NUL).
        """
        if agent not in AGENTS:
            raise InvalidInputError(f"no hook for {agent!r} (one of {', '.join(AGENTS)})")
        try:
            event = read_event(agent, body)
        except ValueError as exc:
            raise InvalidInputError(str(exc)) from exc
        return cls.of(agent, event)

    @classmethod
    def of(cls, agent: str, event: Mapping[str, str]) -> HookCall:
        """The call ``event`` (as ``read_event`` returns it) describes."""
        fields = dict(event)
        return cls(agent=agent, workspace=fields.pop("cwd"), fields=fields)

    @property
    def plan(self) -> str:
        """The plan this agent's snapshots belong to."""
        return PLANS[self.agent]

    @property
    def tool_name(self) -> str | None:
        """The tool about to run, as the agent names it."""
        return self.fields.get("tool_name")

    @property
    def tool_use_id(self) -> str | None:
        """The agent's id for this tool call (Gemini CLI gives none)."""
        return self.fields.get("tool_use_id")

    def snapshot_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``create_workspace_snapshot`` besides plan, workspace, id."""
        extra = {"agent": self.agent}
        extra.update((key, self.fields[key]) for key in _EXTRA_FIELDS if key in self.fields)
        return {
            "reason": f"before {self.tool_name or 'a tool call'}",
            "source_tool": self.tool_name,
            "phase": self.fields.get("hook_event_name"),
            "extra": extra,
        }
