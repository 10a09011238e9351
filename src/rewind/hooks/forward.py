"""``rewind hook <agent>``: snapshot before the agent's tool call, and always let it run.

The hook's JSON comes on standard input, read whole however large (a ``Write`` carries the
whole new file) and cut down to the fields a checkpoint needs (``rewind.hooks.event``). With
``$REWIND_SERVER_URL`` set those fields are posted to that ``rewind serve`` (standard library
only: the command starts in tens of milliseconds) with a deadline well under the agent's own
timeout (``$REWIND_HOOK_DEADLINE`` seconds, 10 by default); the server drops a request whose
deadline passed rather than store a late "before" checkpoint. If the server does not answer
in time, or refuses, or is gone, this process snapshots the workspace itself, in the store
``$REWIND_DATABASE_URL`` names (else the user's store), and says so in the log.

Whatever happens, the command prints ``{}`` (Gemini CLI reads only JSON on stdout), exits 0,
and says what went wrong on stderr and in the log (``$REWIND_HOOK_LOG``, else
``$XDG_STATE_HOME/rewind/hooks.log``, private to the user): a hook that fails must never
block the agent's tool (exit 2 would). Each log line is ``TIME AGENT KIND: ...``, ``KIND``
one of ``checkpoint`` (taken here), ``forwarded``, ``fallback`` (the server failed; taken
here instead), ``skipped`` (no checkpoint was taken) and ``probe`` (``hook install``'s check,
which snapshots nothing).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time

from rewind._private import open_private_file, private_directory, user_directory
from rewind.hooks.event import read_event
from rewind.hooks.names import PROBE_EVENT, SERVER_URL_VARIABLE, default_token_file

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs the command 10 ms
if TYPE_CHECKING:
    from typing import BinaryIO, TextIO

__all__ = [
    "DEADLINE_HEADER",
    "DEADLINE_VARIABLE",
    "DEFAULT_DEADLINE_SECONDS",
    "LOG_VARIABLE",
    "hook_log_path",
    "run_hook",
]

LOG_VARIABLE = "REWIND_HOOK_LOG"
DEADLINE_VARIABLE = "REWIND_HOOK_DEADLINE"
DEFAULT_DEADLINE_SECONDS = 10.0
"""How long the server has to store the checkpoint; the agent's hook timeout is far longer."""
DEADLINE_HEADER = "Rewind-Deadline"
"""The request header carrying the deadline, in seconds since the epoch."""
ANSWER_GRACE_SECONDS = 1.0
"""How long past the deadline the command still waits for the server's answer."""
MAX_ANSWER = 64 * 1024
"""The most bytes of the server's answer read (it answers ``{}``, or an error in a line)."""


class _ForwardingFailed(Exception):
    """The server did not store the checkpoint: unreachable, too slow, or refusing."""


