"""``rewind service run``: the user's background service for one store.

It is ``rewind serve`` made for hooks: one process per user and store, started on demand by
the first hook (``rewind.hooks.background``) or by ``rewind service start``, watching every
workspace it snapshots. It listens on a Unix socket in ``$XDG_RUNTIME_DIR/rewind/`` (mode
0700, so only this user reaches it: a request there needs no token) and on loopback TCP with
the bearer token (MCP clients, and hooks where there is no runtime directory); it writes its
state file once it listens, applies a retention policy to what it snapshots (by default it
keeps 30 days and at least the last 100 checkpoints of each workspace), answers a request of
another rewind version with 409 (the hook then replaces it), and exits when no request came
for its idle time (30 minutes by default). ``GET /service/status`` says how it is;
``POST /service/stop`` stops it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import anyio
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from rewind import __version__
from rewind._private import open_private_file, private_directory
from rewind.aio import AsyncCheckpointService
from rewind.errors import InvalidInputError
from rewind.hooks.background import ServiceFiles, read_state, service_target
from rewind.hooks.names import default_token_file
from rewind.hooks.wire import VERSION_HEADER
from rewind.models import RetentionPolicy
from rewind.server.connections import timed_protocol
from rewind.server.http import ServeOptions, build_app, read_or_create_token
from rewind.server.roots import Roots

__all__ = ["DEFAULT_RETENTION", "ServiceOptions", "run_service"]

DEFAULT_RETENTION = RetentionPolicy(keep_within=timedelta(days=30), keep_last=100)
"""What the service keeps of each workspace it snapshots: 30 days, and the last 100."""

_log = logging.getLogger("rewind.service")


@dataclass(frozen=True)
class ServiceOptions:
    """How the background service runs."""

    roots: Sequence[str] = ("/",)
    """Where it may act: by default any directory (only this user can reach it)."""
    idle_seconds: float = 1800.0
    port: int = 0
    """Its loopback TCP port; 0: a free one, written in its state file."""
    retention: RetentionPolicy | None = field(default_factory=lambda: DEFAULT_RETENTION)
    max_bytes: int | None = None
    """A byte budget for the store, applied (oldest checkpoints first) each time it starts."""


class _Activity:
    """ASGI middleware: counts requests, dates the last one, and refuses another version's."""

    def __init__(self, app: ASGIApp, socket_path: str | None, token: str) -> None:
        self.app = app
        self.socket_path = socket_path
        self.token = f"Bearer {token}".encode()
        self.last = time.monotonic()
        self.in_flight = 0
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        version = headers.get(VERSION_HEADER.lower().encode())
        if version is not None and version.decode("latin-1") != __version__:
            body = {"error": "VersionMismatch", "message": f"this service is {__version__}"}
            await JSONResponse(body, 409)(scope, receive, send)
            return
        if self._on_socket(scope):  # the socket's mode vouches for the client: pass the guard
            kept = [(k, v) for k, v in scope["headers"] if k not in (b"authorization", b"host")]
            host = f"127.0.0.1:{scope['rewind.port']}".encode()
            scope = {**scope, "headers": [*kept, (b"host", host), (b"authorization", self.token)]}
        self.in_flight += 1
        if not scope["path"].startswith("/service/"):  # the service's own routes do not count
            self.requests += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.last = time.monotonic()

    def _on_socket(self, scope: Scope) -> bool:
        server = scope.get("server")
        return self.socket_path is not None and server is not None and server[0] == self.socket_path

    def idle_for(self) -> float:
        """Seconds since the last request ended (0 while one runs)."""
        return 0.0 if self.in_flight else time.monotonic() - self.last


