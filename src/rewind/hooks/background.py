"""The user's background service, as a hook finds it, starts it and talks to it.

One long-lived ``rewind service run`` per user and store watches the workspaces it snapshots,
so a hook costs what changed, not a whole Python process importing the library and scanning
the tree. Its files, for a store whose URL hashes to ``K``, are in
``$XDG_RUNTIME_DIR/rewind/`` (mode 0700; else the state directory, and then it listens on
loopback TCP with the token only): ``service-K.sock`` (its Unix socket, which only this user
may reach), ``service-K.json`` (its pid, version, store, socket and URL, written once it
listens) and ``service-K.lock`` (held by whoever starts it: under any number of parallel
hooks, exactly one starts it). It logs to ``$XDG_STATE_HOME/rewind/service-K.log``.

A hook reaches it through ``reach_service``: the running service of its store and version,
else a new one it starts detached (an older version is asked to stop first). Standard library
only, and ``subprocess`` only when starting one: the hook command imports this module.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
import zlib

from rewind import __version__
from rewind._private import open_private_file, private_directory, runtime_directory, user_directory
from rewind.hooks.wire import Target, read_token

__all__ = [
    "SERVICE_VARIABLE",
    "ServiceFiles",
    "ServiceUnavailable",
    "reach_service",
    "read_state",
    "service_status",
    "service_target",
    "service_wanted",
    "stop_service",
]

SERVICE_VARIABLE = "REWIND_SERVICE"
"""``off``: hooks never use nor start a background service (they snapshot in process)."""
POLL_SECONDS = 0.02
"""How often a hook looks again for a service that is starting, or a lock being released."""


class ServiceUnavailable(Exception):
    """No service could be reached or started in time; the message says why."""


def service_target(state: dict[str, object]) -> Target:
    """How to reach the service whose state is ``state``: its Unix socket, else TCP.

    Raises:
        ValueError: The state names neither.
    """
    socket_path = state.get("socket")
    if isinstance(socket_path, str):
        return Target(
            "the background service",
            lambda timeout: _unix_connection(socket_path, timeout),
            "localhost",
            with_token=False,  # only this user may reach the socket
        )
    url = state.get("url")
    if not isinstance(url, str):
        raise ValueError("the service's state names no socket and no URL")
    target = Target.of_url(url)
    target.name = "the background service"
    return target


def _unix_connection(path: str, timeout: float) -> socket.socket:
    peer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    peer.settimeout(timeout)
    try:
        peer.connect(path)
    except BaseException:
        peer.close()
        raise
    return peer


class ServiceFiles:
    """The files of the service of one store (see the module)."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        key = f"{zlib.crc32(database_url.encode('utf-8', 'surrogateescape')):08x}"
        runtime = runtime_directory()
        self.directory = runtime or user_directory("state")
        self.socket = os.path.join(runtime, f"service-{key}.sock") if runtime else None
        self.state = os.path.join(self.directory, f"service-{key}.json")
        self.lock = os.path.join(self.directory, f"service-{key}.lock")
        self.log = os.path.join(user_directory("state"), f"service-{key}.log")


def service_wanted() -> bool:
    """Whether hooks use a background service (``$REWIND_SERVICE`` is not ``off``)."""
    return os.environ.get(SERVICE_VARIABLE, "").strip().lower() != "off"


