"""``rewind hook install <agent>``: merge rewind's hook into an agent's settings, and check it.

Claude Code reads ``.claude/settings.json`` (``--project``, under the current directory) or
``~/.claude/settings.json`` (``--user``); Gemini CLI ``.gemini/settings.json`` or
``~/.gemini/settings.json``. The hook runs when a prompt is submitted (Claude Code's
``UserPromptSubmit``, Gemini CLI's ``BeforeAgent``), before each tool call that may change
files (``PreToolUse``, ``BeforeTool``) and when a turn ends (``Stop``, ``AfterAgent``), as
the absolute, shell-quoted path of the ``rewind`` that installed it: a bare ``rewind`` the
agent's ``PATH`` may not find would fail open, silently, on every call. Installing is
idempotent: a rewind hook already there is brought up to date, every other hook and setting
is kept as it was. A dry run returns the diff and writes nothing. ``check_hook`` then runs the
installed command once, as the agent would, to prove it answers.
"""

from __future__ import annotations

import difflib
import json
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from rewind.errors import InvalidInputError
from rewind.hooks.names import PROBE_EVENT

__all__ = [
    "AGENT_HOOKS",
    "NO_PROMPT_TEXT",
    "HookInstall",
    "check_hook",
    "gemini_folder_trusted",
    "hook_command",
    "install_hook",
    "settings_path",
]


@dataclass(frozen=True)
class AgentHook:
    """Where an agent keeps its settings, and the hooks rewind adds to them."""

    directory: str
    event: str
    """The event before a tool call."""
    matcher: str
    """The tools whose calls ``event`` checkpoints (those that may change files)."""
    timeout: int
    """In the agent's unit: seconds for Claude Code, milliseconds for Gemini CLI. Far above
    the hook's own deadline for the service (30 s), so a slow first snapshot in process still
    finishes before the agent kills the hook."""
    turn_start: str
    """The event when a prompt is submitted, before the agent acts on it."""
    turn_end: str
    """The event when the agent has answered the prompt."""

    def matchers(self) -> tuple[tuple[str, str], ...]:
        """Each event rewind's hook runs on, and its matcher (``*``: every time)."""
        return ((self.turn_start, "*"), (self.event, self.matcher), (self.turn_end, "*"))


AGENT_HOOKS = {
    "claude-code": AgentHook(
        ".claude",
        "PreToolUse",
        "Bash|Write|Edit|MultiEdit|NotebookEdit",
        120,
        "UserPromptSubmit",
        "Stop",
    ),
    "gemini": AgentHook(
        ".gemini",
        "BeforeTool",
        "write_file|replace|run_shell_command",
        120_000,
        "BeforeAgent",
        "AfterAgent",
    ),
}
NO_PROMPT_TEXT = "--no-prompt-text"
"""The hook command's option that keeps the prompts' text out of the store."""
CHECK_SECONDS = 120.0
"""How long ``check_hook`` lets the command run (a first run may create the store)."""


@dataclass(frozen=True)
class HookInstall:
    """What installing did, or (a dry run) would do."""

    path: str
    command: str
    diff: str
    changed: bool
    dry_run: bool


def hook_command(
    agent: str, executable: str, database_url: str | None = None, *, prompt_text: bool = True
) -> str:
    """The shell command an agent runs: ``executable [--db URL] hook AGENT``, quoted.

    ``prompt_text`` False adds ``--no-prompt-text``: no prompt's text is stored.
    """
    words = [executable, *(["--db", database_url] if database_url else []), "hook", agent]
    return shlex.join([*words, *([] if prompt_text else [NO_PROMPT_TEXT])])


def settings_path(agent: str, *, user: bool, home: str | None = None) -> str:
    """The settings file of ``agent``: the user's (under ``home``) or this project's."""
    hook = _agent_hook(agent)
    base = (home or os.path.expanduser("~")) if user else os.getcwd()
    return os.path.join(base, hook.directory, "settings.json")


def install_hook(
    agent: str, *, user: bool, command: str, dry_run: bool = False, home: str | None = None
) -> HookInstall:
    """Merge rewind's hooks for ``agent`` into its project or user settings.

    Args:
        agent: ``claude-code`` or ``gemini``.
        user: The user's settings (under ``home``) instead of the project's (here).
        command: The shell command the agent runs (``hook_command``).
        dry_run: Only say what would change.
        home: The user's home directory (default: ``~``).

    Raises:
        InvalidInputError: The agent is unknown, or the settings file is not a JSON object
            (or its hooks are not laid out as the agent documents them).
    """
    hook = _agent_hook(agent)
    path = settings_path(agent, user=user, home=home)
    before = _read(path)
    try:
        settings = json.loads(before) if before.strip() else {}
    except ValueError as exc:
        raise InvalidInputError(f"{path} is not JSON ({exc}); fix it first", path=path) from exc
    if not isinstance(settings, dict):
        raise InvalidInputError(f"{path} does not hold a JSON object", path=path)
    _merge(settings, hook, command, agent, path)
    after = json.dumps(settings, indent=2) + "\n"
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), path, path
        )
    )
    changed = after != before
    if changed and not dry_run:
        _write(path, after)
    return HookInstall(path=path, command=command, diff=diff, changed=changed, dry_run=dry_run)


