"""Steps about a server's roots, driving ``rewind mcp`` through the MCP SDK's own client."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from behave import given, then, when
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult
from support.mcp_client import McpConnection, refusal
from support.scenario import expand, named
from support.world import world

from rewind.service import DATABASE_URL_VARIABLE


@given(
    'I snapshot the directory "{directory:Q}" beside the workspace for plan "{plan:Q}" '
    'as "{name:Q}"'
)
def snapshot_beside(context: Any, directory: str, plan: str, name: str) -> None:
    scene = world(context)
    path = scene.directory / directory
    scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(plan, path)


@given('an MCP client that started "rewind mcp" with the root "{root:Q}"')
def client_with_root(context: Any, root: str) -> None:
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None, "the rewind command is not installed"
    parameters = StdioServerParameters(
        command=command,
        args=["mcp", "--root", expand(scene, root)],
        env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
        cwd=str(scene.directory),
    )
    context.roots_client = McpConnection(parameters)
    context.add_cleanup(context.roots_client.close)


def _connection(context: Any) -> McpConnection:
    connection: McpConnection = context.roots_client
    return connection


def _record(context: Any, results: list[CallToolResult]) -> None:
    context.roots_results = results


@given('the agent asks for a snapshot of "{workspace:Q}"')
@when('the agent asks for a snapshot of "{workspace:Q}"')
def ask_snapshot(context: Any, workspace: str) -> None:
    arguments = {"workspace": expand(world(context), workspace), "plan": "agent"}
    _record(context, [_connection(context).call_tool("snapshot", arguments)])


@when('the agent calls each tool with checkpoint "{name:Q}"')
def call_each(context: Any, name: str) -> None:
    scene = world(context)
    assert name in scene.checkpoints, name
    calls = [(row["tool"], json.loads(expand(scene, row["arguments"]))) for row in context.table]
    _record(context, [_connection(context).call_tool(tool, arguments) for tool, arguments in calls])


@when("the agent lists every checkpoint it may see")
def list_everything(context: Any) -> None:
    _record(context, [_connection(context).call_tool("list_checkpoints", {})])


def _results(context: Any) -> list[CallToolResult]:
    results: list[CallToolResult] = context.roots_results
    return results


def _structured(result: CallToolResult) -> dict[str, Any]:
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


@then("that call succeeded")
def call_succeeded(context: Any) -> None:
    (result,) = _results(context)
    assert not result.is_error, result.content
    assert _structured(result)["checkpoint_id"], result


@then('that call failed with {error} naming "{culprit:Q}"')
@then('each call failed with {error} naming "{culprit:Q}"')
def calls_failed(context: Any, error: str, culprit: str) -> None:
    expected = expand(world(context), culprit)
    for result in _results(context):
        details = refusal(result)
        assert details["error"] == error, details
        assert expected in details["message"], details


@then('the agent sees {count:d} checkpoint, and not "{name:Q}"')
def sees_not(context: Any, count: int, name: str) -> None:
    (result,) = _results(context)
    listed = [item["checkpoint_id"] for item in _structured(result)["checkpoints"]]
    assert len(listed) == count, listed
    assert named(world(context), name).checkpoint_id not in listed, listed


@then('the store holds no checkpoint of the directory "{directory:Q}" but "{name:Q}"')
def only_checkpoint_beside(context: Any, directory: str, name: str) -> None:
    scene = world(context)
    found = scene.the_service.list_checkpoints(sandbox_ref=scene.directory / directory)
    assert [item.checkpoint_id for item in found] == [named(scene, name).checkpoint_id], found
