"""Steps that read a snapshot's metadata back from the store, in another process or service."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from behave import then
from support.scenario import named
from support.trees import paths_of
from support.world import World, world

from rewind import Checkpoint

DIFF_KEYS = ("diff_paths", "diff_based", "diff_hash", "diff_base", "tree_hash", "checkpoint_hash")

READ_METADATA = """
import json, sys
from rewind import CheckpointService
with CheckpointService.open(sys.argv[1]) as service:
    found = {i: service.get_checkpoint(i).model_dump(mode="json")["metadata"] for i in sys.argv[2:]}
print(json.dumps(found))
"""


def _metadata(checkpoint: Checkpoint) -> dict[str, Any]:
    """The checkpoint's metadata as JSON values (tuples as lists), extra included."""
    metadata: dict[str, Any] = checkpoint.metadata.model_dump(mode="json")
    return metadata


def _returned(scene: World, names: str) -> dict[str, dict[str, Any]]:
    return {
        named(scene, name).checkpoint_id: _metadata(named(scene, name)) for name in paths_of(names)
    }


@then('the snapshots "{names:Q}" returned their diff metadata')
def returned_diff_metadata(context: Any, names: str) -> None:
    for checkpoint_id, metadata in _returned(world(context), names).items():
        missing = [key for key in DIFF_KEYS if key not in metadata["extra"]]
        assert not missing, (checkpoint_id, missing)
        assert metadata["extra"]["diff_based"] is True, metadata


@then('a separate Python process reads the metadata of "{names:Q}" exactly as returned')
def read_in_other_process(context: Any, names: str) -> None:
    scene = world(context)
    returned = _returned(scene, names)
    result = subprocess.run(
        [sys.executable, "-c", READ_METADATA, scene.database_url, *returned],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == returned, (result.stdout, returned)


@then('the service reads the metadata of "{names:Q}" exactly as returned')
def read_in_fresh_service(context: Any, names: str) -> None:
    scene = world(context)
    for checkpoint_id, metadata in _returned(scene, names).items():
        stored = scene.the_service.get_checkpoint(checkpoint_id)
        assert _metadata(stored) == metadata, (checkpoint_id, _metadata(stored), metadata)
