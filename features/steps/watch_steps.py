"""Steps about watching services: what the kernel reports, and what makes them scan whole."""

from __future__ import annotations

import errno
import mmap
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import inotify_simple
from behave import given, then, when
from support.scenario import attempt, named, open_service
from support.trees import documented_tree_hash, read_tree, remove_tree, write_file
from support.world import world

from rewind import CheckpointService, WatchOptions
from rewind.storage import open_store

MOVED_OUT = "moved-out"


@given("a checkpoint service on the scenario's database that watches paranoidly")
def watching_service(context: Any) -> None:
    open_service(world(context), watch=WatchOptions(paranoid=True))


@given(
    "a checkpoint service on the scenario's database that watches paranoidly, "
    "even remote file systems"
)
def watching_remote_service(context: Any) -> None:
    open_service(world(context), watch=WatchOptions(paranoid=True, allow_remote=True))


@given(
    "a checkpoint service on the scenario's database that watches, scanning in full after "
    "every {count:d} watched snapshot"
)
def watching_with_safety_net(context: Any, count: int) -> None:
    open_service(world(context), watch=WatchOptions(full_scan_every=count))


@given("a checkpoint service on the scenario's database that watches, with no safety net")
def watching_without_safety_net(context: Any) -> None:
    open_service(world(context), watch=WatchOptions(full_scan_every=None, full_scan_after=None))


@given(
    "a checkpoint service on the scenario's database that watches, with no safety net, whose "
    "clock runs {hours:d} hour ahead"
)
def watching_ahead(context: Any, hours: int) -> None:
    """A clock ahead makes every file old enough for its status to prove it unchanged."""
    scene = world(context)
    clock = partial(_shifted_now, timedelta(hours=hours))
    options = WatchOptions(full_scan_every=None, full_scan_after=None)
    scene.keep_service(
        CheckpointService(open_store(scene.database_url), clock=clock, watch=options)
    )


def _shifted_now(shift: timedelta) -> datetime:
    return datetime.now(UTC) + shift


@given('I hard-link "{path:Q}" from outside the workspace as "{name:Q}"')
def hard_link_from_outside(context: Any, path: str, name: str) -> None:
    """A second name outside every watched directory: inotify reports neither it nor writes
    through it to the workspace's watch."""
    scene = world(context)
    os.link(scene.workspace / path, scene.directory / name)


@given('I write "{content:Q}" in place to "{name:Q}" outside the workspace')
def write_outside_in_place(context: Any, content: str, name: str) -> None:
    with (world(context).directory / name).open("r+b") as file:
        file.write(content.encode())
        file.truncate()


@given(
    "a checkpoint service on the scenario's database that watches paranoidly at most "
    "{count:d} workspaces"
)
def watching_few_workspaces(context: Any, count: int) -> None:
    open_service(world(context), watch=WatchOptions(paranoid=True, max_workspaces=count))


@when('I try to open a checkpoint service on the scenario\'s database watching "{value:Q}"')
def open_watching_badly(context: Any, value: str) -> None:
    scene = world(context)
    attempt(scene, lambda: CheckpointService.open(scene.database_url, watch=value))  # type: ignore[arg-type]


@then('checkpoint "{name:Q}" holds exactly the files of the workspace')
def holds_the_workspace(context: Any, name: str) -> None:
    scene = world(context)
    files, _directories = read_tree(scene.workspace)
    expected = documented_tree_hash(files)
    assert named(scene, name).tree_hash == expected, sorted(files)


@then('the watcher counted {watched:d} watched snapshot and the full scans "{reasons:Q}"')
@then('the watcher counted {watched:d} watched snapshots and the full scans "{reasons:Q}"')
def watcher_counted(context: Any, watched: int, reasons: str) -> None:
    report = world(context).the_service.watch_report()
    expected = {}
    for item in reasons.split(", "):
        reason, _, count = item.rpartition(": ")
        expected[reason] = int(count)
    assert (report.watched_snapshots, report.full_scan_reasons) == (watched, expected), report
    assert report.full_scans == sum(expected.values()), report


@then("the service watches {count:d} directories")
def watches_directories(context: Any, count: int) -> None:
    report = world(context).the_service.watch_report()
    assert report.directories == count, report


@given('I rename "{path:Q}" to "{new:Q}"')
def rename(context: Any, path: str, new: str) -> None:
    workspace = world(context).workspace
    (workspace / path).rename(workspace / new)


