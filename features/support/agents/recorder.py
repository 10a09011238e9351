"""A hook that records what an agent sends its hooks: run by the agent, beside rewind's.

The agent runs ``python recorder.py OUT EVENT...`` for each hook event: it writes the hook's
standard input to ``OUT/<nanoseconds>-<pid>.json`` and the agent's own environment variables
beside it (``.env.json``). For the EVENTs named (the events before a tool call) it also copies
the workspace, the input's ``cwd``, to ``.tree/``: the agent runs the tool only once every
hook has returned, so that copy is the workspace exactly as the tool found it. It prints
``{}`` (Gemini CLI reads JSON on stdout) and exits 0, whatever happens.

``recorded`` reads a run's records back in order. This module uses only the standard library.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AGENT_VARIABLES = ("CLAUDE", "GEMINI", "CODEX", "COPILOT", "OPENCODE")
"""The prefixes of the environment variables an agent gives its hooks, which are recorded."""


@dataclass(frozen=True)
class RecordedHook:
    """One hook call: what came on standard input, the agent's variables, the workspace."""

    name: str
    payload: dict[str, Any]
    environment: dict[str, str]
    tree: Path | None

    @property
    def event(self) -> str:
        """The event, as the payload names it (``hook_event_name``), else empty."""
        return str(self.payload.get("hook_event_name", ""))


def recorded(out: Path) -> list[RecordedHook]:
    """Every hook call recorded in ``out``, in the order the calls came."""
    records = []
    for path in sorted(out.glob("*.json"), key=lambda path: path.stem.split("-")[0].zfill(24)):
        if path.name.endswith(".env.json"):
            continue
        environment = json.loads(path.with_suffix(".env.json").read_text("utf-8"))
        tree = path.with_suffix(".tree")
        records.append(
            RecordedHook(path.stem, json.loads(path.read_bytes()), environment,
                         tree if tree.is_dir() else None)
        )  # fmt: skip
    return records


def _record(out: Path, tree_events: list[str]) -> None:
    body = sys.stdin.buffer.read()
    stem = out / f"{time.time_ns()}-{os.getpid()}"
    stem.with_suffix(".json").write_bytes(body)
    environment = {
        name: value for name, value in os.environ.items() if name.startswith(AGENT_VARIABLES)
    }
    stem.with_suffix(".env.json").write_text(json.dumps(environment, indent=2), "utf-8")
    payload = json.loads(body)
    if payload.get("hook_event_name") in tree_events:
        shutil.copytree(payload["cwd"], stem.with_suffix(".tree"), symlinks=True)


if __name__ == "__main__":
    try:
        _record(Path(sys.argv[1]), sys.argv[2:])
    except Exception as exc:  # the agent's tool must run whatever happens here
        print(f"recorder: {exc!r}", file=sys.stderr)
    print("{}", flush=True)
