"""Steps that run snapshots at the same time."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from behave import then, when

from rewind import Checkpoint


@when('{count:d} threads snapshot the workspace for plan "{plan:Q}" at once')
def threads_snapshot(context: Any, count: int, plan: str) -> None:
    start = threading.Barrier(count)

    def snapshot(index: int) -> Checkpoint:
        start.wait()
        checkpoint: Checkpoint = context.service.create_workspace_snapshot(
            plan, context.workspace, f"thread-{index}"
        )
        return checkpoint

    with ThreadPoolExecutor(max_workers=count) as pool:
        context.concurrent = list(pool.map(snapshot, range(count)))


@then('the {count:d} snapshots of plan "{plan:Q}" form one history')
def one_history(context: Any, count: int, plan: str) -> None:
    created = sorted(context.concurrent, key=lambda checkpoint: checkpoint.checkpoint_id)
    stored = context.service.list_checkpoints(plan)
    assert sorted(stored, key=lambda checkpoint: checkpoint.checkpoint_id) == created
    assert len(created) == count
    parents = [checkpoint.parent_id for checkpoint in created]
    expected = [None, *(checkpoint.checkpoint_id for checkpoint in created[:-1])]
    assert parents == expected, parents
    changed = [len(checkpoint.metadata.extra["diff_paths"]) for checkpoint in created]
    assert changed[0] > 0 and not any(changed[1:]), changed
