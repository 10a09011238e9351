"""An MkDocs hook: the reference sections generated from rewind itself.

A page that holds one of these lines gets, in its place, Markdown made from the code, so the
page can never drift from it:

- ``<!-- generated: errors -->``: every exception of ``rewind.errors`` as a tree (each with
  its other bases and its docstring's first line), then each one's reference, which
  mkdocstrings renders from its docstring.
- ``<!-- generated: models -->``: every model of ``rewind.models.__all__``, in groups (a model
  no group names goes under "More models"), each rendered by mkdocstrings.
- ``<!-- generated: mcp tools -->``: every tool that ``rewind serve`` and ``rewind mcp``
  offer, as an MCP client lists them: its name, its hints, its description, a table of its
  arguments, and its input and output JSON schemas. The server is built on an in-memory
  store.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import tempfile
from collections.abc import Callable
from typing import Any


def on_page_markdown(markdown: str, **_: object) -> str:
    """Put each generated section where a page asks for it (MkDocs' page_markdown event)."""
    for marker, make in GENERATORS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, "\n".join(make()))
    return markdown


def _errors() -> list[str]:
    """The tree of ``RewindError`` and its subclasses, then one reference entry each."""
    from rewind import errors  # noqa: PLC0415 - only when a page asks

    classes = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.RewindError)
    ]  # in the order the module defines them
    tree: list[str] = []
    order: list[type[errors.RewindError]] = []

    def walk(error: type[errors.RewindError], depth: int) -> None:
        also = [base.__name__ for base in error.__bases__[1:]]
        name = f"[`{error.__name__}`][rewind.errors.{error.__name__}]"
        name += f" (also {', '.join(also)})" if also else ""
        summary = inspect.getdoc(error) or ""
        retry = " Retryable: the same call may succeed later." if error.retryable else ""
        tree.append(f"{'    ' * depth}- {name}: {summary.splitlines()[0]}{retry}")
        order.append(error)
        for child in classes:
            if child.__bases__[0] is error:
                walk(child, depth + 1)

    walk(errors.RewindError, 0)
    return [*tree, "", *(f"::: rewind.errors.{error.__name__}\n" for error in order)]


MODEL_GROUPS = {
    "Checkpoints": ["Checkpoint", "CheckpointMetadata", "AgentCall", "CheckpointType"],
    "Comparisons": ["DiffManifest", "DiffEntry", "ChangeKind", "EntryKind"],
    "Rollbacks and restores": ["RollbackResult", "KeptPath", "KeepReason", "FileLines"],
    "Guards and triggers": ["OnError", "Trigger"],
    "Retention and statistics": ["RetentionPolicy", "PruneReport", "StoreStats", "PlanStats"],
    "Verification": ["VerifyReport", "VerifyProblem"],
    "Agent sessions": [
        "SessionSummary",
        "TurnSummary",
        "ToolCallSummary",
        "ChangeCounts",
        "ConversationFork",
    ],
    "Watching": ["WatchOptions", "WatchReport"],
    "The schema": ["SchemaStatus", "SchemaUpgrade"],
}
"""The models page's sections; a name ``rewind.models`` does not export is left out."""


def _models() -> list[str]:
    """A section per group of models, each model rendered by mkdocstrings."""
    from rewind import models  # noqa: PLC0415 - only when a page asks

    public = list(models.__all__)
    grouped = {name for names in MODEL_GROUPS.values() for name in names}
    groups = {**MODEL_GROUPS, "More models": [name for name in public if name not in grouped]}
    lines: list[str] = []
    for title, names in groups.items():
        present = [name for name in names if name in public]
        if present:
            lines += [f"## {title}", ""]
        for name in present:
            lines += [f"::: rewind.models.{name}", "    options:", "      heading_level: 3", ""]
    return lines


def _mcp_tools() -> list[str]:
    """A section per MCP tool, in the order the server lists them."""
    lines: list[str] = []
    for tool in asyncio.run(_listed_tools()):
        lines += [f"## `{tool['name']}`", "", f"*{_hints(tool.get('annotations', {}))}*", ""]
        lines += [inspect.cleandoc(tool.get("description", "")), ""]
        lines += _arguments(tool["inputSchema"])
        lines += _schema("Input schema", tool["inputSchema"])
        if "outputSchema" in tool:
            lines += _schema("Output schema", tool["outputSchema"])
    return lines


async def _listed_tools() -> list[dict[str, Any]]:
    """The tools as ``tools/list`` describes them (JSON, with the protocol's field names)."""
    from rewind.aio import AsyncCheckpointService  # noqa: PLC0415 - only when a page asks
    from rewind.server.roots import Roots  # noqa: PLC0415
    from rewind.server.tools import build_mcp_server  # noqa: PLC0415

    async with await AsyncCheckpointService.open("sqlite://") as service:
        server = build_mcp_server(service, Roots([tempfile.gettempdir()]))
        tools = await server.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in tools]


def _hints(annotations: dict[str, Any]) -> str:
    if annotations.get("readOnlyHint"):
        return "Reads only."
    if annotations.get("destructiveHint"):
        return "Changes files: a dry run unless confirm is true."
    return "Writes to the store, never to the workspace."


def _arguments(schema: dict[str, Any]) -> list[str]:
    properties: dict[str, Any] = schema.get("properties", {})
    if not properties:
        return ["No arguments.", ""]
    required = set(schema.get("required", []))
    lines = ["| argument | type | default |", "|---|---|---|"]
    for name, spec in properties.items():
        default = "required" if name in required else f"`{json.dumps(spec.get('default'))}`"
        lines.append(f"| `{name}` | {_type(spec)} | {default} |")
    return [*lines, ""]


def _type(spec: dict[str, Any]) -> str:
    if "anyOf" in spec:
        return " or ".join(_type(choice) for choice in spec["anyOf"])
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if spec.get("type") == "array":
        return f"array of {_type(spec.get('items', {}))}"
    return str(spec.get("type", "any"))


def _schema(title: str, schema: dict[str, Any]) -> list[str]:
    body = [f"    {line}" for line in json.dumps(schema, indent=2).splitlines()]
    return [f'??? note "{title}"', "", "    ```json", *body, "    ```", ""]


GENERATORS: dict[str, Callable[[], list[str]]] = {
    "<!-- generated: errors -->": _errors,
    "<!-- generated: models -->": _models,
    "<!-- generated: mcp tools -->": _mcp_tools,
}
"""Each marker a page may hold, and what makes its Markdown."""
