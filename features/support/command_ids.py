"""The ids a scenario's command lines and expected output name, written as placeholders.

``{first}`` and ``{last}``: the ids of the first and last snapshot the command made;
``{last:6}`` (the first six characters); ``{last:short}`` (its short id: the 8 characters
after its 10 characters of time, in lower case); ``{common}`` (the longest prefix
``{first}`` and ``{last}`` share, at least four characters); ``{last:unique}`` (one
character more than ``{common}``); any of them followed by ``|lower`` in lower case. And
``{C:short}`` and ``{C:created}``: the short id, and the time as ``rewind list`` prints it,
of the checkpoint a step named C.
"""

from __future__ import annotations

import re

from support.world import World

__all__ = ["ULID", "expand_ids"]

ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
ID_PLACEHOLDER = re.compile(r"\{(first|last|common)(?::(\d+|unique|short))?(\|lower)?\}")
NAMED_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_-]+):(short|created)\}")
MIN_PREFIX = 4


def expand_ids(scene: World, text: str) -> str:
    text = NAMED_PLACEHOLDER.sub(lambda match: _named(scene, match), text)

    def replace(match: re.Match[str]) -> str:
        name, length, lower = match.groups()
        common = _common_prefix(scene)
        full = {"first": scene.first_id or "", "last": scene.last_id, "common": common}[name]
        if length == "unique":
            full = full[: len(common) + 1]
        elif length == "short":
            full = full[10:18].lower()
        elif length is not None:
            full = full[: int(length)]
        return full.lower() if lower else full

    return ID_PLACEHOLDER.sub(replace, text)


def _named(scene: World, match: re.Match[str]) -> str:
    """A named checkpoint's short id (``{C:short}``) or creation time (``{C:created}``)."""
    checkpoint = scene.checkpoints.get(match[1])
    if checkpoint is None:
        return match[0]
    if match[2] == "short":
        return checkpoint.checkpoint_id[10:18].lower()
    return checkpoint.created_at.strftime("%Y-%m-%d %H:%M:%SZ")


def _common_prefix(scene: World) -> str:
    first, last = scene.first_id or "", scene.last_id
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    if first and last and first != last:
        assert length >= MIN_PREFIX, (first, last)
    return first[:length]
