"""OpenAI's Responses API, streamed (Codex CLI).

``POST /v1/responses`` with ``tools`` is the agent's main loop: the answer is the script's turn
as server-sent events (``response.created``, then for each output item
``response.output_item.added``, a text delta for a message, ``response.output_item.done``,
and ``response.completed`` with every item). A call whose arguments are a JSON object is a
``function_call``; one whose arguments are text is a freeform ``custom_tool_call`` (Codex's
``apply_patch``). Tool results come back as ``function_call_output`` and
``custom_tool_call_output`` input items, each naming its ``call_id``.

The shape is in place; no scenario drives Codex through it yet.
"""

from __future__ import annotations

import json
from typing import Any

from support.models.script import Script, ToolCall, Turn
from support.models.server import RecordedRequest, Reply

Events = list[tuple[str | None, Any]]
OUTPUTS = ("function_call_output", "custom_tool_call_output")
USAGE = {
    "input_tokens": 10,
    "input_tokens_details": {"cached_tokens": 0},
    "output_tokens": 5,
    "output_tokens_details": {"reasoning_tokens": 0},
    "total_tokens": 15,
}


class OpenAiResponses:
    """The Responses API's answers."""

    name = "openai-responses"

    def answer(self, request: RecordedRequest, script: Script) -> Reply | None:
        """Play the script on the main loop's requests; list no models; text for the rest."""
        if request.method == "GET" and request.path.endswith("/models"):
            return Reply.of_json({"object": "list", "data": [], "models": []})
        if request.method != "POST" or not request.path.endswith("/responses"):
            return None
        body = request.json() or {}
        if self.offers_tools(request):
            turn = script.turn_after(len(self.results_sent(request)))
        else:
            turn = Turn(text="Scripted.")
        events = _events(turn, str(body.get("model", "scripted")))
        if body.get("stream"):
            return Reply.of_events(events)
        return Reply.of_json(events[-1][1]["response"])

    def offers_tools(self, request: RecordedRequest) -> bool:
        """A Responses request with tools."""
        body = request.json()
        return (
            request.path.endswith("/responses")
            and isinstance(body, dict)
            and bool(body.get("tools"))
        )

    def results_sent(self, request: RecordedRequest) -> list[str]:
        """The ``call_id`` of every tool call output among the input items."""
        items = (request.json() or {}).get("input", [])
        if not isinstance(items, list):
            return []
        return [
            str(item.get("call_id"))
            for item in items
            if isinstance(item, dict) and item.get("type") in OUTPUTS
        ]


def _call_item(index: int, call: ToolCall) -> dict[str, Any]:
    if isinstance(call.arguments, str):
        return {
            "type": "custom_tool_call",
            "id": f"ctc_{index}",
            "call_id": call.call_id,
            "name": call.name,
            "input": call.arguments,
            "status": "completed",
        }
    return {
        "type": "function_call",
        "id": f"fc_{index}",
        "call_id": call.call_id,
        "name": call.name,
        "arguments": json.dumps(call.arguments),
        "status": "completed",
    }


def _items(turn: Turn) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    if turn.text:
        text = {"type": "output_text", "text": turn.text, "annotations": []}
        items.append(
            {
                "type": "message",
                "id": "msg_0",
                "role": "assistant",
                "status": "completed",
                "content": [text],
            }
        )
    items += [_call_item(index, call) for index, call in enumerate(turn.tool_calls, 1)]
    return items


def _event(name: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """One server-sent event, its ``type`` repeating its name as the API does."""
    return name, {"type": name, **fields}


def _events(turn: Turn, model: str) -> Events:
    response = {"id": "resp_scripted", "object": "response", "model": model, "output": []}
    events: Events = [_event("response.created", response={**response, "status": "in_progress"})]
    items = _items(turn)
    for index, item in enumerate(items):
        events.append(_event("response.output_item.added", output_index=index, item=item))
        if item["type"] == "message":
            events.append(
                _event(
                    "response.output_text.delta",
                    item_id=item["id"],
                    output_index=index,
                    content_index=0,
                    delta=turn.text,
                )
            )
        events.append(_event("response.output_item.done", output_index=index, item=item))
    completed = {**response, "status": "completed", "output": items, "usage": USAGE}
    events.append(_event("response.completed", response=completed))
    return events
