"""Steps of the differential test: a watching service against a scanning one."""

from __future__ import annotations

import os
from typing import Any

from behave import given, then
from hypothesis import settings
from support.generated import reproducible
from support.scenario import open_service
from support.watch_machine import watch_machine
from support.world import world

from rewind import WatchOptions

SOAK_VARIABLE = "REWIND_SOAK_RUNS"
"""Set by ``nox -s soak``: how many runs to make instead of the scenario's count."""


@given("a checkpoint service on the scenario's database that watches, and one that scans")
def watching_and_scanning(context: Any) -> None:
    scene = world(context)
    context.scanning_service = open_service(scene)
    open_service(scene, watch=WatchOptions(full_scan_every=None, full_scan_after=None))


@then("{count:d} random runs of file-system operations give watched snapshots equal to full scans")
def watched_equals_scanned(context: Any, count: int) -> None:
    scene = world(context)
    runs = int(os.environ.get(SOAK_VARIABLE) or count)
    machine = watch_machine(scene.the_service, context.scanning_service, scene.directory)
    machine.TestCase.settings = settings(
        reproducible(runs), stateful_step_count=40, derandomize=SOAK_VARIABLE not in os.environ
    )
    machine.TestCase().runTest()
    report = scene.the_service.watch_report()
    assert report.watched_snapshots > report.full_scans, report  # the watch was used
