"""``TypeScriptConnection``: the MCP TypeScript SDK's client, in a Node process of its own.

Claude Code, Gemini CLI and the MCP Inspector are built on that SDK, whose client checks
every result against the tool's output schema (even a tool error's). It is pinned in
``features/support/node/package.json``; ``npm ci --prefix features/support/node`` installs it
(``.ci/run`` does). A scenario that needs it and finds it missing fails, saying that command.
``node/mcp_client.mjs`` speaks JSON lines on its standard streams; this class offers the
methods of ``McpConnection`` over them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from mcp_types import CallToolResult, Tool

NODE_CLIENT = Path(__file__).parent / "node"
SDK_VERSION = "1.32.2"
INSTALL = f"npm ci --prefix {NODE_CLIENT}"


class TypeScriptClientError(AssertionError):
    """The TypeScript client raised instead of returning a result (what its agent would see)."""


def _node() -> str:
    """The ``node`` command, with the pinned SDK installed beside the client script."""
    node = shutil.which("node")
    if node is None:
        raise AssertionError("node is not installed: the TypeScript MCP client needs Node 20")
    installed = NODE_CLIENT / "node_modules" / "@modelcontextprotocol" / "sdk" / "package.json"
    if not installed.exists():
        raise AssertionError(f"the MCP TypeScript SDK is not installed; run: {INSTALL}")
    version = json.loads(installed.read_text(encoding="utf-8"))["version"]
    if version != SDK_VERSION:
        raise AssertionError(f"the MCP TypeScript SDK is {version}, not {SDK_VERSION}: {INSTALL}")
    return node


class TypeScriptConnection:
    """One connected TypeScript client, to a server it starts (stdio) or to a URL (HTTP)."""

    def __init__(self, server: dict[str, Any]) -> None:
        # The client's stderr, for a failure's message; it lives as long as the client.
        self._errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(
            [_node(), str(NODE_CLIENT / "mcp_client.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            text=True,
            encoding="utf-8",
        )
        answer = self._ask(server)
        self.tools = [Tool.model_validate(tool) for tool in answer["tools"]]

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        """Send one line, read the one line that answers it."""
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=60)
            self._errors.seek(0)
            raise AssertionError(f"the TypeScript client stopped: {self._errors.read()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    @staticmethod
    def _result(outcome: dict[str, Any]) -> CallToolResult:
        if "thrown" in outcome:
            thrown = outcome["thrown"]
            raise TypeScriptClientError(
                f"the TypeScript client raised {thrown['name']} {thrown['code']}: "
                f"{thrown['message']}"
            )
        return CallToolResult.model_validate(outcome["result"])

    def list_tools(self) -> list[Tool]:
        """The tools the server listed when the client connected."""
        return self.tools

    def call_tool(self, name: str, arguments: dict[str, Any]) -> CallToolResult:
        """Call one tool; a tool error is a result, a refusal by the client raises."""
        return self._result(self._ask({"call": name, "arguments": arguments}))

    def call_tools_at_once(self, calls: list[tuple[str, dict[str, Any]]]) -> list[CallToolResult]:
        """Send several tool calls without waiting for each; return their results in order."""
        answer = self._ask({"calls": [[name, arguments] for name, arguments in calls]})
        return [self._result(outcome) for outcome in answer["results"]]

    def close(self) -> None:
        """Close the client (a stdio server exits when its input closes) and wait for it."""
        try:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=60)
        finally:
            if self._process.stdout is not None:
                self._process.stdout.close()
            self._errors.close()