@given('I move "{path:Q}" out of the workspace')
def move_out(context: Any, path: str) -> None:
    scene = world(context)
    (scene.workspace / path).rename(scene.directory / MOVED_OUT)


@given('I write "{content:Q}" to "{path:Q}" in the moved-out directory')
def write_moved_out(context: Any, content: str, path: str) -> None:
    write_file(world(context).directory / MOVED_OUT, path, content)


@given('I move the moved-out directory back into the workspace as "{path:Q}"')
def move_back(context: Any, path: str) -> None:
    scene = world(context)
    (scene.directory / MOVED_OUT).rename(scene.workspace / path)


@given('more changes than the kernel\'s event queue holds, ending with "{path:Q}" changed')
def overflow_the_queue(context: Any, path: str) -> None:
    """Alternate between two files: the kernel merges only identical events in a row."""
    workspace = world(context).workspace
    limit = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    names = [workspace / "README.md", workspace / "src/app.py"]
    for step in range(limit + 100):
        os.utime(names[step % 2], ns=(step, step))
    write_file(workspace, path, "changed after the flood")


@given('the workspace directory is removed and made again with "{name:Q}"')
def remake_workspace(context: Any, name: str) -> None:
    workspace = world(context).workspace
    remove_tree(workspace)
    workspace.mkdir()
    write_file(workspace, name, "fresh")


@given('another service on the scenario\'s database snapshots the workspace for plan "{plan:Q}"')
def other_service_snapshots(context: Any, plan: str) -> None:
    scene = world(context)
    with CheckpointService.open(scene.database_url) as other:
        other.create_workspace_snapshot(plan, scene.workspace)


@given('I hard-link "{path:Q}" to "{existing:Q}"')
def hard_link(context: Any, path: str, existing: str) -> None:
    workspace = world(context).workspace
    os.link(workspace / existing, workspace / path)


@given('I append "{text:Q}" to "{path:Q}"')
def append(context: Any, text: str, path: str) -> None:
    with (world(context).workspace / path).open("a") as file:
        file.write(text)


@given('I overwrite "{path:Q}" in place through mmap')
def overwrite_through_mmap(context: Any, path: str) -> None:
    """Change every byte through a shared mapping: inotify reports no such write."""
    target = world(context).workspace / path
    with target.open("r+b") as file, mmap.mmap(file.fileno(), 0) as mapped:
        mapped[:] = bytes(255 - byte for byte in mapped[:])
        mapped.flush()


@given("the kernel refuses new watches")
def refuse_watches(context: Any) -> None:
    """``inotify_add_watch`` fails as it does at ``max_user_watches``: with ENOSPC."""
    original = inotify_simple.INotify.add_watch

    def refused(self: inotify_simple.INotify, path: str, mask: int) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    inotify_simple.INotify.add_watch = refused
    context.add_cleanup(setattr, inotify_simple.INotify, "add_watch", original)
    context.original_add_watch = original


@given("the kernel accepts new watches again")
def accept_watches(context: Any) -> None:
    inotify_simple.INotify.add_watch = context.original_add_watch


@then("the service watches {count:d} workspaces")
def watches_workspaces(context: Any, count: int) -> None:
    report = world(context).the_service.watch_report()
    assert report.watching == count, report


@given("the kernel gives no more inotify instances")
def refuse_instances(context: Any) -> None:
    """``inotify_init1`` fails as it does at ``max_user_instances``: with EMFILE."""
    original = inotify_simple.INotify.__init__

    def refused(self: inotify_simple.INotify, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))

    inotify_simple.INotify.__init__ = refused
    context.add_cleanup(setattr, inotify_simple.INotify, "__init__", original)
    context.original_inotify_init = original


@given("the kernel gives inotify instances again")
def give_instances(context: Any) -> None:
    inotify_simple.INotify.__init__ = context.original_inotify_init


@given("a workspace on an overlay file system")
def overlay_workspace(context: Any) -> None:
    """The workspace's files, seen through an overlay mount (as in a container)."""
    scene = world(context)
    layers = scene.directory / "overlay"
    for layer in ("lower", "upper", "work", "merged"):
        (layers / layer).mkdir(parents=True)
    shutil.copytree(scene.workspace, layers / "lower", dirs_exist_ok=True)
    options = f"lowerdir={layers / 'lower'},upperdir={layers / 'upper'},workdir={layers / 'work'}"
    merged = layers / "merged"
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o", options, str(merged)], check=True)
    context.add_cleanup(subprocess.run, ["umount", "-l", str(merged)], check=True)
    scene.workspace = merged
