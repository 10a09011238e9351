"""What the store holds: counts, stored bytes, and what its snapshots' trees weigh."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rewind.models import ChangeKind, PlanStats, StoreStats
from rewind.storage import CheckpointSummary, DirectoryScope, UnitOfWork

__all__ = ["store_stats"]


def store_stats(
    uow: UnitOfWork, plan_id: str | None, within: DirectoryScope | None = None
) -> StoreStats:
    """Count what the store holds, and what its snapshots' trees weigh.

    Only one plan's checkpoints, if ``plan_id`` names it, and only those of the workspaces
    ``within`` some directories, if given (and the contents they use).
    """
    summaries = uow.checkpoints.summaries(plan_id, within=within)
    tree_bytes = _tree_bytes(uow, summaries, plan_id, within)
    stored = uow.queries.plan_stored_bytes(within=within)
    per_plan: defaultdict[str, list[CheckpointSummary]] = defaultdict(list)
    for summary in summaries:
        per_plan[summary.plan_id].append(summary)
    plans = tuple(
        PlanStats(
            plan_id=plan,
            checkpoints=len(members),
            snapshots=sum(member.is_snapshot for member in members),
            stored_bytes=stored.get(plan, 0),
            tree_bytes=sum(tree_bytes.get(member.checkpoint_id, 0) for member in members),
        )
        for plan, members in sorted(per_plan.items())
    )
    totals = uow.queries.stats(plan_id, within=within)
    return totals.model_copy(update={"tree_bytes": sum(tree_bytes.values()), "plans": plans})


def _tree_bytes(
    uow: UnitOfWork,
    summaries: Sequence[CheckpointSummary],
    plan_id: str | None,
    within: DirectoryScope | None,
) -> dict[str, int]:
    """Return each snapshot's tree size, walking each history once from its roots.

    A snapshot's tree is its parent's with its own changes applied; the walk applies them
    going down and undoes them coming back, so it holds one tree at a time.
    """
    changes: defaultdict[str, list[tuple[str, str, object]]] = defaultdict(list)
    for checkpoint_id, path, change, size in uow.queries.change_sizes(plan_id, within=within):
        changes[checkpoint_id].append((path, change, size))
    snapshots = {summary.checkpoint_id: summary for summary in summaries if summary.is_snapshot}
    children: defaultdict[str | None, list[str]] = defaultdict(list)
    for summary in snapshots.values():
        parent = summary.parent_id if summary.parent_id in snapshots else None
        children[parent].append(summary.checkpoint_id)
    sizes: dict[str, int] = {}
    tree: dict[str, int] = {}
    total = 0
    # An explicit stack (histories can be thousands deep): ("enter", id) or ("leave", undo).
    stack: list[tuple[str, object]] = [("enter", root) for root in children[None]]
    while stack:
        action, item = stack.pop()
        if action == "leave":
            assert isinstance(item, list)
            for path, before in reversed(item):
                total += (before or 0) - tree.get(path, 0)
                if before is None:
                    tree.pop(path, None)
                else:
                    tree[path] = before
            continue
        assert isinstance(item, str)
        undo: list[tuple[str, int | None]] = []
        for path, change, size in changes.get(item, ()):
            before = tree.get(path)
            undo.append((path, before))
            after = size if change != ChangeKind.DELETED.value and isinstance(size, int) else None
            total += (after or 0) - (before or 0)
            if after is None:
                tree.pop(path, None)
            else:
                tree[path] = after
        sizes[item] = total
        stack.append(("leave", undo))
        stack.extend(("enter", child) for child in children[item])
    return sizes
