"""Steps that play an MCP client: the Python or TypeScript SDK's own, over stdio or HTTP.

``context.mcp`` is an ``McpConnection`` (the Python SDK's ``Client``) or a
``TypeScriptConnection`` (the TypeScript SDK's, in Node): the steps call tools through
either in the same way.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
from itertools import takewhile
from typing import Any

import httpx2
import jsonschema  # type: ignore[import-untyped]  # no stubs; one call, checked by its result
from behave import given, then, when
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from support.databases import tamper_raw
from support.mcp_client import McpConnection, refusal
from support.scenario import expand, named
from support.serving import RunningServer
from support.trees import paths_of, read_tree
from support.typescript_client import TypeScriptConnection
from support.world import World, world

from rewind.service import DATABASE_URL_VARIABLE, MIN_ID_PREFIX


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


def _server_for_workspace(context: Any) -> RunningServer:
    scene = world(context)
    token_file = str(scene.directory / "config" / "token")
    context.server = RunningServer(scene.database_url, [str(scene.workspace)], token_file)
    context.add_cleanup(context.server.stop)
    return context.server  # type: ignore[no-any-return]


def _typescript_client(context: Any, scene: World, transport: str) -> TypeScriptConnection:
    if transport == "stdio":
        command = shutil.which("rewind")
        assert command is not None, "the rewind command is not installed"
        return TypeScriptConnection(
            {
                "command": command,
                "args": ["mcp", "--root", str(scene.workspace)],
                "env": {**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
                "cwd": str(scene.directory),
            }
        )
    server = _server_for_workspace(context)
    return TypeScriptConnection({"url": f"{server.url}/mcp", "token": server.token})


def _python_client(context: Any, scene: World, transport: str) -> McpConnection:
    if transport == "stdio":
        command = shutil.which("rewind")
        assert command is not None, "the rewind command is not installed"
        return McpConnection(
            StdioServerParameters(
                command=command,
                args=["mcp", "--root", str(scene.workspace)],
                env={**os.environ, DATABASE_URL_VARIABLE: scene.database_url},
                cwd=str(scene.directory),
            )
        )
    server = _server_for_workspace(context)

    def transport_to_server() -> Any:
        headers = {"Authorization": f"Bearer {server.token}"}
        return streamable_http_client(
            f"{server.url}/mcp", http_client=httpx2.AsyncClient(headers=headers)
        )

    return McpConnection(transport_to_server)


@given(
    "an MCP client of the {client} SDK connected over {transport} with the workspace as its root"
)
def client_of_sdk(context: Any, client: str, transport: str) -> None:
    assert transport in ("stdio", "streamable HTTP"), transport
    scene = world(context)
    if client == "TypeScript":
        context.mcp = _typescript_client(context, scene, transport)
    else:
        assert client == "Python", client
        context.mcp = _python_client(context, scene, transport)
    context.add_cleanup(context.mcp.close)


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


def _refused_with(context: Any, result: CallToolResult, error: str, culprit: str) -> None:
    details = refusal(result)
    assert details["error"] == error, details
    assert expand(world(context), culprit) in details["message"], details
    assert details["retryable"] is False, details


@then('the tool failed with {error} naming "{culprit:Q}", which is not retryable')
def failed(context: Any, error: str, culprit: str) -> None:
    _refused_with(context, context.mcp_result, error, culprit)


@then("these calls are each refused with rewind's error, which is not retryable")
def each_refused(context: Any) -> None:
    for row in context.table:
        arguments = json.loads(expand(world(context), row["arguments"]))
        result = context.mcp.call_tool(row["tool"], arguments)
        _refused_with(context, result, row["error"], row["culprit"])


@then("these calls succeed, each result matching its tool's output schema")
def each_matches_schema(context: Any) -> None:
    schemas = {tool.name: tool.output_schema for tool in context.mcp.list_tools()}
    for row in context.table:
        arguments = json.loads(expand(world(context), row["arguments"]))
        result = context.mcp.call_tool(row["tool"], arguments)
        assert not result.is_error, (row["tool"], result.content)
        jsonschema.validate(result.structured_content, schemas[row["tool"]])


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
    listed = context.mcp.list_tools()
    assert sorted(tool.name for tool in listed) == paths_of(names), [t.name for t in listed]
    for tool in listed:
        assert tool.input_schema.get("type") == "object", tool
        assert tool.output_schema and tool.output_schema.get("type") == "object", tool
        assert tool.description, tool


@then("every call at once succeeded")
def all_succeeded(context: Any) -> None:
    for result in context.mcp_results:
        assert not result.is_error, result.content


def _damage_chunks(context: Any, path: str, name: str, which: str) -> None:
    scene = world(context)
    content = scene.the_service.read_file(named(scene, name).checkpoint_id, path)
    tamper_raw(
        scene.database_url,
        f"UPDATE blob_chunks SET data = ? WHERE blob_id = ?{which}",
        b"\0 not a compressed chunk",
        hashlib.sha256(content).hexdigest(),
    )


@given('someone damages every stored chunk of "{path:Q}" as of "{name:Q}"')
def damage_every_chunk(context: Any, path: str, name: str) -> None:
    _damage_chunks(context, path, name, "")


@given('someone damages every stored chunk but the first of "{path:Q}" as of "{name:Q}"')
def damage_later_chunks(context: Any, path: str, name: str) -> None:
    _damage_chunks(context, path, name, " AND seq > 0")


@then('the result holds the first {count:d} bytes of "{path:Q}" as of "{name:Q}", in base64')
def holds_first_bytes(context: Any, count: int, path: str, name: str) -> None:
    kind, data, _mode = world(context).recorded[name][0][path]
    assert kind == "file", kind
    found = _structured(context)
    assert found["text"] is None, found
    assert base64.b64decode(found["base64"]) == data[:count]


def _refusal_text(context: Any) -> str:
    return json.dumps(refusal(context.mcp_result), ensure_ascii=False)


@then('the refusal names "{text:Q}"')
def refusal_names(context: Any, text: str) -> None:
    assert expand(world(context), text) in _refusal_text(context), _refusal_text(context)


@then('the refusal does not name "{text:Q}"')
def refusal_does_not_name(context: Any, text: str) -> None:
    assert expand(world(context), text) not in _refusal_text(context), _refusal_text(context)


@when('the agent calls "{tool:Q}" with the prefix that {names} share')
def call_with_shared_prefix(context: Any, tool: str, names: str) -> None:
    scene = world(context)
    ids = [named(scene, name).checkpoint_id for name in re.findall(r'"([^"]*)"', names)]
    shared = takewhile(lambda letters: len(set(letters)) == 1, zip(*ids, strict=True))
    prefix = "".join(letters[0] for letters in shared)
    assert len(prefix) >= MIN_ID_PREFIX, ids  # ULIDs made a moment apart share their time
    context.mcp_result = context.mcp.call_tool(tool, {"checkpoint_id": prefix})


@then('the result\'s "plans" names only the plan "{plan:Q}"')
def plans_named(context: Any, plan: str) -> None:
    plans = [counts["plan_id"] for counts in _structured(context)["plans"]]
    assert plans == [plan], plans


def _whole_patch(context: Any, base: str, target: str) -> str:
    scene = world(context)
    base_id, target_id = named(scene, base).checkpoint_id, named(scene, target).checkpoint_id
    return scene.the_service.patch(base_id, target_id)


@when(
    'the agent calls "diff" from "{base:Q}" to "{target:Q}" with a patch cut inside its first '
    '"{letter:Q}"'
)
def diff_cut_inside(context: Any, base: str, target: str, letter: str) -> None:
    whole = _whole_patch(context, base, target)
    assert len(letter.encode()) > 1, letter
    inside = len(whole[: whole.index(letter)].encode()) + 1
    scene = world(context)
    arguments = {
        "checkpoint_id": named(scene, base).checkpoint_id,
        "to_checkpoint_id": named(scene, target).checkpoint_id,
        "patch": True,
        "max_bytes": inside,
    }
    context.mcp_result = context.mcp.call_tool("diff", arguments)


@then(
    'the patch in the result is the patch from "{base:Q}" to "{target:Q}" up to its first '
    '"{letter:Q}"'
)
def patch_up_to(context: Any, base: str, target: str, letter: str) -> None:
    whole = _whole_patch(context, base, target)
    assert _structured(context)["patch"] == whole[: whole.index(letter)], _structured(context)
