"""Steps that sweep the public API with injected faults and damaged rows."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from behave import given, then, when
from support.databases import postgres_schema_url, tamper_raw
from support.scenario import open_service
from support.sweep import (
    CORRUPTIONS,
    FAULTS,
    Outcome,
    SweptWorkspace,
    injected,
    moments,
    outside,
    run,
)
from support.trees import write_file
from support.world import World, world

from rewind import CheckpointService


@given("a workspace swept by the fault injector, with two snapshots")
def fault_workspace(context: Any) -> None:
    scene = world(context)
    scene.swept = SweptWorkspace(open_service(scene), scene.directory, "faults")


@when("every public operation runs under each injected fault")
def sweep_faults(context: Any) -> None:
    scene = world(context)
    swept = scene.the_swept
    before_outside = outside(scene.directory)
    for (name, operation), fault in itertools.product(swept.operations().items(), FAULTS):
        swept.reset()
        with injected(fault, 0) as counter:
            run(operation)
        for moment in moments(counter.calls):
            before = swept.reset()
            with injected(fault, moment):
                error = run(operation)
            _record(
                scene,
                swept,
                Outcome(name, f"{fault} (call {moment} of {counter.calls})", error),
                before,
            )
            if outside(scene.directory) != before_outside:
                scene.sweep_problems.append(f"{name} under {fault}: something outside changed")
                before_outside = outside(scene.directory)


@when("every public operation runs against each kind of damaged row, each in its own plan")
def sweep_corruptions(context: Any) -> None:
    scene = world(context)
    victim = scene.directory / "victim"
    write_file(victim, "precious.txt", "precious\n")
    before_outside = outside(scene.directory)
    for index, corruption in enumerate(CORRUPTIONS):
        statements = corruption.statements(scene.backend)
        if statements is None:
            continue  # this database refuses such a value outright
        with _fresh_store(scene, index) as url, CheckpointService.open(url) as service:
            swept = SweptWorkspace(service, scene.directory, f"damage-{index}")
            other = SweptWorkspace(service, scene.directory, f"other-{index}")
            _damage(url, statements, swept.placeholders(other, victim))
            if service.verify().ok:  # before any operation overwrites a damaged mark
                scene.sweep_problems.append(f"verify found nothing wrong after {corruption.name}")
            for name, operation in swept.operations().items():
                before = swept.reset()
                _record(scene, swept, Outcome(name, corruption.name, run(operation)), before)
        if outside(scene.directory) != before_outside:
            scene.sweep_problems.append(f"{corruption.name}: something outside changed")
            before_outside = outside(scene.directory)


def _record(scene: World, swept: SweptWorkspace, outcome: Outcome, before: Any) -> None:
    scene.sweep_outcomes.append(outcome)
    if (problem := swept.problem_after(outcome, before)) is not None:
        scene.sweep_problems.append(problem)


@contextmanager
def _fresh_store(scene: World, index: int) -> Iterator[str]:
    """A database of its own for one corruption, so damage never leaks into the next."""
    if scene.backend == "sqlite":
        yield f"sqlite:///{scene.directory / 'store' / f'damage-{index}.db'}"
        return
    server_url = scene.database_url.split("?", 1)[0]
    with postgres_schema_url(server_url) as url:
        yield url


def _damage(url: str, statements: tuple[str, ...], values: dict[str, str]) -> None:
    for template in statements:
        statement = template
        for placeholder, value in values.items():
            statement = statement.replace(placeholder, value)
        tamper_raw(url, statement)


@then("only RewindErrors came out of the sweep")
def only_rewind_errors(context: Any) -> None:
    scene = world(context)
    foreign = [str(outcome) for outcome in scene.sweep_outcomes if outcome.foreign]
    assert scene.sweep_outcomes, "nothing was swept"
    assert not foreign, "\n".join(foreign[:20])


@then("nothing outside the workspace changed during the sweep")
def nothing_outside_changed(context: Any) -> None:
    problems = [item for item in world(context).sweep_problems if "outside" in item]
    assert not problems, "\n".join(problems[:20])


@then("after every {what} the workspace was as before or exactly at the rollback's target")
def workspace_states(context: Any, what: str) -> None:
    problems = [
        item
        for item in world(context).sweep_problems
        if "workspace ended" in item or "left" in item
    ]
    assert not problems, f"after a {what}:\n" + "\n".join(problems[:20])


@then("verify reported every damaged row")
def verify_reported(context: Any) -> None:
    problems = [item for item in world(context).sweep_problems if "verify found" in item]
    assert not problems, "\n".join(problems)


@then("the store verifies without a problem after the sweep")
def verifies_after(context: Any) -> None:
    report = world(context).the_service.verify()
    assert report.ok, report