def read_state(files: ServiceFiles) -> dict[str, object] | None:
    """What the service of ``files`` wrote when it started; None if nothing (or not JSON)."""
    try:
        descriptor = open_private_file(files.state)
        with os.fdopen(descriptor, encoding="utf-8") as file:
            state = json.load(file)
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def service_status(files: ServiceFiles) -> dict[str, object] | None:
    """What the running service of ``files`` says of itself (``GET /service/status``), or None."""
    state = read_state(files)
    if state is None:
        return None
    try:
        target = service_target(state)
        token = f"Authorization: Bearer {read_token()}\r\n" if target.with_token else ""
        with target.connect(5.0) as peer:
            peer.sendall(
                f"GET {target.prefix}/service/status HTTP/1.1\r\nHost: {target.host}\r\n"
                f"{token}Connection: close\r\n\r\n".encode()
            )
            answer = b"".join(iter(lambda: peer.recv(65536), b""))
        found = json.loads(answer.partition(b"\r\n\r\n")[2])
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def reach_service(database_url: str, deadline: float) -> Target:
    """This store's running service of this version, started if need be.

    Raises:
        ServiceUnavailable: None answered, and none could be started before ``deadline``.
        InsecureFileError: The runtime or state directory is not this user's alone.
    """
    files = ServiceFiles(database_url)
    private_directory(files.directory)
    found = _running(files)
    if found is not None:
        return found
    with _Lock(files.lock, deadline):
        found = _running(files)  # another hook may have started it while this one waited
        if found is None:
            _stop_other_version(files, deadline)
            _spawn(files)
            found = _wait_until_listening(files, deadline)
    return found


def _running(files: ServiceFiles) -> Target | None:
    """The service of this store and version, if its state says so and it accepts."""
    state = read_state(files)
    if state is None or state.get("version") != __version__:
        return None
    if state.get("database") != files.database_url:
        return None  # another store's service, whose key collides: never use it
    try:
        target = service_target(state)
        target.connect(1.0).close()
    except (OSError, ValueError):
        return None
    return target


class _Lock:
    """``flock`` on the start lock, waited for at most until the deadline."""

    def __init__(self, path: str, deadline: float) -> None:
        self.path = path
        self.deadline = deadline
        self.descriptor = -1

    def __enter__(self) -> _Lock:
        self.descriptor = open_private_file(self.path, os.O_RDWR, create=True)
        while True:
            try:
                fcntl.flock(self.descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError as exc:
                if time.time() >= self.deadline:
                    os.close(self.descriptor)
                    raise ServiceUnavailable(
                        "another hook kept starting the service past the deadline"
                    ) from exc
                time.sleep(POLL_SECONDS)

    def __exit__(self, *_exc: object) -> None:
        os.close(self.descriptor)  # closing releases the lock


def _stop_other_version(files: ServiceFiles, deadline: float) -> None:
    """Ask a service of another version (an upgrade) to stop, and wait for its socket to go."""
    state = read_state(files)
    if state is None:
        return
    try:
        target = service_target(state)
        stop_service(target)
    except (OSError, ValueError):
        return  # gone already
    while time.time() < deadline:
        try:
            target.connect(1.0).close()
        except OSError:
            return
        time.sleep(POLL_SECONDS)


def stop_service(target: Target) -> None:
    """Ask the service at ``target`` to stop (it answers, then exits).

    Raises:
        OSError: It cannot be reached.
        InsecureFileError: The token (for TCP) is not the user's private file.
    """
    request = f"POST {target.prefix}/service/stop HTTP/1.1\r\nHost: {target.host}\r\n"
    if target.with_token:
        request += f"Authorization: Bearer {read_token()}\r\n"
    with target.connect(5.0) as peer:
        peer.sendall(f"{request}Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
        while peer.recv(65536):
            pass


def _spawn(files: ServiceFiles) -> None:
    """Start ``rewind service run`` for the store, detached, logging to the service's log."""
    import subprocess  # noqa: PLC0415 - only when a service must be started

    private_directory(os.path.dirname(files.log))
    log = open_private_file(files.log, os.O_WRONLY | os.O_APPEND, create=True)
    environment = {**os.environ, "REWIND_DATABASE_URL": files.database_url}
    try:
        subprocess.Popen(
            [sys.executable, "-m", "rewind", "service", "run"],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=environment,
            cwd="/",
            start_new_session=True,  # not in the agent's process group: it outlives the hook
            close_fds=True,
        )
    finally:
        os.close(log)


def _wait_until_listening(files: ServiceFiles, deadline: float) -> Target:
    while True:
        found = _running(files)
        if found is not None:
            return found
        if time.time() >= deadline:
            raise ServiceUnavailable(
                f"the background service did not start in time (its log: {files.log})"
            )
        time.sleep(POLL_SECONDS)
