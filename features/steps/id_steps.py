"""Steps about naming checkpoints: ids in any letter case, and unique prefixes."""

from __future__ import annotations

from itertools import takewhile
from typing import Any

from behave import then, when
from support.scenario import attempt, named
from support.world import world

from rewind import AmbiguousCheckpointIdError


@then('checkpoint "{name:Q}" is found by its id in lower case')
def found_in_lower_case(context: Any, name: str) -> None:
    scene = world(context)
    checkpoint = named(scene, name)
    assert scene.the_service.get_checkpoint(checkpoint.checkpoint_id.lower()) == checkpoint


@then('the first {count:d} characters of checkpoint "{name:Q}", in lower case, resolve to it')
def prefix_resolves(context: Any, count: int, name: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    assert scene.the_service.resolve_checkpoint_id(checkpoint_id[:count].lower()) == checkpoint_id


@when('I try to resolve the prefix that "{first:Q}" and "{second:Q}" share')
def resolve_shared_prefix(context: Any, first: str, second: str) -> None:
    scene = world(context)
    pairs = zip(named(scene, first).checkpoint_id, named(scene, second).checkpoint_id, strict=True)
    prefix = "".join(one for one, other in takewhile(lambda pair: pair[0] == pair[1], pairs))
    assert len(prefix) >= 4, prefix  # ULIDs made a moment apart share their time's digits
    attempt(scene, lambda: scene.the_service.resolve_checkpoint_id(prefix), record_store=False)


@when('I try to resolve the prefix "{prefix:Q}"')
def resolve_prefix(context: Any, prefix: str) -> None:
    scene = world(context)
    attempt(scene, lambda: scene.the_service.resolve_checkpoint_id(prefix), record_store=False)


@then('the error lists the candidates "{first:Q}" and "{second:Q}"')
def lists_candidates(context: Any, first: str, second: str) -> None:
    scene = world(context)
    error = scene.error
    assert isinstance(error, AmbiguousCheckpointIdError), error
    expected = (named(scene, first).checkpoint_id, named(scene, second).checkpoint_id)
    assert error.candidates == expected, error.candidates
