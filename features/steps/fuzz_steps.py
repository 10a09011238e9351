"""Fuzzing what callers pass besides files: ids, labels, references and metadata."""

from __future__ import annotations

import math
from typing import Any

import hypothesis
from behave import then
from hypothesis import strategies as st
from support.generated import reproducible
from support.world import world

from rewind import CheckpointType, InvalidInputError

odd_texts = st.sampled_from(["", "a\x00b", "\ud800", "x" * 300, " ", "\n", "😀", "null"])
texts = st.one_of(st.text(max_size=20), st.text(min_size=250, max_size=260), odd_texts)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.sampled_from([b"bytes", {1, 2}, object(), math.nan]),
)
json_like = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(texts, children, max_size=4),
    ),
    max_leaves=12,
)


@then("{count:d} fuzzed checkpoints are each stored exactly or refused with InvalidInputError")
def fuzzed_checkpoints(context: Any, count: int) -> None:
    scene = world(context)
    service = scene.the_service
    outcomes = {"stored": 0, "refused": 0}

    @reproducible(count)
    @hypothesis.given(
        plan_id=texts,
        decision_id=st.none() | texts,
        sandbox_ref=texts,
        label=st.none() | texts,
        reason=st.none() | texts,
        extra=st.dictionaries(texts, json_like, max_size=5),
        kind=st.sampled_from(list(CheckpointType)),
    )
    def one(**fields: Any) -> None:
        before = service.stats().checkpoints
        try:
            checkpoint = service.create_checkpoint(
                fields["plan_id"],
                fields["sandbox_ref"],
                decision_id=fields["decision_id"],
                checkpoint_type=fields["kind"],
                metadata={"reason": fields["reason"], "extra": fields["extra"]},
                label=fields["label"],
            )
        except InvalidInputError:
            assert service.stats().checkpoints == before
            outcomes["refused"] += 1
            return
        assert service.get_checkpoint(checkpoint.checkpoint_id) == checkpoint
        outcomes["stored"] += 1

    one()
    scene.fuzz_outcomes = outcomes
    assert outcomes["stored"] > 0 and outcomes["refused"] > 0, outcomes
