"""``rewind hook install <agent>``: merge rewind's hook into an agent's settings file.

Claude Code reads ``.claude/settings.json`` (``--project``, under the current directory) or
``~/.claude/settings.json`` (``--user``); Gemini CLI ``.gemini/settings.json`` or
``~/.gemini/settings.json``. The hook runs before each tool call that may change files.
Installing is idempotent: a rewind hook already there is brought up to date, every other
hook and setting is kept as it was. A dry run returns the diff and writes nothing.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from rewind.errors import InvalidInputError

__all__ = ["AGENT_HOOKS", "HookInstall", "install_hook"]


@dataclass(frozen=True)
class AgentHook:
    """Where an agent keeps its settings, and the hook rewind adds to them."""

    directory: str
    event: str
    matcher: str
    timeout: int
    """In the agent's unit: seconds for Claude Code, milliseconds for Gemini CLI."""


AGENT_HOOKS = {
    "claude-code": AgentHook(".claude", "PreToolUse", "Bash|Write|Edit|MultiEdit|NotebookEdit", 30),
    "gemini": AgentHook(".gemini", "BeforeTool", "write_file|replace|run_shell_command", 30_000),
}


@dataclass(frozen=True)
class HookInstall:
    """What installing did, or (a dry run) would do."""

    path: str
    diff: str
    changed: bool
    dry_run: bool


def install_hook(
    agent: str, *, user: bool, command: str, dry_run: bool = False, home: str | None = None
) -> HookInstall:
    """Merge rewind's hook for ``agent`` into its project or user settings.

    Args:
        agent: ``claude-code`` or ``gemini``.
        user: The user's settings (under ``home``) instead of the project's (here).
        command: How the agent runs rewind (``/path/to/rewind``).
        dry_run: Only say what would change.
        home: The user's home directory (default: ``~``).

    Raises:
        InvalidInputError: The agent is unknown, or the settings file is not a JSON object
            (or its hooks are not laid out as the agent documents them).
    """
    if agent not in AGENT_HOOKS:
        raise InvalidInputError(f"no hook for {agent!r} (one of {', '.join(AGENT_HOOKS)})")
    hook = AGENT_HOOKS[agent]
    base = (home or os.path.expanduser("~")) if user else os.getcwd()
    path = os.path.join(base, hook.directory, "settings.json")
    before = _read(path)
    try:
        settings = json.loads(before) if before.strip() else {}
    except ValueError as exc:
        raise InvalidInputError(f"{path} is not JSON ({exc}); fix it first", path=path) from exc
    if not isinstance(settings, dict):
        raise InvalidInputError(f"{path} does not hold a JSON object", path=path)
    _merge(settings, hook, f"{command} hook {agent}", agent, path)
    after = json.dumps(settings, indent=2) + "\n"
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), path, path
        )
    )
    changed = after != before
    if changed and not dry_run:
        _write(path, after)
    return HookInstall(path=path, diff=diff, changed=changed, dry_run=dry_run)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        return ""


def _merge(settings: dict[str, Any], hook: AgentHook, command: str, agent: str, path: str) -> None:
    """Put rewind's hook into ``settings`` once, in a group of its own.

    An older rewind hook (another path to rewind, another matcher) is taken out of its group,
    and a group it leaves empty goes; every other hook stays where it was.
    """
    hooks = settings.setdefault("hooks", {})
    groups = hooks.setdefault(hook.event, []) if isinstance(hooks, dict) else None
    if not isinstance(groups, list) or not all(isinstance(group, dict) for group in groups):
        raise InvalidInputError(
            f"{path}: hooks.{hook.event} is not a list of matcher groups", path=path
        )
    ours = {
        "matcher": hook.matcher,
        "hooks": [{"type": "command", "command": command, "timeout": hook.timeout}],
    }
    if ours in groups:
        return
    kept = []
    for group in groups:
        handlers = group.get("hooks")
        if isinstance(handlers, list):
            others = [h for h in handlers if not (isinstance(h, dict) and _is_rewinds(h, agent))]
            if handlers and not others:
                continue
            group["hooks"] = others
        kept.append(group)
    groups[:] = [*kept, ours]


def _is_rewinds(handler: dict[str, Any], agent: str) -> bool:
    command = handler.get("command")
    return isinstance(command, str) and command.endswith(f"hook {agent}") and "rewind" in command


def _write(path: str, text: str) -> None:
    """Replace the file at once (a temporary file renamed over it), keeping its mode."""
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".settings-", suffix=".json")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
