"""Steps that test ``rewind serve``'s guard: slow clients, headers, body limits, its token file.

Requests no HTTP library would send (half a request, two ``Authorization`` headers) go
through a plain socket (``RunningServer.connect`` and ``exchange``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import stat
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.scenario import expand
from support.serving import RunningServer
from support.world import World, world

from rewind._private import user_directory

HOOK_INPUT = Path(__file__).resolve().parents[1] / "fixtures" / "hooks"
NOBODY = 65534


def _hook_input(scene: World, **fields: Any) -> bytes:
    text = (HOOK_INPUT / "claude-code-pre-tool-use.json").read_text("utf-8")
    document = json.loads(expand(scene, text))
    document.update(fields)
    return json.dumps(document).encode()


def _token_file(scene: World) -> str:
    return str(scene.directory / "config" / "token")


def _server(context: Any) -> RunningServer:
    server: RunningServer = context.server
    return server


def _head(server: RunningServer, path: str, length: int, *extra: str) -> bytes:
    """The request line and headers of a hook POST of ``length`` bytes, with the token."""
    host, port = server.address
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {length}",
        "Connection: close",
        *extra,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@given(
    "the server runs with the workspace as its root, waiting {seconds:d} second for headers "
    "and for a body"
)
def serve_with_timeouts(context: Any, seconds: int) -> None:
    scene = world(context)
    context.server = RunningServer.with_options(
        scene.database_url,
        roots=[str(scene.workspace)],
        token_file=_token_file(scene),
        header_timeout=seconds,
        body_timeout=seconds,
    )
    context.add_cleanup(context.server.stop)


@when("a client connects and sends half of a hook request's {part}")
def send_half(context: Any, part: str) -> None:
    server = _server(context)
    body = _hook_input(world(context))
    request = _head(
        server, "/hooks/claude-code", len(body), f"Authorization: Bearer {server.token}"
    )
    if part == "headers":
        sent = request[: len(request) // 2]
    else:
        assert part == "body", part
        sent = request + body[: len(body) // 2]
    context.connection = server.connect()
    context.add_cleanup(context.connection.close)
    context.connection.sendall(sent)


@when("a client connects and sends nothing")
def send_nothing(context: Any) -> None:
    context.connection = _server(context).connect()
    context.add_cleanup(context.connection.close)


@then("the server closes the connection")
def connection_closed(context: Any) -> None:
    connection: socket.socket = context.connection
    try:
        while connection.recv(65536):  # an answer, if any, before the close
            pass
    except ConnectionResetError:
        pass
    except TimeoutError as exc:  # the socket waits a minute: the server never closed it
        raise AssertionError("the server kept the connection open") from exc


@when("a client sends two hook requests on one connection")
def two_requests(context: Any) -> None:
    server = _server(context)
    connection = http.client.HTTPConnection(*server.address, timeout=60)
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    statuses = []
    try:
        for _ in range(2):
            connection.request("POST", "/hooks/claude-code", _hook_input(world(context)), headers)
            response = connection.getresponse()
            response.read()
            statuses.append(response.status)
    finally:
        connection.close()
    context.statuses = statuses


@then("the server answered both with 200")
def both_answered(context: Any) -> None:
    assert context.statuses == [200, 200], context.statuses


@when("a client posts a hook request with the Authorization headers {which}")
def two_authorizations(context: Any, which: str) -> None:
    server = _server(context)
    right, wrong = f"Authorization: Bearer {server.token}", "Authorization: Bearer wrong"
    headers = {
        "a wrong one, then the token": [wrong, right],
        "the token, then a wrong one": [right, wrong],
        "the token twice": [right, right],
    }[which]
    body = _hook_input(world(context))
    request = _head(server, "/hooks/claude-code", len(body), *headers) + body
    context.http_status, context.http_body = server.exchange(request)


@when("Claude Code posts to the server the hook input of a Write of {size:d} MiB")
def post_large_write(context: Any, size: int) -> None:
    scene = world(context)
    server = _server(context)
    content = "x" * (size * 1024 * 1024)
    body = _hook_input(
        scene,
        tool_name="Write",
        tool_input={"file_path": str(scene.workspace / "large.txt"), "content": content},
    )
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    context.http_status, context.http_body = server.post("/hooks/claude-code", body, headers)


@when("a client announces a body of {size:d} bytes to {route}")
def announce_body(context: Any, size: int, route: str) -> None:
    server = _server(context)
    request = _head(server, route, size, f"Authorization: Bearer {server.token}")
    context.http_status, context.http_body = server.exchange(request)


@when("a client posts {size:d} MiB to /mcp {how}")
def post_to_mcp(context: Any, size: int, how: str) -> None:
    server = _server(context)
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    body = b" " * (size * 1024 * 1024)
    chunked = {"with its length": False, "streamed, unannounced": True}[how]
    context.http_status, context.http_body = server.post("/mcp", body, headers, chunked=chunked)


@when("Claude Code posts to the server a hook input whose cwd holds a NUL")
def post_nul_cwd(context: Any) -> None:
    scene = world(context)
    server = _server(context)
    body = _hook_input(scene, cwd=f"{scene.workspace}\0/x")
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    context.http_status, context.http_body = server.post("/hooks/claude-code", body, headers)


@given('the token file "{name:Q}" beside the workspace {what}')
def odd_token_file(context: Any, name: str, what: str) -> None:
    path = world(context).directory / name
    if what == "is a symlink to a private file of the user's":
        target = path.with_name(f"{name}-target")
        target.write_text("a-token\n", encoding="ascii")
        target.chmod(0o600)
        path.symlink_to(target)
    elif what == "belongs to another user":
        path.write_text("a-token\n", encoding="ascii")
        path.chmod(0o600)
        os.chown(path, NOBODY, NOBODY)
    else:
        assert what == "is a FIFO", what
        os.mkfifo(path, 0o600)


@given("the default token directory exists with mode {mode}")
def loose_token_directory(context: Any, mode: str) -> None:
    directory = Path(user_directory("config"))
    directory.mkdir(parents=True)
    directory.chmod(int(mode, 8))


@when('"rewind serve" runs with the workspace as its root and the default token file')
def serve_with_default_token(context: Any) -> None:
    scene = world(context)
    token_file = os.path.join(user_directory("config"), "token")
    context.server = RunningServer(
        scene.database_url, [str(scene.workspace)], token_file, name_token_file=False
    )
    context.add_cleanup(context.server.stop)


@then("the default token file has mode 600, in a directory of mode 700")
def default_token_private(context: Any) -> None:
    directory = user_directory("config")
    modes = [
        stat.S_IMODE(os.lstat(path).st_mode)
        for path in (directory, os.path.join(directory, "token"))
    ]
    assert modes == [0o700, 0o600], [oct(mode) for mode in modes]
