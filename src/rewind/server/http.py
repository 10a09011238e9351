"""``rewind serve``: MCP over streamable HTTP, and the endpoint agents' HTTP hooks post to.

A local server that can delete files is a security boundary, so every HTTP request passes
``RequestGuard`` before anything else sees it: its ``Host`` must be this server's own
loopback name (DNS rebinding), an ``Origin``, if any, one the server was told to allow (a
browser page), its bearer token the server's, and its body at most the limit. Anything
else is answered with an error status and does nothing.

Routes: ``/mcp`` (the MCP SDK's streamable HTTP transport) and ``POST /hooks/<agent>``
(``claude-code`` or ``gemini``: the hook's JSON, as the agent sends it; the workspace is its
``cwd``, which must lie under the roots).
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import socket
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import uvicorn
from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rewind.aio import AsyncCheckpointService
from rewind.errors import DeadlineExceededError, InvalidInputError, RewindError
from rewind.hooks.names import AGENTS
from rewind.hooks.payload import HookCall
from rewind.hooks.wire import DEADLINE_HEADER
from rewind.server.roots import Roots
from rewind.server.tools import build_mcp_server

__all__ = [
    "DEFAULT_PORT",
    "MAX_BODY_BYTES",
    "RequestGuard",
    "ServeOptions",
    "read_or_create_token",
    "run_http",
]

DEFAULT_PORT = 8765
MAX_BODY_BYTES = 1024 * 1024
"""The largest request body the server reads (1 MiB): a hook's JSON or a tool call."""

HOOK_DEADLINE_SECONDS = 20.0
"""How long an agent's own HTTP hook (which sends no deadline) waits for its checkpoint."""

_log = logging.getLogger("rewind.serve")


def read_or_create_token(path: str | os.PathLike[str]) -> str:
    """Return the token in ``path``, creating it (readable by its owner only) if missing.

    Raises:
        InvalidInputError: The file exists but others may read it, another user owns it, or
            it holds no token.
    """
    location = os.fspath(path)
    if not location.strip():
        raise InvalidInputError("the token file's path is empty (--token-file)", path=location)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(location)), mode=0o700, exist_ok=True)
        try:
            descriptor = os.open(location, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _existing_token(location)
        token = secrets.token_urlsafe(32)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(f"{token}\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not text"
        raise InvalidInputError(
            f"token file {location!r} cannot be read or made: {reason}", path=location
        ) from exc
    return token


def _existing_token(location: str) -> str:
    status = os.stat(location)
    if status.st_uid != os.geteuid() or stat.S_IMODE(status.st_mode) & 0o077:
        raise InvalidInputError(
            f"token file {location!r} may be read by others: it must belong to you with mode "
            f"600 (chmod 600 {location})",
            path=location,
        )
    with open(location, encoding="ascii") as file:
        token = file.read().strip()
    if not token:
        raise InvalidInputError(f"token file {location!r} holds no token", path=location)
    return token


class RequestGuard:
    """ASGI middleware: the checks every HTTP request passes before it reaches a route."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        hosts: Sequence[str],
        origins: Sequence[str] = (),
        max_body: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self._token = f"Bearer {token}".encode()
        self._hosts = frozenset(hosts)
        self._origins = frozenset(origins)
        self._max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request that fails a check; pass the others (and lifespan events) on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value for name, value in scope["headers"]}
        refusal = self._refusal(headers)
        if refusal is not None:
            status, message = refusal
            extra = {"WWW-Authenticate": "Bearer"} if status == 401 else None  # noqa: PLR2004
            await JSONResponse({"error": message}, status, extra)(scope, receive, send)
            return
        if b"content-length" in dict(scope["headers"]):
            await self.app(scope, receive, send)  # its length was checked above
            return
        body = await self._read_streamed(receive)
        if body is None:
            message = f"the request body is larger than {self._max_body} bytes"
            await JSONResponse({"error": message}, 413)(scope, receive, send)
            return
        await self.app(scope, _replaying(body, receive), send)

    async def _read_streamed(self, receive: Receive) -> bytes | None:
        """Read a body sent without a length, up to the limit; None past it."""
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return bytes(body)
            body += message.get("body", b"")
            if len(body) > self._max_body:
                return None
            if not message.get("more_body", False):
                return bytes(body)

    def _refusal(self, headers: dict[str, bytes]) -> tuple[int, str] | None:
        host = headers.get("host", b"").decode("latin-1")
        if host not in self._hosts:
            return 403, f"Host {host!r} is not this server's (it answers only on loopback)"
        origin = headers.get("origin")
        if origin is not None and origin.decode("latin-1") not in self._origins:
            return 403, f"Origin {origin.decode('latin-1')!r} is not allowed (--allow-origin)"
        if not hmac.compare_digest(headers.get("authorization", b""), self._token):
            return 401, "a bearer token is required: Authorization: Bearer <the token file's>"
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self._max_body):
            return 413, f"the request body is larger than {self._max_body} bytes"
        return None


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
    """Where and how ``rewind serve`` listens."""

    roots: Sequence[str | os.PathLike[str]]
    token_file: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    origins: Sequence[str] = ()
    max_body: int = MAX_BODY_BYTES


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
    server = build_mcp_server(service, roots)
    for route in routes:
        server.custom_route(route.path, methods=list(route.methods or ()))(route.endpoint)

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
            checkpoint = await service.create_workspace_snapshot(
                call.plan, workspace, call.tool_use_id, deadline=deadline, **call.snapshot_fields()
            )
        except DeadlineExceededError as late:
            _log.warning("hook %s: late, dropped: %s", agent, late)
            return JSONResponse(_error_body(late), 504)
        except RewindError as error:
            _log.warning("hook %s: %s: %s", agent, type(error).__name__, error)
            return JSONResponse(_error_body(error), 422)
        _log.info(
            "hook %s: checkpoint %s before %s", agent, checkpoint.checkpoint_id, call.tool_name
        )
        return JSONResponse({})  # nothing to decide: the tool runs

    server.custom_route("/hooks/{agent}", methods=["POST"])(hook)
    app = server.streamable_http_app(
        max_request_body_size=options.max_body,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        host=options.host,
    )
    return RequestGuard(
        app, token=token, hosts=hosts, origins=options.origins, max_body=options.max_body
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
            config = uvicorn.Config(app, log_level="warning", lifespan="on")
            announce(f"http://{options.host}:{port}")
            await uvicorn.Server(config).serve(sockets=[listening])

    try:
        anyio.run(serve)
    finally:
        listening.close()
