"""``rewind serve``: MCP over streamable HTTP, and the endpoint agents' HTTP hooks post to.

A local server that can delete files is a security boundary, so every HTTP request passes
``RequestGuard`` before anything else sees it: its ``Host`` must be this server's own
loopback name (DNS rebinding), an ``Origin``, if any, one the server was told to allow (a
browser page), its bearer token the server's (in one ``Authorization`` header), and its body
at most the limit of its route (1 MiB, 64 MiB for a hook). Anything else is answered with an
error status and does nothing. Before that, a client must send a request's headers, then its
body, each within a timeout, or it is disconnected (``connections.py``). The token is read
from a private file (``read_or_create_token``).

Routes: ``/mcp`` (the MCP SDK's streamable HTTP transport) and ``POST /hooks/<agent>``
(``claude-code`` or ``gemini``: the hook's JSON, as the agent sends it; the workspace is its
``cwd``, which must lie under the roots). The MCP SDK is imported, and its application built,
on the first request for ``/mcp`` (``LazyMcp``): a hook need not wait for it.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewind._private import open_private_file, private_directory, user_directory
from rewind.aio import AsyncCheckpointService
from rewind.errors import DeadlineExceededError, InvalidInputError, RewindError
from rewind.hooks.names import AGENTS
from rewind.hooks.payload import HookCall
from rewind.hooks.wire import DEADLINE_HEADER
from rewind.server.connections import timed_protocol
from rewind.server.lazy_mcp import LazyMcp
from rewind.server.roots import Roots

__all__ = [
    "BODY_TIMEOUT",
    "DEFAULT_PORT",
    "HEADER_TIMEOUT",
    "MAX_BODY_BYTES",
    "MAX_HOOK_BODY",
    "RequestGuard",
    "ServeOptions",
    "read_or_create_token",
    "run_http",
]

DEFAULT_PORT = 8765
MAX_BODY_BYTES = 1024 * 1024
"""The largest request body the server reads (1 MiB): an MCP message."""
MAX_HOOK_BODY = 64 * 1024 * 1024
"""The largest body of a hook (64 MiB): agents post the whole tool input, a written file's
content included (Claude Code's Write of a 1.5 MB file is a 2.2 MB body)."""
HEADER_TIMEOUT = 10.0
"""Seconds a client has to send a request's headers (from connecting, or the last answer)."""
BODY_TIMEOUT = 60.0
"""Seconds a client has to send a request's body, once its headers are in."""
MAX_TOKEN_FILE = 4096
"""The most bytes of a token file read (a token is 43)."""

HOOK_DEADLINE_SECONDS = 20.0
"""How long an agent's own HTTP hook (which sends no deadline) waits for its checkpoint."""

_log = logging.getLogger("rewind.serve")


def read_or_create_token(path: str | os.PathLike[str]) -> str:
    """Return the token in ``path``, creating it (readable by its owner only) if missing.

    The file must be a regular file of this user's, not a symlink, that nobody else may
    read; one made here is mode 600. Its directory is made if missing (mode 700); the
    default one, ``$XDG_CONFIG_HOME/rewind``, is made private as all of rewind's own
    directories are (and so is a token file others may read inside it).

    Raises:
        InvalidInputError: The path is empty, or the file cannot be read or made, or holds
            no token.
        InsecureFileError: The file or the default directory is a symlink, not a regular
            file (or directory), another user's, or one others may read.
    """
    location = os.fspath(path)
    if not location.strip():
        raise InvalidInputError("the token file's path is empty (--token-file)", path=location)
    try:
        _make_token_directory(os.path.dirname(os.path.abspath(location)))
        try:
            return _read_token(location)
        except FileNotFoundError:
            pass
        try:
            return _new_token(location)
        except FileExistsError:  # pragma: no cover - another server starting made it meanwhile
            return _read_token(location)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not text"
        raise InvalidInputError(
            f"token file {location!r} cannot be read or made: {reason}", path=location
        ) from exc


def _make_token_directory(directory: str) -> None:
    """Make the token file's directory if missing: the default one private, others 0700."""
    if directory == os.path.abspath(user_directory("config")):
        private_directory(directory)
    else:
        os.makedirs(directory, mode=0o700, exist_ok=True)


def _read_token(location: str) -> str:
    """The token in an existing private token file (never read through a symlink)."""
    # O_NONBLOCK: opening a FIFO must not wait for a writer (it is then refused).
    descriptor = open_private_file(location, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(descriptor, encoding="ascii") as file:
        token = file.read(MAX_TOKEN_FILE).strip()
    if not token:
        raise InvalidInputError(f"token file {location!r} holds no token", path=location)
    return token


def _new_token(location: str) -> str:
    """Make a token file, mode 600 whatever the umask, holding a new token."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(location, flags, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        os.fchmod(descriptor, 0o600)
        token = secrets.token_urlsafe(32)
        file.write(f"{token}\n")
    return token


class RequestGuard:
    """ASGI middleware: the checks every HTTP request passes before it reaches a route.

    It reads the whole body itself (at most the route's limit), so a route never sees a
    body cut short by a client that went away.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        hosts: Sequence[str],
        origins: Sequence[str] = (),
        max_body: int = MAX_BODY_BYTES,
        max_hook_body: int = MAX_HOOK_BODY,
    ) -> None:
        self.app = app
        self._token = f"Bearer {token}".encode()
        self._hosts = frozenset(hosts)
        self._origins = frozenset(origins)
        self._max_body = max_body
        self._max_hook_body = max_hook_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request that fails a check; pass the others (and lifespan events) on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._max_hook_body if scope["path"].startswith("/hooks/") else self._max_body
        refusal = self._refusal(scope["headers"], limit)
        if refusal is not None:
            status, message = refusal
            extra = {"WWW-Authenticate": "Bearer"} if status == 401 else None  # noqa: PLR2004
            await JSONResponse({"error": message}, status, extra)(scope, receive, send)
            return
        body = await _read_body(receive, limit)
        if body is _GONE:
            return  # the client went away (or was disconnected): nobody to answer
        if body is None:
            message = f"the request body is larger than {limit} bytes"
            await JSONResponse({"error": message}, 413)(scope, receive, send)
            return
        assert isinstance(body, bytes)
        await self.app(scope, _replaying(body, receive), send)

    def _refusal(self, raw: Sequence[tuple[bytes, bytes]], limit: int) -> tuple[int, str] | None:
        headers = {name.decode("latin-1").lower(): value for name, value in raw}
        host = headers.get("host", b"").decode("latin-1")
        if host not in self._hosts:
            return 403, f"Host {host!r} is not this server's (it answers only on loopback)"
        origin = headers.get("origin")
        if origin is not None and origin.decode("latin-1") not in self._origins:
            return 403, f"Origin {origin.decode('latin-1')!r} is not allowed (--allow-origin)"
        authorizations = sum(name.lower() == b"authorization" for name, _ in raw)
        if authorizations > 1:
            count = f"{authorizations} Authorization headers"
            return 400, f"the request has {count}: send one Authorization header"
        if not hmac.compare_digest(headers.get("authorization", b""), self._token):
            return 401, "a bearer token is required: Authorization: Bearer <the token file's>"
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return 413, f"the request body is larger than {limit} bytes"
        return None


_GONE = object()
"""What ``_read_body`` returns when the client went away before its body was in."""


async def _read_body(receive: Receive, limit: int) -> bytes | object | None:
    """Read a request's whole body, up to ``limit`` bytes; None past it, ``_GONE`` if cut."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return _GONE
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands over ``body`` once, then waits on the client as before."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


@dataclass(frozen=True)
class ServeOptions:
    """Where and how ``rewind serve`` listens, and what it waits for and reads.

    Attributes:
        roots: The directories whose workspaces it may act on.
        token_file: The bearer token's file (made if missing; see ``read_or_create_token``).
        host: The address to listen on.
        port: The port (0: a free one).
        origins: The browser ``Origin`` values allowed.
        max_body: The largest body of an MCP request.
        max_hook_body: The largest body of a hook (``/hooks/...``).
        header_timeout: Seconds a client has to send a request's headers.
        body_timeout: Seconds a client has to send a request's body, once its headers are in.
    """

    roots: Sequence[str | os.PathLike[str]]
    token_file: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    origins: Sequence[str] = ()
    max_body: int = MAX_BODY_BYTES
    max_hook_body: int = MAX_HOOK_BODY
    header_timeout: float = HEADER_TIMEOUT
    body_timeout: float = BODY_TIMEOUT


def build_app(
    service: AsyncCheckpointService,
    roots: Roots,
    token: str,
    hosts: Sequence[str],
    options: ServeOptions,
    *,
    routes: Sequence[Route] = (),
) -> ASGIApp:
    """The whole HTTP application: MCP at ``/mcp``, hooks at ``/hooks/<agent>``, guarded.

    ``routes`` adds more (the background service's own), behind the same guard.
    """

    async def hook(request: Request) -> Response:
        agent = request.path_params["agent"]
        if agent not in AGENTS:
            return JSONResponse(
                {"error": f"no hook for {agent!r} (one of {', '.join(AGENTS)})"}, 404
            )
        try:
            deadline = hook_deadline(request.headers.get(DEADLINE_HEADER))
            call = HookCall.parse(agent, await request.body())
            workspace = roots.check(call.workspace)
            query = call.turn_query()
            started = await service.list_checkpoints(**query) if query else []
            checkpoint = await service.create_workspace_snapshot(
                call.plan,
                workspace,
                call.tool_use_id,
                deadline=deadline,
                **call.snapshot_fields(started),
            )
        except DeadlineExceededError as late:
            _log.warning("hook %s: late, dropped: %s", agent, late)
            return JSONResponse(_error_body(late), 504)
        except RewindError as error:
            _log.warning("hook %s: %s: %s", agent, type(error).__name__, error)
            return JSONResponse(_error_body(error), 422)
        _log.info("hook %s: checkpoint %s %s", agent, checkpoint.checkpoint_id, call.described)
        return JSONResponse({})  # nothing to decide: the tool runs

    def build_mcp_app() -> ASGIApp:
        from mcp.server.transport_security import TransportSecuritySettings  # noqa: PLC0415

        from rewind.server.tools import build_mcp_server  # noqa: PLC0415 - see LazyMcp

        return build_mcp_server(service, roots).streamable_http_app(
            max_request_body_size=options.max_body,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
            host=options.host,
        )

    mcp = LazyMcp(build_mcp_app)
    app = Starlette(
        routes=[Route("/hooks/{agent}", hook, methods=["POST"]), *routes, Mount("", app=mcp)],
        lifespan=lambda _app: mcp.lifespan(),
    )
    return RequestGuard(
        app,
        token=token,
        hosts=hosts,
        origins=options.origins,
        max_body=options.max_body,
        max_hook_body=options.max_hook_body,
    )


def hook_deadline(header: str | None) -> datetime:
    """When a hook's checkpoint stops being of use.

    That is its ``Rewind-Deadline`` header (seconds since the epoch, as the hook command sends
    it), else ``HOOK_DEADLINE_SECONDS`` from now (an agent's own HTTP hook sends none).

    Raises:
        InvalidInputError: The header is not a number of seconds.
    """
    if header is None:
        return datetime.now(UTC) + timedelta(seconds=HOOK_DEADLINE_SECONDS)
    try:
        return datetime.fromtimestamp(float(header), UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise InvalidInputError(f"{DEADLINE_HEADER} {header[:40]!r} is not a time") from exc


def _error_body(error: RewindError) -> dict[str, str]:
    return {"error": type(error).__name__, "message": str(error)}


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on ``host``:``port`` (0: a free port).

    Raises:
        InvalidInputError: ``host`` is empty (it would mean every interface) or cannot be
            listened on (an unknown name, an address of another machine, a port in use).
    """
    if not host.strip():
        raise InvalidInputError(
            "the host to listen on is empty (--host); give 0.0.0.0 to listen on every interface"
        )
    try:
        return socket.create_server((host, port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InvalidInputError(f"cannot listen on {host}:{port}: {reason}") from exc


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that says it listens only once Ctrl-C stops it cleanly.

    uvicorn takes over SIGINT and SIGTERM for the whole of ``serve``, then starts up; a
    Ctrl-C before that interrupts the store's opening or closing instead, and a client that
    stops the server as soon as it reads the address could leave it hanging.
    """

    def __init__(self, config: uvicorn.Config, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start as uvicorn does, then announce."""
        await super().startup(sockets=sockets)
        if self.started:
            self._announce()


def run_http(url: str | None, options: ServeOptions, *, announce: Any = print) -> None:
    """Serve until interrupted; ``announce`` is told the URL once the socket listens.

    Raises:
        RewindError: The store cannot be opened, a root is not a directory, the token file
            is unsafe, or the host and port cannot be listened on.
    """
    roots = Roots(options.roots)
    token = read_or_create_token(options.token_file)
    listening = _listen(options.host, options.port)
    port = listening.getsockname()[1]
    hosts = [f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]", options.host)]

    async def serve() -> None:
        async with await AsyncCheckpointService.open(url, watch=True) as service:
            app = build_app(service, roots, token, hosts, options)
            config = uvicorn.Config(
                app,
                log_level="warning",
                lifespan="on",
                http=timed_protocol(options.header_timeout, options.body_timeout),
            )
            server = _AnnouncingServer(config, lambda: announce(f"http://{options.host}:{port}"))
            await server.serve(sockets=[listening])

    try:
        anyio.run(serve)
    finally:
        listening.close()
