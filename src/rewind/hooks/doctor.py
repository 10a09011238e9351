"""``rewind doctor``: is everything in place for this user's agents to be checkpointed?

It looks, for this user and the current directory, at: the store (where it is, who may read
it, whether it opens), an old store inside the workspace, each agent's hooks (project and
user settings: whether rewind's command resolves, and for Gemini CLI whether the folder is
trusted, since an untrusted folder's hooks silently never run), the server the hooks forward
to, and the hooks' log (the last calls, and every checkpoint skipped or taken late). Each
finding is ``ok``, ``warn`` or ``fail``; a ``fail`` means checkpoints would be lost.
"""

from __future__ import annotations

import os
import shlex
import socket
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from rewind.errors import RewindError
from rewind.hooks.background import (
    SERVICE_VARIABLE,
    ServiceFiles,
    service_status,
    service_wanted,
)
from rewind.hooks.forward import hook_log_path
from rewind.hooks.install import (
    AGENT_HOOKS,
    gemini_folder_trusted,
    is_rewinds,
    settings_path,
)
from rewind.hooks.names import SERVER_URL_VARIABLE
from rewind.schema import schema_status
from rewind.service import default_database_url

__all__ = ["Finding", "diagnose"]

LAST_CALLS = 5
"""How many of the hooks' last log lines the doctor shows."""
WATCH_LIMIT = "watch limit reached"
"""The reason ``WatchReport.full_scan_reasons`` gives when the kernel refused more watches."""


@dataclass(frozen=True)
class Finding:
    """One thing the doctor looked at: ``ok``, ``warn`` or ``fail`` (checkpoints would be lost)."""

    area: str
    status: str
    message: str


def diagnose(directory: str, database_url: str | None = None) -> list[Finding]:
    """Everything the doctor finds for this user, from ``directory``."""
    return [
        *_store(database_url),
        *_old_store(directory),
        *_hooks(directory),
        *_server(database_url or default_database_url()),
        *_log(),
    ]


def _store(database_url: str | None) -> Iterator[Finding]:
    url = database_url or default_database_url()
    if url.startswith("sqlite:///"):
        yield from _store_file(url.removeprefix("sqlite:///"))
    try:
        status = schema_status(url)
    except RewindError as exc:
        yield Finding("store", "fail", f"{url}: cannot be opened: {exc}")
        return
    if status.revision is None:
        yield Finding("store", "ok", f"{status.database}: none yet; the first checkpoint makes it")
    elif status.up_to_date:
        yield Finding("store", "ok", f"{status.database}: opens, schema up to date")
    else:
        yield Finding("store", "ok", f"{status.database}: opens; its schema is upgraded on use")


def _store_file(path: str) -> Iterator[Finding]:
    """Who may read the SQLite store and its directory."""
    for location in (os.path.dirname(path), path, f"{path}-wal", f"{path}-shm"):
        try:
            status = os.lstat(location)
        except FileNotFoundError:
            continue
        except OSError as exc:
            yield Finding("store", "fail", f"{location}: cannot be examined: {exc.strerror}")
            continue
        mode = stat.S_IMODE(status.st_mode)
        if stat.S_ISLNK(status.st_mode):
            yield Finding("store", "fail", f"{location} is a symlink: rewind refuses it")
        elif status.st_uid != os.geteuid():
            yield Finding(
                "store", "warn", f"{location} belongs to another user (uid {status.st_uid})"
            )
        elif mode & 0o077:
            severity = "warn" if stat.S_ISDIR(status.st_mode) else "fail"
            yield Finding(
                "store", severity, f"{location} may be read by others (mode {mode:o}): chmod go= it"
            )
        else:
            yield Finding("store", "ok", f"{location}: mode {mode:o}, yours alone")


def _old_store(directory: str) -> Iterator[Finding]:
    """A store an older rewind kept inside the workspace, where an agent's git clean erases it."""
    here = os.path.realpath(directory)
    while True:
        old = os.path.join(here, ".rewind", "rewind.db")
        if os.path.isfile(old):
            yield Finding(
                "store",
                "warn",
                f"{old}: an old store inside a workspace, where `git clean -fdx` erases it and "
                f"`git add -A` publishes it; its history stays readable with --db {old}",
            )
        parent = os.path.dirname(here)
        if parent == here:
            return
        here = parent


def _hooks(directory: str) -> Iterator[Finding]:
    found = False
    for agent in AGENT_HOOKS:
        for user in (False, True):
            path = _settings(agent, user, directory)
            commands = _rewind_commands(path, agent, AGENT_HOOKS[agent].event)
            for command in commands:
                found = True
                yield _hook_finding(agent, user, path, command, directory)
            if commands and (missing := _events_missing(path, agent)):
                yield Finding(
                    "hooks",
                    "warn",
                    f"{agent} ({'user' if user else 'project'} settings {path}): no rewind "
                    f"hook on {', '.join(missing)}, so its turns are not recorded: install "
                    f"again (rewind hook install {agent})",
                )
    if not found:
        yield Finding(
            "hooks", "warn", "no agent's hook is installed here: rewind hook install AGENT"
        )


