"""Steps that alter a stored content without changing its length, to prove its hash is checked."""

from __future__ import annotations

import hashlib
from typing import Any

from behave import given
from support.databases import compressed, tamper_raw
from support.world import world


@given(
    'someone replaces the stored content of "{path:Q}" as of "{name:Q}" by other bytes of '
    "the same length"
)
def same_length_content(context: Any, path: str, name: str) -> None:
    scene = world(context)
    kind, data, _mode = scene.recorded[name][0][path]
    assert kind == "file", kind
    other = bytes(byte ^ 1 for byte in data)  # every byte differs, the length is the same
    content_hash = hashlib.sha256(data).hexdigest()
    tamper_raw(
        scene.database_url,
        "UPDATE blob_chunks SET data = ? WHERE blob_id = ?",
        compressed(other),
        content_hash,
    )
    scene.tampered_blobs.append(content_hash)
