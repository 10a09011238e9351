"""A hook call as an agent describes it: the checkpoint it asks for, and its ``AgentCall``.

Each hook event an agent sends maps to a checkpoint type: the start of a turn (Claude Code's
``UserPromptSubmit``, Gemini CLI's ``BeforeAgent``), before a tool call (``PreToolUse``,
``BeforeTool``), after one (``PostToolUse``, ``AfterTool``) and the end of a turn (``Stop``,
``AfterAgent``). Every checkpoint a hook takes carries an ``AgentCall``: the agent, its
session id, the turn, the prompt's first line (turn starts only), the tool and a one-line
summary of its input, and the transcript's path.

The turn is the agent's own id for it where it gives one (Claude Code's ``prompt_id``, on
every event of a turn; Codex's ``turn_id``), else the turn's number in its session: a turn
start counts one more than the session's previous turn start, and every other event takes
the number of the session's latest turn start (``turn_query`` finds it).

``rewind.hooks.event`` reads the input; the workspace is ``cwd``. The tool call's fields are
also kept in the snapshot's ``extra`` (``tool_name``, ``tool_use_id``, ``session_id``,
``tool_summary``, ``transcript_path``), as earlier versions of rewind stored them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rewind.errors import InvalidInputError
from rewind.hooks.event import read_event
from rewind.hooks.names import AGENTS, PLANS
from rewind.models import AgentCall, Checkpoint, CheckpointType

__all__ = ["HookCall"]

_EXTRA_FIELDS = ("tool_name", "tool_use_id", "session_id", "tool_summary", "transcript_path")
EVENT_TYPES = {
    "UserPromptSubmit": CheckpointType.TURN_START,
    "BeforeAgent": CheckpointType.TURN_START,
    "PreToolUse": CheckpointType.PRE_TOOL,
    "BeforeTool": CheckpointType.PRE_TOOL,
    "PostToolUse": CheckpointType.POST_TOOL,
    "AfterTool": CheckpointType.POST_TOOL,
    "Stop": CheckpointType.TURN_END,
    "AfterAgent": CheckpointType.TURN_END,
}
"""The checkpoint each agent's hook event takes; any other event is taken as before a tool."""


@dataclass(frozen=True)
class HookCall:
    """One hook event of an agent: a turn starting or ending, or a tool call, and its workspace."""

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

    @property
    def checkpoint_type(self) -> CheckpointType:
        """The checkpoint this event takes (before a tool call, unless it names another)."""
        return EVENT_TYPES.get(self.fields.get("hook_event_name", ""), CheckpointType.PRE_TOOL)

    @property
    def described(self) -> str:
        """What the checkpoint is taken at, for people: ``before Bash``, ``at a turn's end``."""
        kind = self.checkpoint_type
        if kind is CheckpointType.TURN_START:
            return "at a turn's start"
        if kind is CheckpointType.TURN_END:
            return "at a turn's end"
        when = "after" if kind is CheckpointType.POST_TOOL else "before"
        return f"{when} {self.tool_name or 'a tool call'}"

    def turn_query(self) -> dict[str, Any] | None:
        """The ``list_checkpoints`` filters that find this session's latest turn start.

        None when the agent numbers its turns itself, or names no session: nothing to count.
        """
        session = self.fields.get("session_id")
        if self._agents_turn() is not None or not session:
            return None
        return {
            "plan_id": self.plan,
            "session_id": session,
            "checkpoint_type": CheckpointType.TURN_START,
            "limit": 1,
        }

    def snapshot_fields(self, latest_turn_start: Sequence[Checkpoint] = ()) -> dict[str, Any]:
        """The keyword arguments of ``create_workspace_snapshot`` besides plan, workspace, id.

        Args:
            latest_turn_start: What ``list_checkpoints(**turn_query())`` found, when the
                agent numbers no turns (the session's latest turn start, if any).
        """
        extra = {"agent": self.agent}
        extra.update((key, self.fields[key]) for key in _EXTRA_FIELDS if key in self.fields)
        return {
            "reason": self.described,
            "source_tool": self.tool_name,
            "phase": self.fields.get("hook_event_name"),
            "checkpoint_type": self.checkpoint_type,
            "agent_call": self.agent_call(self._turn(latest_turn_start)),
            "extra": extra,
        }

    def agent_call(self, turn: str | None) -> AgentCall:
        """The ``AgentCall`` of this event, in ``turn``."""
        turn_start = self.checkpoint_type is CheckpointType.TURN_START
        return AgentCall(
            agent=self.agent,
            session_id=self.fields.get("session_id") or None,
            turn=turn,
            prompt=self.fields.get("prompt") if turn_start else None,
            tool=self.tool_name or None,
            tool_summary=self.fields.get("tool_summary"),
            transcript_path=self.fields.get("transcript_path") or None,
        )

    def _agents_turn(self) -> str | None:
        return self.fields.get("prompt_id") or self.fields.get("turn_id") or None

    def _turn(self, latest_turn_start: Sequence[Checkpoint]) -> str | None:
        """The agent's turn id, else the turn's number counted from the latest turn start."""
        if (own := self._agents_turn()) is not None:
            return own
        if not self.fields.get("session_id"):
            return None
        call = latest_turn_start[0].metadata.agent_call if latest_turn_start else None
        number = call.turn if call is not None and call.turn else None
        if self.checkpoint_type is not CheckpointType.TURN_START:
            return number
        counted = number is not None and number.isascii() and number.isdigit()
        return str(int(number) + 1) if counted and number is not None else "1"
