"""The captured hook inputs: kept as fixtures, and compared with what a program sends now.

A run's records (``recorder``) become ``features/fixtures/hooks/captured/<agent>-<version>/``:
``NN-<event>[-<tool>].json``, one per hook call in order, every field kept, with the scenario's
temporary directory written ``{directory}`` (and, where the agent spells it with dashes, as
Claude Code's transcript directory does, ``{dashed-directory}``); ``environment.json`` holds
the agent's own variables as its hook before a tool call saw them. Claude Code's transcript
of a session of three prompts becomes ``features/fixtures/transcripts/<agent>-<version>/``
``three-prompts.jsonl``, redacted the same way. Set ``REWIND_CAPTURE_HOOKS=1`` to write them
again from the next run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from support.agents.recorder import RecordedHook

CAPTURED = Path(__file__).resolve().parents[2] / "fixtures" / "hooks" / "captured"
TRANSCRIPTS = Path(__file__).resolve().parents[2] / "fixtures" / "transcripts"
CAPTURE_VARIABLE = "REWIND_CAPTURE_HOOKS"


def redacted(value: Any, spellings: Mapping[str, str]) -> Any:
    """``value`` with every spelling of a temporary path replaced by its placeholder."""
    if isinstance(value, str):
        for spelling, placeholder in spellings.items():
            value = value.replace(spelling, placeholder)
        return value
    if isinstance(value, list):
        return [redacted(item, spellings) for item in value]
    if isinstance(value, dict):
        return {key: redacted(item, spellings) for key, item in value.items()}
    return value


def fixture_name(index: int, hook: RecordedHook) -> str:
    """``03-PreToolUse-Write.json``: the call's place, its event, and its tool if any."""
    tool = hook.payload.get("tool_name")
    parts = [f"{index:02d}", hook.event or "unnamed", *([str(tool)] if tool else [])]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(parts)) + ".json"


def capture(directory: Path, hooks: list[RecordedHook], spellings: Mapping[str, str]) -> None:
    """Replace the fixtures in ``directory`` with ``hooks``, redacted."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for index, hook in enumerate(hooks, 1):
        text = json.dumps(redacted(hook.payload, spellings), indent=2, ensure_ascii=False)
        (directory / fixture_name(index, hook)).write_text(text + "\n", "utf-8")
    before_tool = next((hook for hook in hooks if hook.tree is not None), hooks[0])
    environment = redacted(dict(sorted(before_tool.environment.items())), spellings)
    (directory / "environment.json").write_text(json.dumps(environment, indent=2) + "\n", "utf-8")


def fields_by_event(directory: Path) -> dict[str, set[frozenset[str]]]:
    """For each event in the fixtures, the sets of top-level fields its inputs have."""
    fields: dict[str, set[frozenset[str]]] = {}
    for path in sorted(directory.glob("[0-9]*.json")):
        payload = json.loads(path.read_text("utf-8"))
        event = str(payload.get("hook_event_name", ""))
        fields.setdefault(event, set()).add(frozenset(payload))
    return fields


def differences(directory: Path, hooks: list[RecordedHook]) -> list[str]:
    """How ``hooks`` differ from the fixtures in ``directory``: events, or fields of one."""
    if not directory.is_dir():
        return [f"no captured fixtures in {directory}: run with {CAPTURE_VARIABLE}=1"]
    expected = fields_by_event(directory)
    found: dict[str, set[frozenset[str]]] = {}
    for hook in hooks:
        found.setdefault(hook.event, set()).add(frozenset(hook.payload))
    problems = [
        f"{event}: {sorted(set().union(*found.get(event, set())) ^ set().union(*sets))}"
        for event, sets in expected.items()
        if found.get(event) != sets
    ]
    problems += [f"{event}: not in the fixtures" for event in set(found) - set(expected)]
    return problems


def capture_transcript(fixture: Path, transcript: Path, spellings: Mapping[str, str]) -> None:
    """Replace the transcript ``fixture`` with ``transcript``, redacted, line for line.

    The hooks' commands it quotes name this machine's Python, ``rewind`` and repository:
    they become ``{python}``, ``{rewind}`` and ``{repository}``.
    """
    fixture.parent.mkdir(parents=True, exist_ok=True)
    spellings = {
        **spellings,
        sys.executable: "{python}",
        shutil.which("rewind") or "rewind": "{rewind}",
        str(Path(__file__).resolve().parents[3]): "{repository}",
    }
    lines = [
        json.dumps(redacted(json.loads(line), spellings), ensure_ascii=False, separators=(",", ":"))
        for line in transcript.read_text("utf-8").splitlines()
    ]
    fixture.write_text("".join(f"{line}\n" for line in lines), "utf-8")


def fields_by_type(transcript: Path) -> dict[str, set[str]]:
    """For each type of line in a transcript, the top-level fields its lines have."""
    fields: dict[str, set[str]] = {}
    for line in transcript.read_text("utf-8").splitlines():
        entry = json.loads(line)
        fields.setdefault(str(entry.get("type")), set()).update(entry)
    return fields


def transcript_differences(fixture: Path, transcript: Path) -> list[str]:
    """How the lines of ``transcript`` differ from ``fixture``'s: types, or fields of one."""
    if not fixture.is_file():
        return [f"no captured transcript {fixture}: run with {CAPTURE_VARIABLE}=1"]
    expected, found = fields_by_type(fixture), fields_by_type(transcript)
    return [
        f"{kind}: {sorted(expected.get(kind, set()) ^ found.get(kind, set()))}"
        for kind in sorted(set(expected) | set(found))
        if expected.get(kind) != found.get(kind)
    ]


def capturing() -> bool:
    """Whether this run writes the fixtures again."""
    return os.environ.get(CAPTURE_VARIABLE) == "1"
