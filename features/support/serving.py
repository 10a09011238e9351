"""``RunningServer``: ``rewind serve`` in a process of its own, on a free loopback port.

It is started as an agent's user would start it, with ``--port 0`` (the kernel picks a free
port, and the server prints its URL), and stopped by the scenario's cleanup. ``with_options``
starts the same server through ``rewind.server.http.run_http`` with ``ServeOptions`` the
command line does not offer (short timeouts).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

from rewind.service import DATABASE_URL_VARIABLE

_SERVE_WITH_OPTIONS = """
import json, sys
from rewind.server.http import ServeOptions, run_http
options = ServeOptions(**json.loads(sys.argv[1]))
try:
    run_http(None, options, announce=lambda url: print(url, flush=True))
except KeyboardInterrupt:
    pass
"""


class RunningServer:
    """One ``rewind serve`` process, its URL and its token."""

    def __init__(
        self,
        database_url: str,
        roots: Sequence[str],
        token_file: str,
        *options: str,
        name_token_file: bool = True,
    ) -> None:
        """Run ``rewind serve``; ``token_file`` is read once it listens (and, if
        ``name_token_file``, given to it with ``--token-file``)."""
        command = shutil.which("rewind")
        assert command is not None, "the rewind command is not installed"
        arguments = [command, "serve", "--port", "0", *options]
        if name_token_file:
            arguments += ["--token-file", token_file]
        for root in roots:
            arguments += ["--root", root]
        self._start(arguments, database_url, token_file)

    @classmethod
    def with_options(cls, database_url: str, **options: Any) -> RunningServer:
        """Run ``run_http`` with ``ServeOptions(port=0, **options)`` in a process of its own."""
        server = cls.__new__(cls)
        settings = json.dumps({"port": 0, **options})
        arguments = [sys.executable, "-c", _SERVE_WITH_OPTIONS, settings]
        server._start(arguments, database_url, options["token_file"])
        return server

    def _start(self, arguments: list[str], database_url: str, token_file: str) -> None:
        self.process = subprocess.Popen(
            arguments,
            env={**os.environ, DATABASE_URL_VARIABLE: database_url},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the URL, once it listens (EOF if it failed)
        if not line:
            _, errors = self.process.communicate(timeout=60)
            raise AssertionError(f"rewind serve did not start: {errors}")
        self.url = line.strip()
        with open(token_file, encoding="ascii") as file:
            self.token = file.read().strip()

    @property
    def address(self) -> tuple[str, int]:
        """The host and port it listens on."""
        parts = urllib.parse.urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return parts.hostname, parts.port

    def connect(self) -> socket.socket:
        """A plain TCP connection to it, for requests no HTTP library would send."""
        return socket.create_connection(self.address, timeout=60)

    def exchange(self, request: bytes) -> tuple[int, bytes]:
        """Send ``request`` as it is (it should say ``Connection: close``); return the answer.

        Returns:
            The status code and the body of the answer.
        """
        with self.connect() as connection:
            connection.sendall(request)
            answer = b""
            while part := connection.recv(65536):
                answer += part
        head, _, body = answer.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body

    def post(
        self,
        path: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        *,
        chunked: bool = False,
    ) -> tuple[int, bytes]:
        """POST ``body`` to ``path`` (in 64 KiB chunks, without a length, if ``chunked``)."""
        address = urllib.parse.urlsplit(self.url)
        assert address.hostname is not None and address.port is not None
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        sent: bytes | Iterator[bytes] = body
        if chunked:
            sent = (body[start : start + 65536] for start in range(0, len(body), 65536))
        try:
            connection.request(
                "POST", path, body=sent, headers=headers or {}, encode_chunked=chunked
            )
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self) -> None:
        """Stop the server as a user's Ctrl-C does (SIGINT), and wait for it to exit 0."""
        self.process.send_signal(signal.SIGINT)
        _, errors = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, (self.process.returncode, errors)
