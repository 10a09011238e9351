"""Anthropic's Messages API, streamed (Claude Code).

``POST /v1/messages`` with ``tools`` is the agent's main loop: the answer is the script's
turn as server-sent events (``message_start``, a ``text`` block, one ``tool_use`` block per
call with its input as one ``input_json_delta``, ``message_delta`` with the stop reason,
``message_stop``). A request without tools (a title, a summary) gets a short text;
``/v1/messages/count_tokens`` a count. Tool results come back as ``tool_result`` blocks of
user messages, each naming its ``tool_use_id``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from support.models.script import Script, Turn
from support.models.server import RecordedRequest, Reply

Events = list[tuple[str | None, Any]]
USAGE = {"input_tokens": 10, "output_tokens": 5}


class AnthropicMessages:
    """The Messages API's answers."""

    name = "anthropic"

    def answer(self, request: RecordedRequest, script: Script) -> Reply | None:
        """Play the script on the main loop's requests; answer counts and side requests."""
        if request.method != "POST":
            return None
        if request.path == "/v1/messages/count_tokens":
            return Reply.of_json({"input_tokens": 10})
        if request.path != "/v1/messages":
            return None
        body = request.json() or {}
        model = str(body.get("model", "claude-scripted"))
        if self.offers_tools(request):
            turn = script.turn_after(len(self.results_sent(request)))
        else:
            turn = Turn(text="Scripted.")
        if body.get("stream"):
            return Reply.of_events(_events(turn, model))
        return Reply.of_json(_message(turn, model, _content(turn)))

    def offers_tools(self, request: RecordedRequest) -> bool:
        """A Messages request with tools."""
        body = request.json()
        return request.path == "/v1/messages" and isinstance(body, dict) and bool(body.get("tools"))

    def results_sent(self, request: RecordedRequest) -> list[str]:
        """The ``tool_use_id`` of every ``tool_result`` block."""
        messages = (request.json() or {}).get("messages", [])
        return [
            str(block.get("tool_use_id"))
            for message in messages
            if message.get("role") == "user" and isinstance(message.get("content"), list)
            for block in message["content"]
            if isinstance(block, dict) and block.get("type") == "tool_result"
        ]


def _content(turn: Turn) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
    blocks += [
        {"type": "tool_use", "id": call.call_id, "name": call.name, "input": call.arguments}
        for call in turn.tool_calls
    ]
    return blocks


def _stop_reason(turn: Turn) -> str:
    return "tool_use" if turn.tool_calls else "end_turn"


def _message(turn: Turn, model: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": f"msg_scripted_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": _stop_reason(turn),
        "stop_sequence": None,
        "usage": USAGE,
    }


def _event(name: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """One server-sent event, its ``type`` repeating its name as the API does."""
    return name, {"type": name, **fields}


def _events(turn: Turn, model: str) -> Events:
    start = {**_message(turn, model, []), "stop_reason": None}
    events: Events = [_event("message_start", message=start)]
    for index, block in enumerate(_content(turn)):
        events += _block_events(index, block)
    stop = {"stop_reason": _stop_reason(turn), "stop_sequence": None}
    events.append(_event("message_delta", delta=stop, usage={"output_tokens": 5}))
    events.append(_event("message_stop"))
    return events


def _block_events(index: int, block: dict[str, Any]) -> Events:
    """A content block opened empty, filled by one delta, and closed."""
    if block["type"] == "text":
        opened = {**block, "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    else:
        opened = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    return [
        _event("content_block_start", index=index, content_block=opened),
        _event("content_block_delta", index=index, delta=delta),
        _event("content_block_stop", index=index),
    ]
