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

import os
import socket
import sys
import time

from rewind.hooks.names import MAX_HOOK_INPUT, SERVER_URL_VARIABLE, default_token_file

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs the command 10 ms
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

__all__ = ["LOG_VARIABLE", "TIMEOUT_SECONDS", "run_hook"]

LOG_VARIABLE = "REWIND_HOOK_LOG"
TIMEOUT_SECONDS = 30.0
"""How long the command waits for the server before it gives up (and lets the tool run)."""
MAX_ANSWER = 64 * 1024
"""The most bytes of the server's answer read (it answers ``{}``, or an error in a line)."""


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
    """Post the hook's input to the server; return what it said.

    One HTTP/1.1 request on a socket (``http.client`` alone would double the command's start,
    and the server is rewind's own): the answer is read until the server closes.
    """
    host, port, address, prefix = _http_address(server)
    with open(default_token_file(), encoding="ascii") as file:
        token = file.read().strip()
    head = (
        f"POST {prefix}/hooks/{agent} HTTP/1.1\r\n"
        f"Host: {address}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    answer = bytearray()
    with socket.create_connection((host, port), timeout=TIMEOUT_SECONDS) as connection:
        connection.sendall(head.encode("ascii") + body)
        while len(answer) <= MAX_ANSWER and (chunk := connection.recv(MAX_ANSWER)):
            answer += chunk
    status_line, _, rest = bytes(answer).partition(b"\r\n")
    version, _, reason = status_line.partition(b" ")
    status = reason[:3]
    if not (version.startswith(b"HTTP/") and status.isdigit()):
        raise RuntimeError(f"the server at {server} did not answer HTTP: {status_line[:80]!r}")
    if status != b"200":
        content = rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
        raise RuntimeError(f"the server at {server} answered {status.decode()}: {content[:300]}")
    return f"forwarded to {server}"


def _http_address(server: str) -> tuple[str, int, str, str]:
    """The host, port, ``host:port`` as written, and path of an ``http://`` URL.

    Raises:
        ValueError: It is not an ``http://host[:port][/path]`` URL.
    """
    scheme, separator, rest = server.partition("://")
    address, _, path = rest.partition("/")
    host, port = address, "80"
    if address.startswith("["):  # an IPv6 address: [::1]:8765
        host, _, after = address[1:].partition("]")
        if after:
            port = after.removeprefix(":")
    elif ":" in address:
        host, _, port = address.rpartition(":")
    if not (
        scheme.lower() == "http"
        and separator
        and host
        and port.isdigit()
        and address.isprintable()
        and not any(character in address for character in " @")
    ):
        raise ValueError(f"{SERVER_URL_VARIABLE}={server!r} is not an http:// URL")
    prefix = path.partition("?")[0].partition("#")[0].rstrip("/")
    return host, int(port), address, f"/{prefix}" if prefix else ""


def _snapshot_here(agent: str, body: bytes, database_url: str | None) -> str:
    """No server: snapshot in this process (it pays for importing the whole library)."""
    from rewind.hooks.payload import HookCall  # noqa: PLC0415 - the forwarding path needs none
    from rewind.service import CheckpointService  # noqa: PLC0415

    call = HookCall.parse(agent, body)

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
