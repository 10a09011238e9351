"""Steps about listing and filtering checkpoints."""

from __future__ import annotations

from typing import Any

from behave import then
from support.scenario import named
from support.trees import paths_of
from support.world import world


@then("listing checkpoints gives, newest first")
def listing_gives(context: Any) -> None:
    scene = world(context)
    for row in context.table:
        filters: dict[str, Any] = {
            key: row[key]
            for key in ("plan_id", "decision_id", "checkpoint_type")
            if key in row.headings and row[key]
        }
        if "limit" in row.headings and row["limit"]:
            filters["limit"] = int(row["limit"])
        if "before" in row.headings and row["before"]:
            before = named(scene, row["before"])
            by_time = row.get("before_by", "id") == "time"
            filters["before"] = before.created_at if by_time else before.checkpoint_id
        found = scene.the_service.list_checkpoints(**filters)
        ids = {checkpoint.checkpoint_id: name for name, checkpoint in scene.checkpoints.items()}
        actual = [ids[checkpoint.checkpoint_id] for checkpoint in found]
        assert actual == paths_of(row["result"]), (filters, actual)
