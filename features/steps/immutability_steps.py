"""Steps proving that a built checkpoint cannot change."""

from __future__ import annotations

from typing import Any

from behave import then
from support.scenario import named


def _refused(change: Any) -> bool:
    try:
        change()
    except (TypeError, AttributeError, ValueError):
        return True
    return False


@then('assigning a new "{field:Q}" to checkpoint "{name:Q}" is refused')
def assigning_field_refused(context: Any, field: str, name: str) -> None:
    checkpoint = named(context, name)
    before = checkpoint.model_dump()
    assert _refused(lambda: setattr(checkpoint, field, getattr(checkpoint, field)))
    assert checkpoint.model_dump() == before


@then('changing the metadata extra of checkpoint "{name:Q}" is refused')
def changing_extra_refused(context: Any, name: str) -> None:
    checkpoint = named(context, name)
    extra: Any = checkpoint.metadata.extra
    before = checkpoint.model_dump()
    assert _refused(lambda: extra.__setitem__("diff_paths", []))
    assert _refused(lambda: extra.__delitem__("diff_hash"))
    assert _refused(lambda: extra["diff_paths"].append("smuggled.txt"))
    assert _refused(lambda: extra["nested"].__setitem__("key", "other"))
    assert _refused(lambda: setattr(checkpoint.metadata, "extra", {}))
    assert checkpoint.model_dump() == before
    assert context.service.get_checkpoint(checkpoint.checkpoint_id) == checkpoint
