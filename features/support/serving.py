"""``RunningServer``: ``rewind serve`` in a process of its own, on a free loopback port.

It is started as an agent's user would start it, with ``--port 0`` (the kernel picks a free
port, and the server prints its URL), and stopped by the scenario's cleanup.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import urllib.parse
from collections.abc import Iterator, Sequence

from rewind.service import DATABASE_URL_VARIABLE


class RunningServer:
    """One ``rewind serve`` process, its URL and its token."""

    def __init__(
        self, database_url: str, roots: Sequence[str], token_file: str, *options: str
    ) -> None:
        command = shutil.which("rewind")
        assert command is not None, "the rewind command is not installed"
        arguments = [command, "serve", "--port", "0", "--token-file", token_file, *options]
        for root in roots:
            arguments += ["--root", root]
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
