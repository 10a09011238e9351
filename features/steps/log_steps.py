"""Steps about ``rewind log``: its lines, and the same sessions through the API and MCP."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from behave import then
from support.world import world

from rewind import AsyncCheckpointService, CheckpointService

_SHORT_ID = re.compile(r"^[0-9a-z]{8}(?=  )")
_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ")


@then('the log printed, short ids as "########" and times as "<time>", is')
def log_printed(context: Any) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    shown = [
        _TIME.sub("<time>", _SHORT_ID.sub("#" * 8, line)) for line in result.stdout.splitlines()
    ]
    expected = context.text.splitlines()
    assert shown == expected, "\n".join(shown)


@then('the sessions shown are "{names:Q}"')
def sessions_shown(context: Any, names: str) -> None:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    shown = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("session ")]
    assert shown == names.split(", "), shown


def _json_sessions(context: Any) -> list[dict[str, Any]]:
    result = world(context).the_result
    assert result.returncode == 0, result.stderr
    sessions: list[dict[str, Any]] = json.loads(result.stdout)["data"]["sessions"]
    context.json_sessions = sessions
    return sessions


@then("list_sessions of the workspace gives the sessions of the JSON, sync and async")
def api_gives_json(context: Any) -> None:
    scene = world(context)
    expected = _json_sessions(context)
    assert expected and expected[0]["turns"], expected
    with CheckpointService.open(scene.database_url) as service:
        found = service.list_sessions(scene.workspace, limit=1)
    assert [session.model_dump(mode="json") for session in found] == expected, found

    async def listed() -> list[Any]:
        async with await AsyncCheckpointService.open(scene.database_url) as service:
            return await service.list_sessions(scene.workspace, limit=1)

    found = asyncio.run(listed())
    assert [session.model_dump(mode="json") for session in found] == expected, found


@then("the tool's sessions are the sessions of the JSON")
def tool_gives_json(context: Any) -> None:
    result = context.mcp_result
    assert not result.is_error, result
    content = result.structured_content
    assert isinstance(content, dict), result
    assert content["sessions"] == context.json_sessions, content