def _settings(agent: str, user: bool, directory: str) -> str:
    if user:
        return settings_path(agent, user=True)
    return os.path.join(directory, AGENT_HOOKS[agent].directory, "settings.json")


def _events_missing(path: str, agent: str) -> list[str]:
    """The turn events of ``agent`` that have no rewind hook in the settings file ``path``."""
    hook = AGENT_HOOKS[agent]
    return [
        event
        for event in (hook.turn_start, hook.turn_end)
        if not _rewind_commands(path, agent, event)
    ]


def _rewind_commands(path: str, agent: str, event: str) -> list[str]:
    """The commands of rewind's hooks for ``agent``'s ``event`` in the settings file ``path``."""
    import json  # noqa: PLC0415 - only the doctor reads settings

    try:
        with open(path, encoding="utf-8") as file:
            settings = json.load(file)
    except (OSError, ValueError):
        return []
    groups = settings.get("hooks", {}).get(event, [])
    handlers = [
        handler
        for group in groups
        if isinstance(groups, list) and isinstance(group, dict)
        for handler in group.get("hooks", [])
        if isinstance(handler, dict)
    ]
    return [str(handler["command"]) for handler in handlers if is_rewinds(handler, agent)]


def _hook_finding(agent: str, user: bool, path: str, command: str, directory: str) -> Finding:
    where = f"{agent} ({'user' if user else 'project'} settings {path})"
    program = shlex.split(command)[0]
    if not os.path.isabs(program):
        return Finding(
            "hooks",
            "fail",
            f"{where}: runs {program!r}, which the agent's PATH may not find: "
            f"install again (rewind hook install {agent})",
        )
    if not (os.path.isfile(program) and os.access(program, os.X_OK)):
        return Finding(
            "hooks",
            "fail",
            f"{where}: {program} is not there any more: every call fails open "
            f"without a checkpoint; install again (rewind hook install {agent})",
        )
    if agent == "gemini" and not user and not gemini_folder_trusted(directory):
        return Finding(
            "hooks",
            "fail",
            f"{where}: Gemini CLI does not trust {directory}, so this hook "
            "never runs: trust the folder in Gemini CLI, or rewind hook install gemini --user",
        )
    return Finding("hooks", "ok", f"{where}: {command}")


def _server(url: str) -> Iterator[Finding]:
    server = os.environ.get(SERVER_URL_VARIABLE)
    if not server:
        yield from _background(url)
        return
    address = server.partition("://")[2].partition("/")[0]
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=2):
            pass
    except (OSError, ValueError) as exc:
        yield Finding(
            "server", "warn", f"{server} does not answer ({exc}): hooks snapshot in process instead"
        )
        return
    yield Finding("server", "ok", f"{server} answers")


def _background(url: str) -> Iterator[Finding]:
    """The store's background service: off, not running (the next hook starts it), or how."""
    if not service_wanted():
        yield Finding("service", "ok", f"{SERVICE_VARIABLE}=off: each hook snapshots in process")
        return
    status = service_status(ServiceFiles(url))
    if status is None:
        yield Finding("service", "ok", "not running: the next hook starts it")
        return
    yield Finding(
        "service",
        "ok",
        f"running, pid {status.get('pid')}, version {status.get('version')}, "
        f"{status.get('requests')} requests",
    )
    watch = status.get("watch")
    reasons = watch.get("full_scan_reasons", {}) if isinstance(watch, dict) else {}
    if isinstance(reasons, dict) and reasons.get(WATCH_LIMIT):
        yield Finding(
            "service",
            "warn",
            f"the kernel's inotify watch limit stopped it watching {reasons[WATCH_LIMIT]} "
            "times: those workspaces are scanned whole at each checkpoint; raise "
            "fs.inotify.max_user_watches (sysctl)",
        )


def _log() -> Iterator[Finding]:
    path = hook_log_path()
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        yield Finding("hook log", "ok", f"{path}: no hook has run yet")
        return
    except OSError as exc:
        yield Finding("hook log", "warn", f"{path}: cannot be read: {exc.strerror}")
        return
    if mode & 0o077:
        yield Finding("hook log", "fail", f"{path} may be read by others (mode {mode:o})")
    kinds = Counter(_kind(line) for line in lines)
    calls = sum(kinds[kind] for kind in ("checkpoint", "forwarded", "fallback", "skipped"))
    yield Finding("hook log", "ok", f"{path}: {calls} hook calls")
    for line in lines[-LAST_CALLS:]:
        yield Finding("hook log", "ok", f"  {line}")
    late = sum(1 for line in lines if _kind(line) == "fallback" and "in time" in line)
    if kinds["skipped"]:
        yield Finding("hook log", "warn", f"{kinds['skipped']} hook calls took no checkpoint")
    if kinds["fallback"]:
        yield Finding(
            "hook log",
            "warn",
            f"{kinds['fallback']} checkpoints were taken in process because the server failed "
            f"({late} of them because it was late)",
        )


def _kind(line: str) -> str:
    """The KIND of a log line ``TIME AGENT KIND: ...``."""
    words = line.split(" ", 3)
    return words[2].rstrip(":") if len(words) > 2 else ""  # noqa: PLR2004
