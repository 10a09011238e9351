"""Steps that play an MCP client: the SDK's own ``Client``, talking to ``rewind mcp``."""

from __future__ import annotations

import json
import os
import shutil
from typing import Any

from behave import given, then, when
from mcp.client.stdio import StdioServerParameters
from mcp_types import CallToolResult
from support.mcp_client import McpConnection
from support.scenario import expand
from support.trees import paths_of, read_tree
from support.world import world

from rewind.service import DATABASE_URL_VARIABLE


def _connect(context: Any, root: str) -> None:
    scene = world(context)
    command = shutil.which("rewind")
    assert command is not None, "the rewind command is not installed"
    parameters = StdioServerParameters(
        command=command,
        args=["mcp", "--root", root],
        env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
        cwd=str(scene.directory),
    )
    context.mcp = McpConnection(parameters)
    context.add_cleanup(context.mcp.close)


@given('an MCP client that started "rewind mcp" with the workspace as its root')
def client_over_stdio(context: Any) -> None:
    _connect(context, str(world(context).workspace))


def _arguments(context: Any) -> dict[str, Any]:
    arguments = json.loads(expand(world(context), context.text or "{}"))
    assert isinstance(arguments, dict), arguments
    return arguments


def _call(context: Any, tool: str) -> CallToolResult:
    context.mcp_result = result = context.mcp.call_tool(tool, _arguments(context))
    return result  # type: ignore[no-any-return]


@when('the agent calls "{tool:Q}"')
@when('the agent calls "{tool:Q}" with')
def call_tool(context: Any, tool: str) -> None:
    _call(context, tool)


@given('the agent calls "{tool:Q}" with, keeping the checkpoint as "{name:Q}"')
@when('the agent calls "{tool:Q}" with, keeping the checkpoint as "{name:Q}"')
def call_tool_keeping(context: Any, tool: str, name: str) -> None:
    result = _call(context, tool)
    assert not result.is_error, result.content
    scene = world(context)
    checkpoint_id = _structured(context)["checkpoint_id"]
    scene.checkpoints[name] = scene.the_service.get_checkpoint(checkpoint_id)
    scene.recorded[name] = read_tree(scene.workspace)


@when("the agent calls these at once")
def call_at_once(context: Any) -> None:
    calls = [
        (row["tool"], json.loads(expand(world(context), row["arguments"]))) for row in context.table
    ]
    context.mcp_results = context.mcp.call_tools_at_once(calls)


def _structured(context: Any) -> dict[str, Any]:
    result: CallToolResult = context.mcp_result
    assert not result.is_error, result.content
    assert isinstance(result.structured_content, dict), result
    return result.structured_content


@then("the tool succeeded")
def succeeded(context: Any) -> None:
    _structured(context)


@then('the tool failed with {error} naming "{culprit:Q}", which is not retryable')
def failed(context: Any, error: str, culprit: str) -> None:
    result: CallToolResult = context.mcp_result
    assert result.is_error, result
    details = result.structured_content
    assert isinstance(details, dict), result
    assert details["error"] == error, details
    assert expand(world(context), culprit) in details["message"], details
    assert details["retryable"] is False, details


@then('the result\'s "{field}" is {value}')
def field_is(context: Any, field: str, value: str) -> None:
    found = _structured(context)[field]
    expected = json.loads(expand(world(context), value))
    assert found == expected, (field, found, expected)


@then('the result\'s "{field}" lists "{paths:Q}"')
def field_lists(context: Any, field: str, paths: str) -> None:
    found = [
        item if isinstance(item, str) else item["path"] for item in _structured(context)[field]
    ]
    assert found == paths_of(paths), (field, found)


@then('the result\'s "{field}" contains "{text:Q}"')
def field_contains(context: Any, field: str, text: str) -> None:
    found = _structured(context)[field]
    assert expand(world(context), text) in found, (field, found)


@then("the result lists {count:d} checkpoints")
def lists_checkpoints(context: Any, count: int) -> None:
    assert len(_structured(context)["checkpoints"]) == count, _structured(context)


@then("the tools listed are {names}, each with an input and an output schema")
def tools_listed(context: Any, names: str) -> None:
    listed = context.mcp.run(lambda client: client.list_tools()).tools
    assert sorted(tool.name for tool in listed) == paths_of(names), [t.name for t in listed]
    for tool in listed:
        assert tool.input_schema.get("type") == "object", tool
        assert tool.output_schema and tool.output_schema.get("type") == "object", tool
        assert tool.description, tool


@then("every call at once succeeded")
def all_succeeded(context: Any) -> None:
    for result in context.mcp_results:
        assert not result.is_error, result.content
