"""Snapshots through ``rewind serve`` as coding agents take them, beside shadow git (14).

One ``rewind serve`` process (SQLite, watching) serves a copy of the reference tree; shadow
git has a copy of its own. After a first snapshot on each, every repetition changes 10 files
before each of four operations, and times it alone:

- a hook-triggered snapshot: Claude Code's ``PreToolUse`` JSON posted to ``/hooks/claude-code``,
  from the request to the response;
- an MCP ``snapshot`` tool call through the SDK's client over streamable HTTP;
- the forwarding ``rewind hook claude-code`` command, as an agent runs it: wall time of the
  whole process, interpreter start included;
- shadow git's ``git add -A && git commit`` on its copy.

Needs the ``mcp`` extra; without it the measurement is skipped, with the reason.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import random
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import Any

from contenders import ShadowGit
from figures import AgentFigures
from workloads import TreeTemplate, append_lines, copy_template

__all__ = ["measure_agents"]

TEN = 10


def measure_agents(
    template: TreeTemplate, scratch: Path, repeat: int, seed: int
) -> AgentFigures | str:
    """Measure the four operations ``repeat`` times each, alternating; or why not."""
    try:
        import httpx2  # noqa: PLC0415 - the mcp extra's
        from mcp import Client  # noqa: PLC0415
        from mcp.client.streamable_http import streamable_http_client  # noqa: PLC0415
    except ImportError as error:
        return f"the mcp extra is not installed: {error}"
    command = shutil.which("rewind") or str(Path(sys.executable).parent / "rewind")
    workspace = copy_template(template, scratch / "served")
    git_workspace = copy_template(template, scratch / "git-workspace")
    git = ShadowGit(scratch / "git", git_workspace, scratch / "home")
    git.snapshot("first")
    figures = AgentFigures(template.shape.files)
    server = _Server(command, scratch, workspace)
    rng = random.Random(f"{seed}:agents")
    candidates = [path for path in template.tracked_files if path != ".gitignore"]
    try:
        server.post_hook(workspace, "first")  # the first scan, which sets the watches

        async def alternate() -> None:
            headers = {"Authorization": f"Bearer {server.token}"}
            transport = streamable_http_client(
                f"{server.url}/mcp", http_client=httpx2.AsyncClient(headers=headers)
            )
            async with Client(transport) as client:
                for repetition in range(repeat):
                    marker = f"# agents {repetition}"
                    append_lines(workspace, rng.sample(candidates, TEN), marker)
                    figures.hook_post.samples.append(
                        server.post_hook(workspace, f"post-{repetition}")
                    )
                    append_lines(workspace, rng.sample(candidates, TEN), marker)
                    started = time.perf_counter()
                    result = await client.call_tool("snapshot", {"workspace": str(workspace)})
                    figures.mcp_snapshot.samples.append((time.perf_counter() - started) * 1000)
                    assert not result.is_error, result.content
                    append_lines(workspace, rng.sample(candidates, TEN), marker)
                    figures.hook_command.samples.append(
                        server.run_hook(command, workspace, repetition)
                    )
                    append_lines(git_workspace, rng.sample(candidates, TEN), marker)
                    figures.git.samples.append(git.snapshot(f"git-{repetition}")[1] * 1000)

        asyncio.run(alternate())
    finally:
        server.stop()
        git.discard()
    return figures


class _Server:
    """``rewind serve`` on a free loopback port, with a store and a token of its own."""

    def __init__(self, command: str, scratch: Path, workspace: Path) -> None:
        self.token_file = scratch / "token"
        self.environment = {
            **os.environ,
            "REWIND_DATABASE_URL": f"sqlite:///{scratch / 'agents.db'}",
        }
        self.process = subprocess.Popen(
            [
                command,
                "serve",
                "--port",
                "0",
                "--token-file",
                str(self.token_file),
                "--root",
                str(workspace),
            ],
            env=self.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("rewind serve did not start")
        self.token = self.token_file.read_text("ascii").strip()

    def _input(self, workspace: Path, call: str) -> bytes:
        document: dict[str, Any] = {
            "session_id": "bench",
            "cwd": str(workspace),
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": "make test"},
            "tool_use_id": call,
        }
        return json.dumps(document).encode()

    def post_hook(self, workspace: Path, call: str) -> float:
        """POST one hook input; milliseconds from the request to the whole response."""
        address = urllib.parse.urlsplit(self.url)
        assert address.hostname is not None and address.port is not None
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        body = self._input(workspace, call)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        try:
            started = time.perf_counter()
            connection.request("POST", "/hooks/claude-code", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
        finally:
            connection.close()
        if response.status != 200:  # noqa: PLR2004
            raise RuntimeError(f"the hook endpoint answered {response.status}")
        return elapsed

    def run_hook(self, command: str, workspace: Path, repetition: int) -> float:
        """Run the forwarding hook command; milliseconds of the whole process."""
        environment = {
            **self.environment,
            "REWIND_SERVER_URL": self.url,
            "REWIND_TOKEN_FILE": str(self.token_file),
        }
        started = time.perf_counter()
        done = subprocess.run(
            [command, "hook", "claude-code"],
            input=self._input(workspace, f"command-{repetition}"),
            env=environment,
            capture_output=True,
            check=False,
        )
        elapsed = (time.perf_counter() - started) * 1000
        if done.returncode != 0 or done.stderr:
            raise RuntimeError(f"the hook command failed: {done.stderr.decode(errors='replace')}")
        return elapsed

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)
