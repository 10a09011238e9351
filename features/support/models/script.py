"""What a scripted model says: turns of tool calls, then a final text.

The turn to play is read off the conversation the agent sends, not off a counter: a request
that carries N tool results gets the turn that follows the first N tool calls. So a retried
request gets the same answer again, and a side request (a title, a token count) does not move
the script on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolCall:
    """One tool call the model makes: the id it gives the call, the tool and its arguments.

    ``arguments`` is a JSON object for a function tool, or the raw text of a freeform
    (custom) tool such as Codex's ``apply_patch``.
    """

    call_id: str
    name: str
    arguments: Mapping[str, Any] | str


@dataclass(frozen=True)
class Turn:
    """One answer of the model: some text, then tool calls (none: the session's last word)."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass
class Script:
    """The turns a model plays in order, and what went wrong while playing them."""

    turns: Sequence[Turn]
    problems: list[str] = field(default_factory=list)
    results_before: int = 0
    """The tool results the conversation held before this script's first turn (the earlier
    prompts of a session resumed): they do not count in :meth:`turn_after`."""

    def __post_init__(self) -> None:
        if not self.turns or self.turns[-1].tool_calls:
            raise ValueError("a script ends with a turn of text alone")

    def turn_after(self, results_seen: int) -> Turn:
        """The turn that follows ``results_seen`` tool results sent back by the agent.

        A count that falls inside a turn's calls, or past the script, is noted in
        ``problems`` and answered with the last turn, so the agent stops.
        """
        calls_before = self.results_before
        for turn in self.turns:
            if calls_before == results_seen:
                return turn
            calls_before += len(turn.tool_calls)
        self.problems.append(
            f"the agent sent {results_seen} tool results, which no turn of the script follows"
        )
        return self.turns[-1]

    @property
    def tool_calls(self) -> list[ToolCall]:
        """Every tool call of the script, in order."""
        return [call for turn in self.turns for call in turn.tool_calls]
