"""OpenAI's Chat Completions API, streamed (Copilot CLI, OpenCode).

``POST /v1/chat/completions`` with ``tools`` is the agent's main loop: the answer is the
script's turn as ``chat.completion.chunk`` events (the text, then one ``tool_calls`` delta per
call with its arguments as a JSON string, then the finish reason and the usage), ended by
``data: [DONE]``. A request without tools (OpenCode asks for a session title first) gets a
short text; ``GET /v1/models`` an empty list. Tool results come back as ``tool`` messages, each
naming its ``tool_call_id``.

The shape is in place; no scenario drives Copilot CLI or OpenCode through it yet.
"""

from __future__ import annotations

import json
from typing import Any

from support.models.script import Script, Turn
from support.models.server import RecordedRequest, Reply

USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


class OpenAiChatCompletions:
    """The Chat Completions API's answers."""

    name = "openai-chat"

    def answer(self, request: RecordedRequest, script: Script) -> Reply | None:
        """Play the script on the main loop's requests; list no models; text for the rest."""
        if request.method == "GET" and request.path.endswith("/models"):
            return Reply.of_json({"object": "list", "data": []})
        if request.method != "POST" or not request.path.endswith("/chat/completions"):
            return None
        body = request.json() or {}
        if self.offers_tools(request):
            turn = script.turn_after(len(self.results_sent(request)))
        else:
            turn = Turn(text="Scripted.")
        model = str(body.get("model", "scripted"))
        if body.get("stream"):
            return Reply.of_events([(None, chunk) for chunk in _chunks(turn, model)], done=True)
        return Reply.of_json(_completion(turn, model))

    def offers_tools(self, request: RecordedRequest) -> bool:
        """A Chat Completions request with tools."""
        body = request.json()
        return (
            request.path.endswith("/chat/completions")
            and isinstance(body, dict)
            and bool(body.get("tools"))
        )

    def results_sent(self, request: RecordedRequest) -> list[str]:
        """The ``tool_call_id`` of every ``tool`` message."""
        messages = (request.json() or {}).get("messages", [])
        return [
            str(message.get("tool_call_id"))
            for message in messages
            if isinstance(message, dict) and message.get("role") == "tool"
        ]


def _tool_calls(turn: Turn) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "id": call.call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
        }
        for index, call in enumerate(turn.tool_calls)
    ]


def _finish_reason(turn: Turn) -> str:
    return "tool_calls" if turn.tool_calls else "stop"


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _chunks(turn: Turn, model: str) -> list[dict[str, Any]]:
    chunks = [_chunk(model, {"role": "assistant", "content": turn.text or ""})]
    if turn.tool_calls:
        chunks.append(_chunk(model, {"tool_calls": _tool_calls(turn)}))
    chunks.append(_chunk(model, {}, _finish_reason(turn)))
    chunks.append({**_chunk(model, {}), "choices": [], "usage": USAGE})
    return chunks


def _completion(turn: Turn, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": turn.text or None}
    if turn.tool_calls:
        message["tool_calls"] = [
            {key: value for key, value in call.items() if key != "index"}
            for call in _tool_calls(turn)
        ]
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": _finish_reason(turn)}],
        "usage": USAGE,
    }
