"""The coding agents' real programs, driven against scripted models on 127.0.0.1.

``pins`` says which version of each agent's npm package the scenarios run, and installs it
(``nox -s agents``); ``program`` is what every agent shares (a home of its own, one prompt
without a person, a recording hook); one module per agent says the rest. ``recorder`` is the
hook that records what an agent sends its hooks. ``PROGRAMS`` holds every agent by the name
people give it.
"""

from __future__ import annotations

from support.agents import claude_code, codex_cli, copilot_cli, gemini_cli, opencode  # noqa: F401 - each registers itself
from support.agents.program import PROGRAMS, AgentOutcome, AgentProgram, Places

__all__ = ["PROGRAMS", "AgentOutcome", "AgentProgram", "Places"]
