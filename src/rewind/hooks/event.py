"""An agent's hook input, read whole and cut down to what a checkpoint needs.

Agents put the tool's whole input in their hook's JSON: Claude Code's ``Write`` of a 1.5 MB
file sends 2.2 MB, and the call's id comes after it. So the input is always read whole (a
checkpoint is never skipped for its size), and only a few text fields are kept: the
workspace (``cwd``), the session, the event, the tool, its call id, the transcript, the turn
(``prompt_id``, Codex's ``turn_id``), a one-line summary of the tool's input (the shell
command, or the file it writes) and the prompt's first line (``prompt``, at most 200
characters), unless prompts are kept out of the store (``rewind hook AGENT
--no-prompt-text``, or ``REWIND_NO_PROMPT_TEXT=1``). The forwarding hook sends only those to
the service.

Standard library only (``json`` and ``os``): the hook command imports this module.
"""

from __future__ import annotations

import json
import os

__all__ = [
    "EVENT_FIELDS",
    "MAX_SUMMARY",
    "NO_PROMPT_TEXT_VARIABLE",
    "first_line",
    "prompt_text_wanted",
    "read_event",
    "summarize",
]

EVENT_FIELDS = (
    "session_id",
    "hook_event_name",
    "tool_name",
    "tool_use_id",
    "transcript_path",
    "prompt_id",
    "turn_id",
    "tool_summary",
)
"""The text fields kept from a hook's input, besides ``cwd`` and ``prompt`` (kept as its first
line only, and only when it is text); ``tool_summary`` is rewind's."""
MAX_SUMMARY = 200
"""The most characters of a tool input's summary, and of a prompt's first line."""
NO_PROMPT_TEXT_VARIABLE = "REWIND_NO_PROMPT_TEXT"
"""Set (to ``1``, or anything but ``0``, ``false``, ``no`` or ``off``): no hook keeps any text
of the prompts."""
_SUMMARY_KEYS = ("command", "file_path", "notebook_path", "path", "filePath", "absolute_path")
"""Where a tool's input names what it does: the shell command first, then the file."""


def prompt_text_wanted() -> bool:
    """Whether hooks may keep a prompt's first line (``$REWIND_NO_PROMPT_TEXT`` is not set)."""
    value = os.environ.get(NO_PROMPT_TEXT_VARIABLE, "").strip().lower()
    return value in ("", "0", "false", "no", "off")


def read_event(agent: str, body: bytes | str, *, prompt_text: bool = True) -> dict[str, str]:
    """The fields of ``agent``'s hook input that a checkpoint needs, ``cwd`` among them.

    ``prompt_text`` False (or ``$REWIND_NO_PROMPT_TEXT``) leaves the prompt out.

    Raises:
        ValueError: It is not a JSON object, has no absolute ``cwd``, or a kept field is not
            text or holds a NUL (the message names the field).
    """
    document = _json_object(agent, body)
    workspace = document.get("cwd")
    if not isinstance(workspace, str) or not os.path.isabs(workspace):
        raise ValueError(f"the {agent} hook's input has no absolute cwd (got {workspace!r:.80})")
    event = {"cwd": workspace}
    if "tool_summary" not in document and (summary := summarize(document.get("tool_input"))):
        event["tool_summary"] = summary
    for name in EVENT_FIELDS:
        value = document.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"the {agent} hook's {name} is not text: {value!r:.80}")
        if value is not None:
            event[name] = value
    if prompt := _kept_prompt(document.get("prompt"), prompt_text):
        event["prompt"] = prompt
    for name, value in event.items():
        if "\x00" in value:
            raise ValueError(f"the {agent} hook's {name} holds a NUL character: {value!r:.80}")
    return event


def _json_object(agent: str, body: bytes | str) -> dict[str, object]:
    """The hook's input, a JSON object.

    Raises:
        ValueError: It is not JSON, or not an object.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"the {agent} hook's input is not JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise ValueError(f"the {agent} hook's input is not a JSON object")
    return document


def _kept_prompt(prompt: object, prompt_text: bool) -> str:
    """The prompt's first line, if it is text and prompts may be kept; else empty."""
    if not (isinstance(prompt, str) and prompt_text and prompt_text_wanted()):
        return ""
    return first_line(prompt)


def summarize(tool_input: object) -> str | None:
    """One line saying what a tool call does: its command, else the file it writes."""
    if not isinstance(tool_input, dict):
        return None
    for key in _SUMMARY_KEYS:
        value = tool_input.get(key)
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            value = " ".join(value)  # Codex's shell: ["bash", "-lc", "..."]
        if isinstance(value, str) and value.strip():
            return _shortened(" ".join(value.split()))
    return None


def first_line(text: str) -> str:
    """The first line of ``text`` that is not blank, its spaces collapsed, at most 200 long.

    A NUL or a lone surrogate (which no store keeps) is left out of it.
    """
    text = text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    for line in text.splitlines():
        if line.strip():
            return _shortened(" ".join(line.split()))
    return ""


def _shortened(line: str) -> str:
    return line if len(line) <= MAX_SUMMARY else f"{line[: MAX_SUMMARY - 1]}…"
