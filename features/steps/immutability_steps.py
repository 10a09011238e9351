"""Steps proving that a built checkpoint cannot change."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

from behave import then
from support.scenario import named
from support.world import world


def _refused(change: Any) -> bool:
    try:
        change()
    except (TypeError, AttributeError, ValueError):
        return True
    return False


@then('assigning a new "{field:Q}" to checkpoint "{name:Q}" is refused')
def assigning_field_refused(context: Any, field: str, name: str) -> None:
    checkpoint = named(world(context), name)
    before = checkpoint.model_dump()
    assert _refused(lambda: setattr(checkpoint, field, getattr(checkpoint, field)))
    assert checkpoint.model_dump() == before


@then('changing the metadata extra of checkpoint "{name:Q}" is refused')
def changing_extra_refused(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    extra: Any = checkpoint.metadata.extra
    before = checkpoint.model_dump()
    assert _refused(lambda: extra.__setitem__("diff_paths", []))
    assert _refused(lambda: extra.__delitem__("diff_hash"))
    assert _refused(lambda: extra["diff_paths"].append("smuggled.txt"))
    assert _refused(lambda: extra["nested"].__setitem__("key", "other"))
    assert _refused(lambda: setattr(checkpoint.metadata, "extra", {}))
    assert checkpoint.model_dump() == before
    assert scene.the_service.get_checkpoint(checkpoint.checkpoint_id) == checkpoint


@then('checkpoint "{name:Q}" survives pickling and deep copying unchanged')
def pickles(context: Any, name: str) -> None:
    checkpoint = named(world(context), name)
    assert pickle.loads(pickle.dumps(checkpoint)) == checkpoint
    assert copy.deepcopy(checkpoint) == checkpoint
    assert (
        json.loads(json.dumps(checkpoint.metadata.extra))
        == checkpoint.model_dump(mode="json")["metadata"]["extra"]
    )


@then('a copy of the metadata extra of checkpoint "{name:Q}" is an ordinary dict')
def copy_is_mutable(context: Any, name: str) -> None:
    extra = named(world(context), name).metadata.extra
    mutable = dict(extra)
    mutable["diff_paths"] = []
    assert type(mutable) is dict and extra["diff_paths"] == ("one.txt",), extra
