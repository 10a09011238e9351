"""One hook event posted to rewind's server or service: an HTTP/1.1 request on a socket.

``http.client`` alone would double the hook command's start (it imports ``email`` and
``ssl``), and the peer is rewind's own uvicorn: the request has a ``Content-Length``, says
``Connection: close``, and the answer is read until the peer closes, or the deadline (plus a
second of grace) passes. Standard library only: the hook command imports this module.
"""

from __future__ import annotations

import json
import os
import socket
import time

from rewind import __version__
from rewind._private import open_private_file
from rewind.hooks.names import SERVER_URL_VARIABLE, default_token_file

TYPE_CHECKING = False  # not ``typing``'s: importing typing costs the hook command 10 ms
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEADLINE_HEADER",
    "VERSION_HEADER",
    "ForwardingFailed",
    "Target",
    "post_event",
    "read_token",
]

DEADLINE_HEADER = "Rewind-Deadline"
"""The request header carrying the deadline, in seconds since the epoch."""
VERSION_HEADER = "Rewind-Version"
"""The request header carrying the hook's rewind version (the service answers 409 if not its)."""
ANSWER_GRACE_SECONDS = 1.0
"""How long past the deadline a hook still waits for the answer."""
MAX_ANSWER = 64 * 1024
"""The most bytes of an answer read (it is ``{}``, or an error in a line)."""


class ForwardingFailed(Exception):
    """The server did not store the checkpoint: unreachable, too slow, or refusing."""


class Target:
    """Where a hook posts: a way to connect, the ``Host`` it names, a path, and its token."""

    def __init__(
        self,
        name: str,
        connect: Callable[[float], socket.socket],
        host: str,
        *,
        prefix: str = "",
        with_token: bool = True,
    ) -> None:
        self.name = name
        self.connect = connect
        self.host = host
        self.prefix = prefix
        self.with_token = with_token

    @classmethod
    def of_url(cls, server: str) -> Target:
        """The server an ``http://host[:port][/path]`` URL names.

        Raises:
            ValueError: It is not such a URL.
        """
        host, port, address, prefix = _http_address(server)
        return cls(
            f"the server at {server}",
            lambda timeout: socket.create_connection((host, port), timeout=timeout),
            address,
            prefix=prefix,
        )


def post_event(target: Target, agent: str, event: dict[str, str], deadline: float) -> None:
    """Post ``event`` to ``/hooks/<agent>``, to be stored before ``deadline``.

    Raises:
        ForwardingFailed: No ``200`` came back in time (the reason is the message).
    """
    try:
        request = _request(target, agent, event, deadline)
        answer = _exchange(target, request, deadline)
    except TimeoutError as exc:
        raise ForwardingFailed(f"{target.name} did not answer in time") from exc
    except Exception as exc:  # any failure to post means: snapshot here instead
        raise ForwardingFailed(
            f"cannot post to {target.name}: {type(exc).__name__}: {exc}"
        ) from exc
    status_line, _, rest = answer.partition(b"\r\n")
    version, _, reason = status_line.partition(b" ")
    status = reason[:3]
    if not (version.startswith(b"HTTP/") and status.isdigit()):
        raise ForwardingFailed(f"{target.name} did not answer HTTP: {status_line[:80]!r}")
    if status != b"200":
        content = rest.partition(b"\r\n\r\n")[2].decode("utf-8", "replace")
        raise ForwardingFailed(f"{target.name} answered {status.decode()}: {content[:300]}")


def _request(target: Target, agent: str, event: dict[str, str], deadline: float) -> bytes:
    """The bytes of the request posting ``event``.

    Raises:
        InsecureFileError: The token file is not the user's private file.
        OSError: The token file cannot be read.
    """
    authorization = f"Authorization: Bearer {read_token()}\r\n" if target.with_token else ""
    body = json.dumps(event).encode("utf-8")
    head = (
        f"POST {target.prefix}/hooks/{agent} HTTP/1.1\r\n"
        f"Host: {target.host}\r\n"
        f"{authorization}"
        "Content-Type: application/json\r\n"
        f"{DEADLINE_HEADER}: {deadline:.3f}\r\n"
        f"{VERSION_HEADER}: {__version__}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


def read_token() -> str:
    """The bearer token in the user's token file.

    Raises:
        InsecureFileError: The token file is not the user's private file.
        OSError: It cannot be read.
    """
    descriptor = open_private_file(default_token_file())
    with os.fdopen(descriptor, encoding="ascii") as file:
        return file.read().strip()


def _exchange(target: Target, request: bytes, deadline: float) -> bytes:
    """Send ``request``; read the answer until the peer closes or the deadline's grace ends.

    Raises:
        TimeoutError: The deadline (and its grace) passed first.
        OSError: The connection failed.
    """
    give_up = deadline + ANSWER_GRACE_SECONDS
    answer = bytearray()
    with target.connect(max(give_up - time.time(), 0.001)) as peer:
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
