"""Steps about the user's background service: hooks start it, use it, and replace it."""

from __future__ import annotations

import fcntl
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

import httpx2
from behave import given, then, when
from mcp.client.streamable_http import streamable_http_client
from support.hooking import hook_environment, hook_input, hook_log, run_hook_process
from support.mcp_client import McpConnection
from support.scenario import expand
from support.trees import write_file
from support.world import World, world

import rewind
from rewind.hooks.background import ServiceFiles, read_state
from rewind.hooks.wire import VERSION_HEADER

SERVICE_DEADLINE = 120.0
"""The hooks' deadline in these scenarios: long enough for a service to start on a busy machine."""


def _service_hook(
    scene: World, deadline: float = SERVICE_DEADLINE, **fields: Any
) -> subprocess.CompletedProcess[str]:
    body = hook_input(scene, "Claude Code", **fields)
    return run_hook_process(scene, "Claude Code", body, background=True, deadline=deadline)


@when("Claude Code's hook runs, the background service being on")
def hook_with_service(context: Any) -> None:
    scene = world(context)
    scene.result = _service_hook(scene)


@when("Claude Code's hook runs, the background service being on, giving it {seconds:d} seconds")
def hook_with_service_deadline(context: Any, seconds: int) -> None:
    scene = world(context)
    scene.result = _service_hook(scene, deadline=seconds)


@when(
    "Claude Code's hook runs {count:d} times, the workspace changing between them, "
    "the background service being on"
)
def hooks_with_service(context: Any, count: int) -> None:
    scene = world(context)
    for number in range(count):
        write_file(scene.workspace, "notes.txt", f"change {number}")
        scene.result = _service_hook(scene, tool_use_id=f"toolu_{number:02d}")
        assert scene.result.returncode == 0 and not scene.result.stderr, scene.result


@when("Claude Code's hook runs without a runtime directory, the background service being on")
def hook_without_runtime_directory(context: Any) -> None:
    scene = world(context)
    saved = os.environ.pop("XDG_RUNTIME_DIR")
    try:
        scene.result = _service_hook(scene)
        context.service_files = ServiceFiles(scene.database_url)
    finally:
        os.environ["XDG_RUNTIME_DIR"] = saved


