"""The Gemini API (Gemini CLI): ``streamGenerateContent`` as server-sent events.

``POST /v1beta/models/MODEL:streamGenerateContent?alt=sse`` with ``tools`` is the agent's main
loop: the answer is one event whose candidate holds the turn's text and one ``functionCall``
part per call (with the call's id). Gemini CLI also asks its model things without tools: which
model a prompt needs (a JSON object of a given schema), whether it should go on; those get an
object that fills the schema they ask for, or a line of text. ``countTokens`` gets a count.
Tool results come back as ``functionResponse`` parts.
"""

from __future__ import annotations

import json
from typing import Any

from support.models.script import Script, Turn
from support.models.server import RecordedRequest, Reply

USAGE = {"promptTokenCount": 10, "candidatesTokenCount": 5, "totalTokenCount": 15}
PREFERRED = ("user",)
"""An enum value picked before the others: "the user speaks next" ends a turn."""


class GeminiApi:
    """The Gemini API's answers."""

    name = "gemini"

    def answer(self, request: RecordedRequest, script: Script) -> Reply | None:
        """Play the script on the main loop's requests; answer side requests and counts."""
        if request.method != "POST" or ":" not in request.path:
            return None
        model_path, _, method = request.path.rpartition(":")
        model = model_path.rpartition("/")[2]
        if method == "countTokens":
            return Reply.of_json({"totalTokens": 10})
        if method not in ("streamGenerateContent", "generateContent"):
            return None
        if self.offers_tools(request):
            response = _response(script.turn_after(len(self.results_sent(request))), model)
        else:
            response = _side_response(request.json() or {}, model)
        if method == "streamGenerateContent":
            return Reply.of_events([(None, response)])
        return Reply.of_json(response)

    def offers_tools(self, request: RecordedRequest) -> bool:
        """A generateContent request with tools."""
        body = request.json()
        return ":" in request.path and isinstance(body, dict) and bool(body.get("tools"))

    def results_sent(self, request: RecordedRequest) -> list[str]:
        """The id (else the name) of every ``functionResponse`` part."""
        contents = (request.json() or {}).get("contents", [])
        responses = [
            part["functionResponse"]
            for content in contents
            for part in content.get("parts", [])
            if isinstance(part, dict) and isinstance(part.get("functionResponse"), dict)
        ]
        return [str(response.get("id") or response.get("name")) for response in responses]


def _response(turn: Turn, model: str, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    parts = parts if parts is not None else ([{"text": turn.text}] if turn.text else [])
    parts += [
        {"functionCall": {"id": call.call_id, "name": call.name, "args": call.arguments}}
        for call in turn.tool_calls
    ]
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}
        ],
        "usageMetadata": USAGE,
        "modelVersion": model,
        "responseId": "scripted",
    }


def _side_response(body: dict[str, Any], model: str) -> dict[str, Any]:
    """A request the script does not play: JSON of the asked schema, else a line of text."""
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    if config.get("responseMimeType") == "application/json" and isinstance(schema, dict):
        return _response(Turn(), model, [{"text": json.dumps(filled(schema))}])
    return _response(Turn(text="Scripted."), model)


def filled(schema: dict[str, Any]) -> Any:
    """The plainest value that a JSON schema (the Gemini API's dialect too) accepts."""
    kind = str(schema.get("type", "object")).lower()
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        preferred = [value for value in schema["enum"] if value in PREFERRED]
        return (preferred or schema["enum"])[0]
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: filled(value) for name, value in properties.items()}
    return {"string": "scripted", "integer": 1, "number": 1, "boolean": False, "array": []}.get(
        kind
    )