def check_hook(command: str, agent: str, directory: str) -> str | None:
    """Run the installed ``command`` once, through the shell as the agent does.

    Its input is the install check's event (``PROBE_EVENT``), which snapshots nothing.

    Returns:
        None if it printed ``{}``, said nothing on stderr and exited 0 (so it found its
        store, too), else what went wrong, in a sentence.
    """
    probe = json.dumps({"hook_event_name": PROBE_EVENT, "cwd": directory})
    try:
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            input=probe.encode(),
            capture_output=True,
            cwd=directory,
            timeout=CHECK_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the hook command could not be run: {exc}"
    if done.returncode == 0 and done.stdout.strip() == b"{}" and not done.stderr.strip():
        return None
    said = (done.stderr or done.stdout).decode("utf-8", "replace").strip()[:300]
    return f"the hook command exited {done.returncode}: {said or 'saying nothing'}"


def gemini_folder_trusted(directory: str, home: str | None = None) -> bool:
    """Whether Gemini CLI trusts ``directory`` (it runs a project's hooks only then).

    As Gemini CLI decides: ``GEMINI_CLI_TRUST_WORKSPACE=true``, or folder trust turned off
    in the user's settings, or the longest rule of ``~/.gemini/trustedFolders.json`` that
    contains the directory (``TRUST_FOLDER``: that folder; ``TRUST_PARENT``: its parent)
    not being ``DO_NOT_TRUST``.
    """
    if os.environ.get("GEMINI_CLI_TRUST_WORKSPACE", "").lower() == "true":
        return True
    base = os.path.join(home or os.path.expanduser("~"), ".gemini")
    security = _json_object(os.path.join(base, "settings.json")).get("security")
    folder_trust = security.get("folderTrust") if isinstance(security, dict) else None
    if isinstance(folder_trust, dict) and folder_trust.get("enabled") is False:
        return True  # folder trust turned off: every folder's settings are read
    rules = _json_object(
        os.environ.get("GEMINI_CLI_TRUSTED_FOLDERS_PATH")
        or os.path.join(base, "trustedFolders.json")
    )
    return _trusted_by_rules(os.path.realpath(directory), rules)


def _trusted_by_rules(directory: str, rules: dict[str, Any]) -> bool:
    best, trusted = -1, False
    for rule, level in rules.items():
        if level not in ("TRUST_FOLDER", "TRUST_PARENT", "DO_NOT_TRUST"):
            continue
        trusted_path = os.path.dirname(rule.rstrip("/")) if level == "TRUST_PARENT" else rule
        root = os.path.realpath(trusted_path)
        inside = directory == root or directory.startswith(root.rstrip("/") + "/")
        if inside and len(root) > best:
            best, trusted = len(root), level != "DO_NOT_TRUST"
    return trusted


def _json_object(path: str) -> dict[str, Any]:
    """The JSON object in ``path``; empty when missing or unreadable (the agent's view too)."""
    try:
        found = json.loads(_read(path) or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _agent_hook(agent: str) -> AgentHook:
    if agent not in AGENT_HOOKS:
        raise InvalidInputError(f"no hook for {agent!r} (one of {', '.join(AGENT_HOOKS)})")
    return AGENT_HOOKS[agent]


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except FileNotFoundError:
        return ""


def _merge(settings: dict[str, Any], hook: AgentHook, command: str, agent: str, path: str) -> None:
    """Put rewind's hook into ``settings`` once for each of its events.

    Raises:
        InvalidInputError: The settings' hooks are not laid out as the agent documents them.
    """
    hooks = settings.setdefault("hooks", {})
    for event, matcher in hook.matchers():
        groups = hooks.setdefault(event, []) if isinstance(hooks, dict) else None
        if not isinstance(groups, list) or not all(isinstance(group, dict) for group in groups):
            raise InvalidInputError(
                f"{path}: hooks.{event} is not a list of matcher groups", path=path
            )
        handler = {"type": "command", "command": command, "timeout": hook.timeout}
        _merge_group(groups, {"matcher": matcher, "hooks": [handler]}, agent)


def _merge_group(groups: list[dict[str, Any]], ours: dict[str, Any], agent: str) -> None:
    """Put ``ours`` into one event's ``groups`` once, in a group of its own.

    An older rewind hook (another path to rewind, another matcher) is taken out of its group,
    and a group it leaves empty goes; every other hook stays where it was.
    """
    if ours in groups:
        return
    kept = []
    for group in groups:
        handlers = group.get("hooks")
        if isinstance(handlers, list):
            others = [h for h in handlers if not (isinstance(h, dict) and is_rewinds(h, agent))]
            if handlers and not others:
                continue
            group["hooks"] = others
        kept.append(group)
    groups[:] = [*kept, ours]


def is_rewinds(handler: dict[str, Any], agent: str) -> bool:
    """Whether a hook handler of an agent's settings is rewind's hook for ``agent``."""
    command = handler.get("command")
    if not isinstance(command, str):
        return False
    try:
        words = shlex.split(command)
    except ValueError:
        return False
    if words and words[-1] == NO_PROMPT_TEXT:
        words = words[:-1]
    return (
        len(words) >= 3  # noqa: PLR2004 - PROGRAM ... hook AGENT
        and words[-2:] == ["hook", agent]
        and "rewind" in os.path.basename(words[0])
    )


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
