"""``rewind hook <agent>``: snapshot before the agent's tool call, and always let it run.

The hook's JSON comes on standard input. With ``$REWIND_SERVER_URL`` set it is posted to that
``rewind serve`` (standard library only: the command starts in tens of milliseconds);
otherwise this process snapshots the workspace itself, in the store ``$REWIND_DATABASE_URL``
names (else ``.rewind/rewind.db`` in the workspace, the hook input's ``cwd``). Whatever
happens, the command prints ``{}`` (Gemini CLI reads only JSON on stdout), exits 0, and
says what went wrong on stderr and in the log
(``$REWIND_HOOK_LOG``, else ``$XDG_STATE_HOME/rewind/hooks.log``): a hook that fails must
never block the agent's tool (exit 2 would).
"""

from __future__ import annotations

import http.client
import os
import sys
import time
import urllib.parse
from typing import BinaryIO, TextIO

from rewind.hooks.payload import MAX_HOOK_INPUT, SERVER_URL_VARIABLE, HookCall, default_token_file

__all__ = ["LOG_VARIABLE", "TIMEOUT_SECONDS", "run_hook"]

LOG_VARIABLE = "REWIND_HOOK_LOG"
TIMEOUT_SECONDS = 30.0
"""How long the command waits for the server before it gives up (and lets the tool run)."""


def run_hook(
    agent: str,
    database_url: str | None = None,
    *,
    stdin: BinaryIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Take the snapshot the hook asks for; print ``{}``; return 0, whatever happened."""
    source = stdin if stdin is not None else sys.stdin.buffer
    try:
        body = source.read(MAX_HOOK_INPUT + 1)
        if len(body) > MAX_HOOK_INPUT:
            raise ValueError(f"the hook's input is larger than {MAX_HOOK_INPUT} bytes")
        server = os.environ.get(SERVER_URL_VARIABLE)
        if server:
            outcome = _forward(server, agent, body)
        else:
            outcome = _snapshot_here(agent, body, database_url)
        _log(f"{agent}: {outcome}")
    except Exception as exc:  # fail open: anything at all, the tool must still run
        message = f"rewind hook {agent}: no checkpoint was taken: {type(exc).__name__}: {exc}"
        print(message, file=sys.stderr)
        _log(message)
    print("{}", file=stdout if stdout is not None else sys.stdout, flush=True)
    return 0


def _forward(server: str, agent: str, body: bytes) -> str:
    """Post the hook's input to the server; return what it said."""
    url = urllib.parse.urlsplit(server)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"{SERVER_URL_VARIABLE}={server!r} is not an http:// URL")
    with open(default_token_file(), encoding="ascii") as file:
        token = file.read().strip()
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=TIMEOUT_SECONDS)
    try:
        connection.request(
            "POST",
            f"{url.path.rstrip('/')}/hooks/{agent}",
            body=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        answer = response.read(MAX_HOOK_INPUT).decode("utf-8", "replace")
    finally:
        connection.close()
    if response.status != 200:  # noqa: PLR2004
        raise RuntimeError(f"the server at {server} answered {response.status}: {answer[:300]}")
    return f"forwarded to {server}"


def _snapshot_here(agent: str, body: bytes, database_url: str | None) -> str:
    """No server: snapshot in this process (it pays for importing the whole library)."""
    call = HookCall.parse(agent, body)
    from rewind.service import DATABASE_URL_VARIABLE, CheckpointService  # noqa: PLC0415

    if database_url is None and not os.environ.get(DATABASE_URL_VARIABLE):
        database_url = f"sqlite:///{os.path.join(call.workspace, '.rewind', 'rewind.db')}"
    with CheckpointService.open(database_url) as service:
        checkpoint = service.create_workspace_snapshot(
            call.plan, call.workspace, call.tool_use_id, **call.snapshot_fields()
        )
    return f"checkpoint {checkpoint.checkpoint_id} before {call.tool_name}"


def _log(line: str) -> None:
    """Append ``line`` to the hooks' log; a log that cannot be written is no reason to fail."""
    path = os.environ.get(LOG_VARIABLE)
    if not path:
        state = os.environ.get("XDG_STATE_HOME") or os.path.join(
            os.path.expanduser("~"), ".local", "state"
        )
        path = os.path.join(state, "rewind", "hooks.log")
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(path, "a", encoding="utf-8") as file:
            file.write(f"{stamp} {' '.join(line.splitlines())}\n")
    except OSError:
        pass