def run_service(url: str, options: ServiceOptions) -> None:
    """Serve the store at ``url`` until idle for ``options.idle_seconds``, or stopped.

    Raises:
        InvalidInputError: A service of this store already runs, or the port is taken.
        InsecureFileError: The runtime or state directory, or the token, is not private.
        RewindError: The store cannot be opened, or a root is not a directory.
    """
    logging.basicConfig(  # plain lines in the service's log (before the MCP SDK's own setup)
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    files = ServiceFiles(url)
    private_directory(files.directory)
    roots = Roots(options.roots)
    token = read_or_create_token(default_token_file())
    unix = _bind_unix(files)
    try:
        tcp = socket.create_server(("127.0.0.1", options.port))
    except OSError as exc:
        _close_unix(unix, files)
        raise InvalidInputError(f"cannot listen on 127.0.0.1:{options.port}: {exc}") from exc
    sockets = [tcp] if unix is None else [unix, tcp]
    listening = _Listening(files, roots, token, sockets, tcp.getsockname()[1])
    try:
        anyio.run(_serve, url, options, listening)
    finally:
        tcp.close()
        _close_unix(unix, files)
        _forget_state(files)


@dataclass(frozen=True)
class _Listening:
    """The sockets a service listens on, and what its requests are checked against."""

    files: ServiceFiles
    roots: Roots
    token: str
    sockets: list[socket.socket]
    port: int


async def _serve(url: str, options: ServiceOptions, listening: _Listening) -> None:
    files, roots, token, port = listening.files, listening.roots, listening.token, listening.port
    started = datetime.now(UTC)
    serve = ServeOptions(roots=list(roots.directories), token_file=default_token_file(), port=port)
    hosts = [f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")]
    opened = AsyncCheckpointService.open(url, watch=True, retention=options.retention)
    async with await opened as service:
        if options.max_bytes is not None:
            pruned = await service.prune(RetentionPolicy(max_bytes=options.max_bytes))
            _say(f"pruned {len(pruned.deleted)} checkpoints to fit {options.max_bytes} bytes")
        server: uvicorn.Server | None = None

        async def status(_request: Request) -> Response:
            report = await service.watch_report()
            watch = report.model_dump(mode="json")
            return JSONResponse({**_status(url, files, port, started, activity), "watch": watch})

        async def stop(_request: Request) -> Response:
            assert server is not None
            server.should_exit = True
            return JSONResponse({"stopping": True})

        routes = [
            Route("/service/status", status, methods=["GET"]),
            Route("/service/stop", stop, methods=["POST"]),
        ]
        app = build_app(service, roots, token, hosts, serve, routes=routes)
        activity = _Activity(app, files.socket, token)
        config = uvicorn.Config(
            _with_port(activity, port),
            log_level="warning",
            lifespan="on",
            http=timed_protocol(serve.header_timeout, serve.body_timeout),
        )
        server = uvicorn.Server(config)
        _write_state(files, url, port, started)
        where = " and ".join(filter(None, [files.socket, f"http://127.0.0.1:{port}"]))
        _say(f"rewind service {__version__} (pid {os.getpid()}) listening on {where}")
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(_exit_when_idle, server, activity, options.idle_seconds)
            await server.serve(sockets=listening.sockets)
            tasks.cancel_scope.cancel()
    _say(f"rewind service stopped after {activity.requests} requests")


def _say(line: str) -> None:
    """One dated line in the service's log (its stderr)."""
    print(f"{datetime.now(UTC).isoformat()} {line}", file=sys.stderr, flush=True)


def _with_port(app: ASGIApp, port: int) -> ASGIApp:
    """Tell the middleware the TCP port, so a request on the socket names a guarded host."""

    async def with_port(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "rewind.port": port}, receive, send)

    return with_port


async def _exit_when_idle(server: uvicorn.Server, activity: _Activity, idle: float) -> None:
    while not server.should_exit:
        await anyio.sleep(min(max(idle / 4, 0.05), 30.0))
        if activity.idle_for() >= idle:
            _log.info("idle for %.0f s: exiting", idle)
            server.should_exit = True


def _status(
    url: str, files: ServiceFiles, port: int, started: datetime, activity: _Activity
) -> dict[str, object]:
    return {
        "pid": os.getpid(),
        "version": __version__,
        "database": url,
        "socket": files.socket,
        "url": f"http://127.0.0.1:{port}",
        "started_at": started.isoformat(),
        "requests": activity.requests,
        "idle_seconds": round(activity.idle_for(), 3),
    }


def _bind_unix(files: ServiceFiles) -> socket.socket | None:
    """Listen on the store's Unix socket (none without a runtime directory).

    A socket file nobody answers on (a crashed service's) is replaced.

    Raises:
        InvalidInputError: A service of this store answers on it already.
    """
    if files.socket is None:
        return None
    state = read_state(files)
    if state is not None and _answers(state):
        raise InvalidInputError(
            f"a rewind service of this store already runs (pid {state.get('pid')}): "
            "rewind service stop, or use it"
        )
    with contextlib.suppress(FileNotFoundError):
        os.unlink(files.socket)
    listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening.bind(files.socket)
    os.chmod(files.socket, 0o600)
    listening.listen(128)
    return listening


def _answers(state: dict[str, object]) -> bool:
    try:
        service_target(state).connect(1.0).close()
    except (OSError, ValueError):
        return False
    return True


def _close_unix(listening: socket.socket | None, files: ServiceFiles) -> None:
    if listening is None or files.socket is None:
        return
    listening.close()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(files.socket)


def _write_state(files: ServiceFiles, url: str, port: int, started: datetime) -> None:
    """Write the state file (through a temporary file renamed into place, mode 0600)."""
    state = {
        "pid": os.getpid(),
        "version": __version__,
        "database": url,
        "socket": files.socket,
        "url": f"http://127.0.0.1:{port}",
        "started_at": started.isoformat(),
    }
    temporary = f"{files.state}.{os.getpid()}.tmp"
    descriptor = open_private_file(temporary, os.O_WRONLY | os.O_TRUNC, create=True)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(state, file)
    os.replace(temporary, files.state)


def _forget_state(files: ServiceFiles) -> None:
    """Remove the state file if it is still this process's."""
    state = read_state(files)
    if state is not None and state.get("pid") == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            os.unlink(files.state)
