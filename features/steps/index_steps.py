"""Steps about the workspace index: which files a snapshot reads, and who wrote the index."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from behave import given, then, when
from support.databases import tamper_raw
from support.scenario import named
from support.trees import read_tree, write_file
from support.world import world

import rewind.workspace.scan
from rewind import CheckpointService
from rewind.storage import open_store
from rewind.workspace.scan import ScanResult, WorkspaceScanner


@given("a checkpoint service on the scenario's database whose clock runs {hours:d} hour {way}")
def service_with_shifted_clock(context: Any, hours: int, way: str) -> None:
    """A clock ahead makes every file old enough to be proven; one behind, none."""
    assert way in ("ahead", "behind"), way
    shift = timedelta(hours=hours if way == "ahead" else -hours)
    scene = world(context)
    service = CheckpointService(
        open_store(scene.database_url), clock=lambda: datetime.now(UTC) + shift
    )
    scene.keep_service(service)


@when('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}", counting the files read')
def snapshot_counting_reads(context: Any, plan: str, name: str) -> None:
    scene = world(context)
    scans: list[ScanResult] = []
    original = WorkspaceScanner.scan

    def counted(scanner: WorkspaceScanner, root: Any) -> ScanResult:
        result = original(scanner, root)
        scans.append(result)
        return result

    rewind.workspace.scan.WorkspaceScanner.scan = counted  # type: ignore[method-assign,assignment]
    try:
        scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(plan, scene.workspace)
    finally:
        rewind.workspace.scan.WorkspaceScanner.scan = original  # type: ignore[method-assign]
    scene.recorded[name] = read_tree(scene.workspace)
    scene.files_read = sum(scan.read for scan in scans)


@then("{count:d} files were read")
def files_read(context: Any, count: int) -> None:
    assert world(context).files_read == count, world(context).files_read


@given('"{path:Q}" is made executable')
def make_executable(context: Any, path: str) -> None:
    target = world(context).workspace / path
    target.chmod(target.stat().st_mode | 0o111)


@given(
    'another service on the scenario\'s database snapshots the workspace for plan "{plan:Q}" '
    'as "{name:Q}"'
)
def other_service_snapshots(context: Any, plan: str, name: str) -> None:
    scene = world(context)
    with CheckpointService.open(scene.database_url) as other:
        scene.checkpoints[name] = other.create_workspace_snapshot(plan, scene.workspace)
    scene.recorded[name] = read_tree(scene.workspace)


@given('another service on the scenario\'s database rolls back to "{name:Q}"')
def other_service_rolls_back(context: Any, name: str) -> None:
    scene = world(context)
    with CheckpointService.open(scene.database_url) as other:
        other.rollback_to_checkpoint(named(scene, name).checkpoint_id)


ON_ANOTHER_MACHINE = """
import socket, sys
socket.gethostname = lambda: "another-machine"
from rewind import CheckpointService
with CheckpointService.open(sys.argv[1]) as service:
    service.create_workspace_snapshot(sys.argv[3], sys.argv[2])
"""


@given('a separate process on another machine snapshots the workspace for plan "{plan:Q}"')
def snapshot_on_another_machine(context: Any, plan: str) -> None:
    scene = world(context)
    result = subprocess.run(
        [sys.executable, "-c", ON_ANOTHER_MACHINE, scene.database_url, str(scene.workspace), plan],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr


@given('someone damages the workspace\'s index entry of "{path:Q}"')
def damage_index_entry(context: Any, path: str) -> None:
    tamper_raw(
        world(context).database_url,
        "UPDATE workspace_entries SET kind = 'bogus' WHERE path = ?",
        path,
    )


@given('someone points the workspace\'s index entry of "{path:Q}" at the content of "{other:Q}"')
def misdirect_index_entry(context: Any, path: str, other: str) -> None:
    tamper_raw(
        world(context).database_url,
        "UPDATE workspace_entries SET content_hash = (SELECT content_hash FROM workspace_entries "
        "WHERE path = ?) WHERE path = ?",
        other,
        path,
    )


@then('the workspace holds the files and directories it held when "{name:Q}" was taken')
def holds_files_of(context: Any, name: str) -> None:
    scene = world(context)
    assert read_tree(scene.workspace) == scene.recorded[name]


@given('"{path:Q}" in the workspace holds the lines "{lines:Q}"')
@when('"{path:Q}" in the workspace holds the lines "{lines:Q}"')
def ignore_lines(context: Any, path: str, lines: str) -> None:
    text = "".join(f"{line.strip()}\n" for line in lines.split(","))
    write_file(world(context).workspace, path, text)


@then('checkpoint "{name:Q}" records exactly the files git does not ignore')
def records_what_git_tracks(context: Any, name: str) -> None:
    scene = world(context)
    judge = [
        "git",
        f"--git-dir={scene.directory / 'judge.git'}",
        f"--work-tree={scene.workspace}",
    ]
    environment = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(scene.directory)}
    subprocess.run([*judge, "init", "-q"], check=True, env=environment)
    listing = subprocess.run(
        [*judge, "ls-files", "--others", "--exclude-standard", "-z"],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=scene.workspace,
    )
    expected = sorted(path for path in listing.stdout.split("\0") if path)
    restored = scene.directory / f"restored-{name}"
    scene.the_service.restore_into(named(scene, name).checkpoint_id, restored)
    recorded = sorted(read_tree(restored)[0])
    assert recorded == expected, sorted(set(recorded) ^ set(expected))


@when(
    'I snapshot the workspace for plan "{plan:Q}" as "{name:Q}" while another service '
    "snapshots it during each of my first {races:d} scans"
)
def snapshot_raced(context: Any, plan: str, name: str, races: int) -> None:
    """Each early scan of this snapshot is overtaken by another service's snapshot."""
    scene = world(context)
    original = WorkspaceScanner.scan
    raced: list[str] = []

    def overtaken(scanner: WorkspaceScanner, root: Any) -> ScanResult:
        result = original(scanner, root)
        if len(raced) < races:
            raced.append("")  # the other service's own scan is not overtaken
            with CheckpointService.open(scene.database_url) as other:
                raced[-1] = other.create_workspace_snapshot(plan, scene.workspace).checkpoint_id
        return result

    rewind.workspace.scan.WorkspaceScanner.scan = overtaken  # type: ignore[method-assign,assignment]
    try:
        scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(plan, scene.workspace)
    finally:
        rewind.workspace.scan.WorkspaceScanner.scan = original  # type: ignore[method-assign]
    assert len(raced) == races, raced
    scene.raced_ids = raced


@then('checkpoint "{name:Q}" diffs against the last snapshot of the other service')
def diffs_against_last_raced(context: Any, name: str) -> None:
    scene = world(context)
    assert scene.raced_ids, "no other snapshot was taken"
    assert named(scene, name).parent_id == scene.raced_ids[-1]
