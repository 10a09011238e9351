"""``rewind hook <agent>``: snapshot before the agent's tool call, and always let it run.

The hook's JSON comes on standard input, read whole however large (a ``Write`` carries the
whole new file) and cut down to the fields a checkpoint needs (``rewind.hooks.event``). Those
fields go to the long-lived process that snapshots the workspace (standard library only: the
command starts in tens of milliseconds): the ``rewind serve`` that ``$REWIND_SERVER_URL``
names, else the user's background service for the store (``rewind.hooks.background``),
started on demand, unless ``$REWIND_SERVICE`` is ``off``. The request carries a deadline well
under the agent's own timeout (``$REWIND_HOOK_DEADLINE`` seconds, 30 by default): the server
drops a request whose deadline passed rather than store a late "before" checkpoint. If it does
not answer in time, or refuses, or cannot be reached or started, this process snapshots the
workspace itself, in the store ``--db`` or ``$REWIND_DATABASE_URL`` names (else the user's
store), and says so in the log.

Whatever happens, the command prints ``{}`` (Gemini CLI reads only JSON on stdout), exits 0,
and says what went wrong on stderr and in the log (``$REWIND_HOOK_LOG``, else
``$XDG_STATE_HOME/rewind/hooks.log``, private to the user): a hook that fails must never
block the agent's tool (exit 2 would). Each log line is ``TIME AGENT KIND: ...``, ``KIND``
one of ``checkpoint`` (taken here), ``forwarded``, ``fallback`` (the server failed; taken
here instead), ``skipped`` (no checkpoint was taken) and ``probe`` (``hook install``'s check,
which snapshots nothing).
"""

from __future__ import annotations

import os
import sys
import time

from rewind._private import (
    default_store_url,
    open_private_file,
    private_directory,
    user_directory,
)
from rewind.hooks.background import ServiceUnavailable, reach_service, service_wanted
from rewind.hooks.event import read_event
from rewind.hooks.names import PROBE_EVENT, SERVER_URL_VARIABLE
from rewind.hooks.wire import ForwardingFailed, Target, post_event

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs the command 10 ms
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

__all__ = [
    "DEADLINE_VARIABLE",
    "DEFAULT_DEADLINE_SECONDS",
    "LOG_VARIABLE",
    "hook_log_path",
    "run_hook",
]

LOG_VARIABLE = "REWIND_HOOK_LOG"
DEADLINE_VARIABLE = "REWIND_HOOK_DEADLINE"
DEFAULT_DEADLINE_SECONDS = 30.0
"""How long the server has to store the checkpoint: long enough for a big tree's first scan,
well under the agent's hook timeout (``hook install`` writes 120 s), so a fallback in process
still has time."""


class _InProcess(Exception):
    """No server is configured and no service is wanted: snapshot here."""


def run_hook(
    agent: str,
    database_url: str | None = None,
    *,
    prompt_text: bool = True,
    stdin: BinaryIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Take the snapshot the hook asks for; print ``{}``; return 0, whatever happened.

    ``prompt_text`` False keeps the prompt's text out of the store (it is never sent on).
    """
    source = stdin if stdin is not None else sys.stdin.buffer
    kind = "skipped"
    try:
        event = read_event(agent, source.read(), prompt_text=prompt_text)
        if event.get("hook_event_name") == PROBE_EVENT:
            kind = "probe"
            _log(agent, kind, _open_store(database_url))
        else:
            _checkpoint(agent, event, database_url)
    except Exception as exc:  # fail open: anything at all, the tool must still run
        _say(agent, kind, f"no checkpoint was taken: {type(exc).__name__}: {exc}")
    print("{}", file=stdout if stdout is not None else sys.stdout, flush=True)
    return 0


def _checkpoint(agent: str, event: dict[str, str], database_url: str | None) -> None:
    """Have the long-lived process take the checkpoint, else take it here; log which."""
    deadline = time.time() + _deadline_seconds()
    try:
        target = _target(database_url, deadline)
        post_event(target, agent, event, deadline)
    except _InProcess:
        _log(agent, "checkpoint", _snapshot_here(agent, event, database_url))
    except (ForwardingFailed, ServiceUnavailable, ValueError) as failure:
        taken = _snapshot_here(agent, event, database_url)
        _say(agent, "fallback", f"{failure}; snapshotted in process instead: {taken}")
    else:
        _log(agent, "forwarded", f"to {target.name}")


def _target(database_url: str | None, deadline: float) -> Target:
    """Where to post: ``$REWIND_SERVER_URL``, else the store's background service.

    Raises:
        _InProcess: Neither is wanted.
        ValueError: ``$REWIND_SERVER_URL`` is not an ``http://`` URL.
        ServiceUnavailable: The service cannot be reached or started in time.
    """
    server = os.environ.get(SERVER_URL_VARIABLE)
    if server:
        return Target.of_url(server)
    if not service_wanted():
        raise _InProcess
    return reach_service(database_url or default_store_url(), deadline)


def _deadline_seconds() -> float:
    """``$REWIND_HOOK_DEADLINE`` (seconds, more than 0), else the default."""
    text = os.environ.get(DEADLINE_VARIABLE, "")
    try:
        seconds = float(text) if text else DEFAULT_DEADLINE_SECONDS
    except ValueError:
        return DEFAULT_DEADLINE_SECONDS
    return seconds if 0 < seconds < 3600 else DEFAULT_DEADLINE_SECONDS  # noqa: PLR2004


def _snapshot_here(agent: str, event: dict[str, str], database_url: str | None) -> str:
    """Snapshot in this process (it pays for importing the whole library); say what was taken."""
    from rewind.hooks.payload import HookCall  # noqa: PLC0415 - the forwarding path needs none
    from rewind.service import CheckpointService  # noqa: PLC0415

    call = HookCall.of(agent, event)
    with CheckpointService.open(database_url) as service:
        query = call.turn_query()
        started = service.list_checkpoints(**query) if query else []
        checkpoint = service.create_workspace_snapshot(
            call.plan, call.workspace, call.tool_use_id, **call.snapshot_fields(started)
        )
    return f"checkpoint {checkpoint.checkpoint_id} {call.described}"


def _open_store(database_url: str | None) -> str:
    """Open (and create) the store a fallback would snapshot into; say which it is."""
    from rewind.service import CheckpointService, default_database_url  # noqa: PLC0415

    with CheckpointService.open(database_url):
        pass
    return f"the install check: the store {database_url or default_database_url()} opens"


def hook_log_path() -> str:
    """``$REWIND_HOOK_LOG``, else ``hooks.log`` in the user's state directory."""
    return os.environ.get(LOG_VARIABLE) or os.path.join(user_directory("state"), "hooks.log")


def _say(agent: str, kind: str, message: str) -> None:
    """Tell the person (stderr) and the log what went wrong."""
    print(f"rewind hook {agent}: {message}", file=sys.stderr)
    _log(agent, kind, message)


def _log(agent: str, kind: str, message: str) -> None:
    """Append one line to the hooks' log (private to the user); a log is no reason to fail."""
    path = hook_log_path()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    line = f"{stamp} {agent} {kind}: {' '.join(message.splitlines())}\n"
    try:
        if not os.environ.get(LOG_VARIABLE):
            private_directory(os.path.dirname(path))
        descriptor = open_private_file(path, os.O_WRONLY | os.O_APPEND, create=True)
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line)
    except Exception as exc:  # the log must never stop the hook
        print(f"rewind hook {agent}: cannot write the log {path}: {exc}", file=sys.stderr)