@when(
    "{count:d} hooks of Claude Code run at once, each for its own tool call, "
    "the background service being on"
)
def parallel_hooks(context: Any, count: int) -> None:
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None
    environment = hook_environment(scene, background=True, deadline=SERVICE_DEADLINE)
    running = []
    for number in range(count):
        process = subprocess.Popen(
            [command, "hook", "claude-code"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            cwd=scene.workspace,
        )
        running.append((process, hook_input(scene, "Claude Code", tool_use_id=f"toolu_p{number}")))
    context.parallel = [process.communicate(body, timeout=600) for process, body in running]
    context.parallel_codes = [process.returncode for process, _ in running]
    context.parallel_calls = [f"toolu_p{number}" for number in range(count)]


@then("every one of them exited 0 and printed only {{}}")
def all_answered(context: Any) -> None:
    for code, (stdout, stderr) in zip(context.parallel_codes, context.parallel, strict=True):
        assert (code, stdout) == (0, b"{}\n"), (code, stdout, stderr)


@then('plan "{plan:Q}" has one checkpoint for each of those {count:d} tool calls')
def one_checkpoint_each(context: Any, plan: str, count: int) -> None:
    found = [str(c.decision_id) for c in world(context).the_service.list_checkpoints(plan)]
    assert sorted(found) == sorted(context.parallel_calls), sorted(found)
    assert len(found) == count


def _service_log(scene: World) -> str:
    path = Path(ServiceFiles(scene.database_url).log)
    return path.read_text("utf-8") if path.exists() else ""


@then("exactly {count:d} background service started")
@then("exactly {count:d} background services started")
def services_started(context: Any, count: int) -> None:
    log = _service_log(world(context))
    assert log.count("listening on") == count, log


@then('the hooks\' log says "{text:Q}" {count:d} times')
def hook_log_says(context: Any, text: str, count: int) -> None:
    log = hook_log(world(context)).read_text("utf-8")
    assert log.count(text) == count, log


@when("the background service is killed with SIGKILL")
def kill_service(context: Any) -> None:
    state = read_state(ServiceFiles(world(context).database_url))
    assert state is not None
    pid = int(str(state["pid"]))
    os.kill(pid, signal.SIGKILL)
    while Path(f"/proc/{pid}/stat").exists() and _state_of(pid) != "Z":
        threading.Event().wait(0.01)


def _state_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text("ascii").rpartition(")")[2].split()[0]
    except OSError:
        return "gone"


class _OlderService:
    """A Unix socket answering as an older rewind's service: it stops when asked to."""

    def __init__(self, path: str) -> None:
        self.listening = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listening.bind(path)
        self.listening.listen(8)
        self.asked_to_stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.asked_to_stop:
            try:
                peer, _ = self.listening.accept()
            except OSError:
                return
            with peer:
                request = peer.recv(65536)
                self.asked_to_stop = request.startswith(b"POST /service/stop ")
                peer.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
        self.listening.close()


@given("a service of an older rewind answers on the store's socket")
def older_service(context: Any) -> None:
    files = ServiceFiles(world(context).database_url)
    assert files.socket is not None
    Path(files.directory).mkdir(mode=0o700, parents=True, exist_ok=True)
    context.older = _OlderService(files.socket)
    state = {"pid": 1, "version": "0.0.1", "database": files.database_url, "socket": files.socket}
    Path(files.state).write_text(json.dumps(state), "utf-8")
    Path(files.state).chmod(0o600)


@then("the older service was asked to stop")
def older_stopped(context: Any) -> None:
    assert context.older.asked_to_stop


@then("the service's status names the version of this rewind")
def envelope_version(context: Any) -> None:
    document = json.loads(world(context).the_result.stdout)
    assert document["data"]["version"] == rewind.__version__, document


@when("a hook of another rewind version posts to the background service")
def other_version(context: Any) -> None:
    scene = world(context)
    files = ServiceFiles(scene.database_url)
    assert files.socket is not None
    body = hook_input(scene, "Claude Code", tool_use_id="toolu_other")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as peer:
        peer.settimeout(120)
        peer.connect(files.socket)
        peer.sendall(
            b"POST /hooks/claude-code HTTP/1.1\r\nHost: localhost\r\n"
            + f"{VERSION_HEADER}: 0.0.0\r\nContent-Length: {len(body)}\r\n".encode()
            + b"Connection: close\r\n\r\n"
            + body
        )
        answer = b"".join(iter(lambda: peer.recv(65536), b""))
    context.service_status = int(answer.split(b" ", 2)[1])


@when("an MCP client connects to the background service over its socket")
def mcp_over_socket(context: Any) -> None:
    socket_path = ServiceFiles(world(context).database_url).socket
    assert socket_path is not None

    def transport() -> Any:
        over_socket = httpx2.AsyncHTTPTransport(uds=socket_path)
        return streamable_http_client(
            "http://localhost/mcp", http_client=httpx2.AsyncClient(transport=over_socket)
        )

    context.mcp = McpConnection(transport)
    context.add_cleanup(context.mcp.close)


@then("the service answered {status:d}")
def service_answered(context: Any, status: int) -> None:
    assert context.service_status == status, context.service_status


@then("the service's state names no socket, and a loopback URL")
def state_without_socket(context: Any) -> None:
    files: ServiceFiles = context.service_files
    state = read_state(files)
    assert state is not None and state["socket"] is None, state
    assert str(state["url"]).startswith("http://127.0.0.1:"), state
    context.service_url = str(state["url"])


@then("a request to that URL without the token is refused with 401")
def refused_without_token(context: Any) -> None:
    host, _, port = context.service_url.removeprefix("http://").rpartition(":")
    with socket.create_connection((host, int(port)), timeout=120) as peer:
        peer.sendall(
            f"GET /service/status HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = b"".join(iter(lambda: peer.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


@given("a directory is in the way of the service's socket")
def directory_in_the_way(context: Any) -> None:
    files = ServiceFiles(world(context).database_url)
    assert files.socket is not None
    Path(files.socket).mkdir(parents=True)
    Path(files.directory).chmod(0o700)
    (Path(files.socket) / "keep").write_text("a directory a service cannot replace", "utf-8")


@when('I start "{command:Q}"')
def start_command(context: Any, command: str) -> None:
    scene = world(context)
    environment = hook_environment(scene)
    context.started = subprocess.Popen(
        shlex.split(expand(scene, command)),
        env=environment,
        cwd=scene.directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@then("it exits by itself with status {status:d}")
def exits_by_itself(context: Any, status: int) -> None:
    process: subprocess.Popen[bytes] = context.started
    _stdout, stderr = process.communicate(timeout=600)  # no deadline: it must end on its own
    assert process.returncode == status, (process.returncode, stderr)


@then("the service's state file is gone")
def state_gone(context: Any) -> None:
    assert not Path(ServiceFiles(world(context).database_url).state).exists()


@given("the user's config.toml holds")
def user_config(context: Any) -> None:
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "rewind" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(context.text, "utf-8")


@given('the workspace was snapshotted {count:d} times for plan "{plan:Q}", changing between them')
def snapshotted_times(context: Any, count: int, plan: str) -> None:
    scene = world(context)
    for number in range(count):
        write_file(scene.workspace, "notes.txt", f"change {number}")
        scene.the_service.create_workspace_snapshot(plan, scene.workspace)


@given("another process holds the service's start lock")
def hold_start_lock(context: Any) -> None:
    files = ServiceFiles(world(context).database_url)
    Path(files.directory).mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(files.lock, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    context.add_cleanup(os.close, descriptor)