def run_hook(
    agent: str,
    database_url: str | None = None,
    *,
    stdin: BinaryIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Take the snapshot the hook asks for; print ``{}``; return 0, whatever happened."""
    source = stdin if stdin is not None else sys.stdin.buffer
    kind = "skipped"
    try:
        event = read_event(agent, source.read())
        server = os.environ.get(SERVER_URL_VARIABLE)
        if event.get("hook_event_name") == PROBE_EVENT:
            kind = "probe"
            _log(agent, kind, _open_store(database_url))
        elif not server:
            _log(agent, "checkpoint", _snapshot_here(agent, event, database_url))
        else:
            try:
                _forward(server, agent, event, time.time() + _deadline_seconds())
            except _ForwardingFailed as failure:
                taken = _snapshot_here(agent, event, database_url)
                _say(agent, "fallback", f"{failure}; snapshotted in process instead: {taken}")
            else:
                _log(agent, "forwarded", f"to {server}")
    except Exception as exc:  # fail open: anything at all, the tool must still run
        _say(agent, kind, f"no checkpoint was taken: {type(exc).__name__}: {exc}")
    print("{}", file=stdout if stdout is not None else sys.stdout, flush=True)
    return 0


def _deadline_seconds() -> float:
    """``$REWIND_HOOK_DEADLINE`` (seconds, more than 0), else the default."""
    text = os.environ.get(DEADLINE_VARIABLE, "")
    try:
        seconds = float(text) if text else DEFAULT_DEADLINE_SECONDS
    except ValueError:
        return DEFAULT_DEADLINE_SECONDS
    return seconds if 0 < seconds < 3600 else DEFAULT_DEADLINE_SECONDS  # noqa: PLR2004


def _forward(server: str, agent: str, event: dict[str, str], deadline: float) -> None:
    """Post ``event`` to the server, which must store it before ``deadline``.

    One HTTP/1.1 request on a socket (``http.client`` alone would double the command's start,
    and the server is rewind's own): the answer is read until the server closes.

    Raises:
        _ForwardingFailed: No ``200`` came back in time (the reason is the message).
    """
    try:
        host, port, request = _request(server, agent, event, deadline)
        answer = _exchange((host, port), request, deadline)
    except TimeoutError as exc:
        raise _ForwardingFailed(f"the server at {server} did not answer in time") from exc
    except Exception as exc:  # any failure to post means: snapshot here instead
        raise _ForwardingFailed(
            f"cannot post to the server at {server}: {type(exc).__name__}: {exc}"
        ) from exc
    status_line, _, rest = answer.partition(b"\r\n")
    version, _, reason = status_line.partition(b" ")
    status = reason[:3]
    if not (version.startswith(b"HTTP/") and status.isdigit()):
        raise _ForwardingFailed(f"the server at {server} did not answer HTTP: {status_line[:80]!r}")
    if status != b"200":
        content = rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
        raise _ForwardingFailed(
            f"the server at {server} answered {status.decode()}: {content[:300]}"
        )


def _request(
    server: str, agent: str, event: dict[str, str], deadline: float
) -> tuple[str, int, bytes]:
    """The host, port and bytes of the request posting ``event`` to ``server``.

    Raises:
        ValueError: ``server`` is not an ``http://`` URL.
        InsecureFileError: The token file is not the user's private file.
        OSError: The token file cannot be read.
    """
    host, port, address, prefix = _http_address(server)
    descriptor = open_private_file(default_token_file())
    with os.fdopen(descriptor, encoding="ascii") as file:
        token = file.read().strip()
    body = json.dumps(event).encode("utf-8")
    head = (
        f"POST {prefix}/hooks/{agent} HTTP/1.1\r\n"
        f"Host: {address}\r\n"
        f"Authorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\n"
        f"{DEADLINE_HEADER}: {deadline:.3f}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return host, port, head.encode("ascii") + body


def _exchange(address: tuple[str, int], request: bytes, deadline: float) -> bytes:
    """Send ``request``; read the answer until the server closes or the deadline's grace ends.

    Raises:
        TimeoutError: The deadline (and its grace) passed first.
        OSError: The connection failed.
    """
    give_up = deadline + ANSWER_GRACE_SECONDS
    answer = bytearray()
    with socket.create_connection(address, timeout=max(give_up - time.time(), 0.001)) as peer:
        peer.sendall(request)
        while len(answer) <= MAX_ANSWER:
            peer.settimeout(max(give_up - time.time(), 0.001))
            chunk = peer.recv(MAX_ANSWER)
            if not chunk:
                break
            answer += chunk
    return bytes(answer)


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


def _snapshot_here(agent: str, event: dict[str, str], database_url: str | None) -> str:
    """Snapshot in this process (it pays for importing the whole library); say what was taken."""
    from rewind.hooks.payload import HookCall  # noqa: PLC0415 - the forwarding path needs none
    from rewind.service import CheckpointService  # noqa: PLC0415

    call = HookCall.of(agent, event)
    with CheckpointService.open(database_url) as service:
        checkpoint = service.create_workspace_snapshot(
            call.plan, call.workspace, call.tool_use_id, **call.snapshot_fields()
        )
    return f"checkpoint {checkpoint.checkpoint_id} before {call.tool_name}"


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
