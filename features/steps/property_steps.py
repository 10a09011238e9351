"""Property-style steps: many generated trees, each restored exactly."""

from __future__ import annotations

import itertools
from typing import Any

import hypothesis
from behave import then
from support.generated import (
    GeneratedTree,
    directories_of,
    reproducible,
    trees,
    write_generated,
)
from support.trees import read_tree
from support.world import world


@then("rolling back and restoring {count:d} generated pairs of trees reproduces each exactly")
def round_trips(context: Any, count: int) -> None:
    scene = world(context)
    service = scene.the_service
    counter = itertools.count()

    def assert_holds(root: Any, tree: GeneratedTree) -> None:
        files, directories = read_tree(root)
        assert files == tree, (sorted(files), sorted(tree))
        assert directories == directories_of(tree), directories ^ directories_of(tree)

    @reproducible(count)
    @hypothesis.given(first=trees, second=trees)
    def round_trip(first: GeneratedTree, second: GeneratedTree) -> None:
        index = next(counter)
        workspace = scene.directory / "generated" / str(index)
        write_generated(workspace, first)
        one = service.create_workspace_snapshot(f"generated-{index}", workspace)
        write_generated(workspace, second)
        two = service.create_workspace_snapshot(f"generated-{index}", workspace)
        service.rollback_to_checkpoint(one.checkpoint_id)
        assert_holds(workspace, first)
        service.rollback_to_checkpoint(two.checkpoint_id)
        assert_holds(workspace, second)
        copy = scene.directory / "copies" / str(index)
        service.restore_into(one.checkpoint_id, copy)
        assert_holds(copy, first)
        assert service.verify(one.checkpoint_id).ok

    round_trip()
    pairs = next(counter)
    scene.generated_pairs = pairs
    assert pairs >= count, pairs
