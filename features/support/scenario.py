"""Scenario state shared by the step modules: the service, named checkpoints, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewind import Checkpoint, CheckpointService
from rewind.storage.engine import display_url, parse_database_url


def open_service(context: Any, url: str | None = None) -> CheckpointService:
    """Open a service on the scenario's database (closed after the scenario)."""
    service = CheckpointService.open(url or context.database_url)
    context.services.append(service)
    context.service = service
    return service


def store_contents(context: Any) -> tuple[Any, list[Checkpoint]]:
    """What the store holds, read through a fresh service: counts and every checkpoint."""
    with CheckpointService.open(context.database_url) as service:
        return service.stats(), service.list_checkpoints()


def attempt(context: Any, action: Callable[[], object], *, record_store: bool = True) -> None:
    """Run ``action`` expecting it to fail; keep the error (and the store's prior contents)."""
    if record_store:
        context.store_before = store_contents(context)
    try:
        action()
    except Exception as exc:
        context.error = exc
    else:
        raise AssertionError("the action succeeded but was expected to fail")


REPOSITORY = Path(__file__).resolve().parents[2]


def expand(context: Any, text: str) -> str:
    """Replace {workspace}, {directory}, {database} and {repository} in a scenario's text."""
    for name, checkpoint in context.checkpoints.items():
        text = text.replace(f"{{{name}}}", checkpoint.checkpoint_id)
    return (
        text.replace("{workspace}", str(context.workspace))
        .replace("{database_display}", display_url(parse_database_url(context.database_url)))
        .replace("{repository}", str(REPOSITORY))
        .replace("{directory}", str(context.directory))
        .replace("{database}", context.database_url)
    )


def named(context: Any, name: str) -> Checkpoint:
    """The checkpoint a scenario created under ``name``."""
    checkpoint: Checkpoint = context.checkpoints[name]
    return checkpoint


def parse_extra(text: str | None) -> dict[str, Any]:
    """The JSON object in a step's doc string, or nothing."""
    return json.loads(text) if text else {}
