"""Scripted model servers on 127.0.0.1 that play a coding agent's model, one per API style.

A test starts one, points a real agent at its URL, and the server plays a :class:`Script`
(tool calls with their ids and arguments, then a final text) while it records every request
the agent sent. ``server`` holds what every style shares (the socket, the recording, the
harmless answer to anything unexpected); ``anthropic``, ``gemini``, ``openai_responses`` and
``openai_chat`` each turn a script's turn into that API's streamed answer.
"""

from __future__ import annotations

from support.models.anthropic import AnthropicMessages
from support.models.gemini import GeminiApi
from support.models.openai_chat import OpenAiChatCompletions
from support.models.openai_responses import OpenAiResponses
from support.models.script import Script, ToolCall, Turn
from support.models.server import ApiStyle, RecordedRequest, Reply, ScriptedModelServer

__all__ = [
    "AnthropicMessages",
    "ApiStyle",
    "GeminiApi",
    "OpenAiChatCompletions",
    "OpenAiResponses",
    "RecordedRequest",
    "Reply",
    "Script",
    "ScriptedModelServer",
    "ToolCall",
    "Turn",
]
