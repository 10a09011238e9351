"""Helpers the step modules share: opening services, expecting failures, naming checkpoints."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rewind import Checkpoint, CheckpointService, RetentionPolicy, WatchOptions
from rewind.storage.engine import display_url, parse_database_url
from support.async_driven import AsyncDriven
from support.world import StoreContents, World


def open_service(
    scene: World,
    url: str | None = None,
    *,
    retention: RetentionPolicy | None = None,
    watch: bool | WatchOptions = False,
) -> CheckpointService:
    """Open a service on the scenario's database (closed after the scenario).

    With ``-D service=async`` it is an ``AsyncCheckpointService`` behind the same methods.
    """
    url = url or scene.database_url
    if scene.service_kind == "async":
        return scene.keep_service(AsyncDriven(url, retention=retention, watch=watch))
    return scene.keep_service(CheckpointService.open(url, retention=retention, watch=watch))


def store_contents(scene: World) -> StoreContents:
    """What the store holds, read through a fresh service: counts and every checkpoint."""
    with CheckpointService.open(scene.database_url) as service:
        return service.stats(), service.list_checkpoints()


def attempt(scene: World, action: Callable[[], object], *, record_store: bool = True) -> None:
    """Run ``action`` expecting it to fail; keep the error (and the store's prior contents)."""
    if record_store:
        scene.store_before = store_contents(scene)
    try:
        action()
    except Exception as exc:
        scene.error = exc
    else:
        raise AssertionError("the action succeeded but was expected to fail")


REPOSITORY = Path(__file__).resolve().parents[2]


def expand(scene: World, text: str) -> str:
    """Replace {workspace}, {directory}, {database} and {repository} in a scenario's text.

    Also {database_path} (a SQLite store's file, else its URL) and {rewind} (the absolute
    path of the ``rewind`` command the scenarios run).
    """
    for name, checkpoint in scene.checkpoints.items():
        text = text.replace(f"{{{name}}}", checkpoint.checkpoint_id)
    if "{rewind}" in text:
        text = text.replace("{rewind}", shutil.which("rewind") or "rewind")
    return (
        text.replace("{workspace}", str(scene.workspace))
        .replace("{database_path}", scene.database_url.removeprefix("sqlite:///"))
        .replace("{database_display}", display_url(parse_database_url(scene.database_url)))
        .replace("{repository}", str(REPOSITORY))
        .replace("{directory}", str(scene.directory))
        .replace("{database}", scene.database_url)
    )


def named(scene: World, name: str) -> Checkpoint:
    """The checkpoint a scenario created under ``name``."""
    return scene.checkpoints[name]


def parse_extra(text: str | None) -> dict[str, Any]:
    """The JSON object in a step's doc string, or nothing."""
    return json.loads(text) if text else {}
