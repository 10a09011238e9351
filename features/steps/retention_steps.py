"""Steps about retention: pruning a history and checking that every kept checkpoint is whole."""

from __future__ import annotations

import json
import logging
import random
import re
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from itertools import combinations
from pathlib import Path
from typing import Any

from behave import given, then, when
from pydantic import ValidationError
from support.databases import tamper_raw
from support.scenario import attempt, named, open_service, store_contents
from support.trees import Tree, read_tree, remove_tree, write_file
from support.world import World, world

import rewind.workspace.scan
from rewind import CheckpointService, CheckpointType, InvalidInputError, RetentionPolicy
from rewind.workspace.scan import ScanResult, WorkspaceScanner

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _policy(text: str) -> RetentionPolicy:
    """A policy from ``keep_last=3, keep_within=1h, keep_types=manual, safety_within=none``."""
    fields: dict[str, Any] = {}
    for part in text.split(","):
        key, _, value = part.strip().partition("=")
        if key in ("keep_within", "safety_within"):
            fields[key] = (
                None if value == "none" else timedelta(**{_UNITS[value[-1]]: int(value[:-1])})
            )
        elif key in ("keep_last", "max_bytes"):
            fields[key] = int(value)
        elif key == "keep_labelled":
            fields[key] = value == "true"
        elif key == "keep_types":
            fields[key] = frozenset(CheckpointType(kind) for kind in value.split("+"))
        else:
            raise AssertionError(f"unknown policy field {key!r}")
    return RetentionPolicy(**fields)


def _existing(scene: World) -> set[str]:
    return {checkpoint.checkpoint_id for checkpoint in scene.the_service.list_checkpoints()}


def _edit(workspace: Path, rng: random.Random, step: int) -> None:
    """Add, change and delete a few files of a small tree, reusing old contents at times."""
    for _ in range(rng.randint(1, 4)):
        relative = f"d{rng.randrange(3)}/f{rng.randrange(8)}.txt"
        path = workspace / relative
        if path.exists() and rng.random() < 0.25:
            path.unlink()
        else:
            content = f"version {rng.randrange(6)}\n" * rng.randint(1, 400)
            write_file(workspace, relative, content if rng.random() < 0.7 else f"step {step}\n")


@given(
    'a history of {count:d} snapshots of plan "{plan:Q}" from seed {seed:d}, labelling one in '
    "{label:d} and rolling back before one in {back:d}"
)
def history(  # noqa: PLR0917 - behave passes each field of the step as an argument
    context: Any, count: int, plan: str, seed: int, label: int, back: int
) -> None:
    """Snapshots s1..sN with random edits between; some are rolled back to an earlier one."""
    scene = world(context)
    service = scene.the_service
    rng = random.Random(seed)
    for step in range(1, count + 1):
        if step > 2 and step % back == 0:
            alive = _existing(scene)
            targets = [
                name
                for name, checkpoint in scene.checkpoints.items()
                if name.startswith("s") and checkpoint.checkpoint_id in alive
            ]
            target = rng.choice(targets[:-1] or targets)
            before = read_tree(scene.workspace)
            result = service.rollback_to_checkpoint(named(scene, target).checkpoint_id)
            assert result.safety_checkpoint_id is not None
            safety = f"safety-{step}"
            scene.checkpoints[safety] = service.get_checkpoint(result.safety_checkpoint_id)
            scene.recorded[safety] = before
        _edit(scene.workspace, rng, step)
        name = f"s{step}"
        scene.checkpoints[name] = service.create_workspace_snapshot(
            plan, scene.workspace, label=f"step {step}" if step % label == 0 else None
        )
        scene.recorded[name] = read_tree(scene.workspace)


def _prune(scene: World, policy: str, plan: str | None = None, *, dry_run: bool = False) -> None:
    scene.stats_before = scene.the_service.stats()
    scene.store_before = store_contents(scene)
    scene.pruned = scene.the_service.prune(_policy(policy), plan_id=plan, dry_run=dry_run)
    scene.pruned_policy = policy


@when("I prune with {policy}")
def prune(context: Any, policy: str) -> None:
    if policy.endswith(" as a dry run"):
        _prune(world(context), policy.removesuffix(" as a dry run"), dry_run=True)
    else:
        _prune(world(context), policy)


@when('I prune plan "{plan:Q}" with {policy}')
def prune_plan(context: Any, plan: str, policy: str) -> None:
    _prune(world(context), policy, plan)


@when("I try to prune with {policy}")
def try_prune(context: Any, policy: str) -> None:
    scene = world(context)
    service = scene.the_service
    copied = re.fullmatch(r"a copy of (.+) whose keep_last is (-?\d+)", policy)
    if copied:  # model_copy(update=...) skips pydantic's validation
        rules = _policy(copied.group(1)).model_copy(update={"keep_last": int(copied.group(2))})
        attempt(scene, lambda: service.prune(rules))
    elif policy == "the policy given as text":
        attempt(scene, lambda: service.prune("keep_last=1"))  # type: ignore[arg-type]
    elif policy.endswith(" for the plan 42"):
        rules = _policy(policy.removesuffix(" for the plan 42"))
        attempt(scene, lambda: service.prune(rules, plan_id=42))  # type: ignore[arg-type]
    else:
        attempt(scene, lambda: service.prune(_policy(policy)))


@given('someone damages a change row of "{name:Q}"')
def damage_change_row(context: Any, name: str) -> None:
    scene = world(context)
    tamper_raw(
        scene.database_url,
        "UPDATE checkpoint_changes SET change = 'bogus' WHERE checkpoint_id = ?",
        named(scene, name).checkpoint_id,
    )


class _Collecting(logging.Handler):
    """Keeps every record it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@given('someone tampers with "{name:Q}": {damage}')
def tamper_with(context: Any, name: str, damage: str) -> None:
    """Damage one snapshot's rows as a buggy tool or an intruder could."""
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    if found := re.fullmatch(r'its parent becomes "([^"]*)"', damage):
        statement = "UPDATE checkpoints SET parent_id = ? WHERE id = ?"
        parameters: tuple[object, ...] = (named(scene, found[1]).checkpoint_id, checkpoint_id)
    elif damage == "its parent becomes a checkpoint that does not exist":
        statement = "UPDATE checkpoints SET parent_id = ? WHERE id = ?"
        parameters = ("0" * 26, checkpoint_id)
    elif found := re.fullmatch(r'its path "([^"]*)" becomes "([^"]*)"', damage):
        statement = "UPDATE checkpoint_changes SET path = ? WHERE checkpoint_id = ? AND path = ?"
        parameters = (found[2], checkpoint_id, found[1])
    elif found := re.fullmatch(r'the content of its "([^"]*)" is deleted', damage):
        statement = (
            "DELETE FROM blobs WHERE id = (SELECT content_hash FROM checkpoint_changes "
            "WHERE checkpoint_id = ? AND path = ?)"
        )
        parameters = (checkpoint_id, found[1])
    else:
        raise AssertionError(f"unknown damage {damage!r}")
    tamper_raw(scene.database_url, statement, *parameters)


@when('I snapshot the workspace for plan "{plan:Q}" as "{name:Q}", watching the rewind log')
def snapshot_watching_log(context: Any, plan: str, name: str) -> None:
    scene = world(context)
    handler = _Collecting()
    logger = logging.getLogger("rewind")
    logger.addHandler(handler)
    try:
        scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(plan, scene.workspace)
    finally:
        logger.removeHandler(handler)
    scene.log_records = handler.records


@then('the rewind log warns that retention after "{name:Q}" failed')
def log_warns(context: Any, name: str) -> None:
    scene = world(context)
    warnings = [record for record in scene.log_records if record.levelno == logging.WARNING]
    assert len(warnings) == 1, scene.log_records
    assert named(scene, name).checkpoint_id in warnings[0].getMessage(), warnings[0].getMessage()
    assert warnings[0].exc_info is not None


@when("I try to open a checkpoint service keeping by the policy {policy}")
def try_open_with_policy(context: Any, policy: str) -> None:
    scene = world(context)
    attempt(
        scene,
        lambda: CheckpointService.open(scene.database_url, retention=_policy(policy)),
        record_store=False,
    )


@given("a checkpoint service on the scenario's database keeping by the policy {policy}")
def service_with_retention(context: Any, policy: str) -> None:
    scene = world(context)
    open_service(scene, retention=_policy(policy))


def _kept_names(scene: World) -> set[str]:
    alive = _existing(scene)
    return {
        name for name, checkpoint in scene.checkpoints.items() if checkpoint.checkpoint_id in alive
    }


@then(
    "the kept checkpoints are the newest {count:d} snapshots, the labelled ones, the safety "
    "checkpoints and the head"
)
def kept_as_policy_says(context: Any, count: int) -> None:
    scene = world(context)
    history_names = [name for name in scene.checkpoints if name[0] == "s"]
    snapshots = [name for name in history_names if not name.startswith("safety")]
    expected = set(snapshots[-count:])
    expected |= {name for name in history_names if named(scene, name).label}
    expected.add(snapshots[-1])  # the head: every history ends with a snapshot
    kept = _kept_names(scene) & set(history_names)
    assert kept == expected, (sorted(kept - expected), sorted(expected - kept))


@then("every kept checkpoint restores exactly as it was taken")
def kept_restore_exactly(context: Any) -> None:
    scene = world(context)
    kept = _kept_names(scene)
    assert kept, "nothing was kept"
    for name in sorted(kept & scene.recorded.keys()):
        target = scene.directory / f"restored-{name}"
        scene.the_service.restore_into(named(scene, name).checkpoint_id, target)
        files, _directories = read_tree(target)
        assert files == scene.recorded[name][0], (
            name,
            sorted(set(files) ^ set(scene.recorded[name][0])),
        )
        remove_tree(target)


def _differing(first: Tree, second: Tree) -> list[str]:
    files, others = first[0], second[0]
    return sorted(
        path for path in files.keys() | others.keys() if files.get(path) != others.get(path)
    )


@then("every two kept checkpoints diff exactly as their files differ")
def kept_diff_exactly(context: Any) -> None:
    scene = world(context)
    kept = sorted(_kept_names(scene) & scene.recorded.keys())
    for first, second in list(combinations(kept, 2))[:60]:
        diff = scene.the_service.diff(
            named(scene, first).checkpoint_id, named(scene, second).checkpoint_id
        )
        expected = _differing(scene.recorded[first], scene.recorded[second])
        assert list(diff.paths) == expected, (first, second, diff.paths, expected)


@then("every kept snapshot names its nearest kept ancestor as its parent and diff base")
def kept_parents(context: Any) -> None:
    scene = world(context)
    parents = {
        checkpoint.checkpoint_id: checkpoint.parent_id for checkpoint in scene.checkpoints.values()
    }
    alive = _existing(scene)
    for name in _kept_names(scene):
        created = named(scene, name)
        expected = created.parent_id
        while expected is not None and expected not in alive:
            expected = parents[expected]
        stored = scene.the_service.get_checkpoint(created.checkpoint_id)
        assert stored.parent_id == expected, (name, stored.parent_id, expected)
        assert stored.metadata.extra["diff_base"] == expected, (name, stored.metadata.extra)


@then("the kept snapshots carry the diff paths, diff hash and tree hash they were taken with")
def kept_metadata(context: Any) -> None:
    scene = world(context)
    for name in _kept_names(scene):
        created = named(scene, name)
        stored = scene.the_service.get_checkpoint(created.checkpoint_id)
        for key in ("diff_paths", "diff_hash", "tree_hash", "checkpoint_hash", "diff_based"):
            assert stored.metadata.extra[key] == created.metadata.extra[key], (name, key)


@then("the store holds fewer bytes and blobs, exactly as the prune reported")
def store_shrank(context: Any) -> None:
    scene = world(context)
    report, before = scene.the_pruned, scene.the_stats_before
    after = scene.the_service.stats()
    assert report.bytes_freed > 0 and report.blobs_deleted > 0, report
    assert after.stored_bytes == before.stored_bytes - report.bytes_freed, (before, after, report)
    assert after.blobs == before.blobs - report.blobs_deleted, (before, after, report)
    assert after.checkpoints == before.checkpoints - len(report.deleted), (before, after)


@then("the prune reported {deleted:d} deleted and {kept:d} kept")
def prune_counts(context: Any, deleted: int, kept: int) -> None:
    report = world(context).the_pruned
    assert (len(report.deleted), report.kept) == (deleted, kept), report


@then("the dry run reported what the prune then deletes")
def dry_run_matches(context: Any) -> None:
    scene = world(context)
    dry = scene.the_pruned
    assert dry.dry_run and dry.deleted, dry
    real = scene.the_service.prune(_policy(scene.pruned_policy))
    assert real.model_copy(update={"dry_run": True}) == dry, (real, dry)


@then('checkpoint "{name:Q}" is kept')
def is_kept(context: Any, name: str) -> None:
    assert name in _kept_names(world(context)), name


@then('checkpoint "{name:Q}" is deleted')
def is_deleted(context: Any, name: str) -> None:
    assert name not in _kept_names(world(context)), name


@then("{count:d} checkpoints are kept")
def kept_count(context: Any, count: int) -> None:
    kept = world(context).the_service.list_checkpoints()
    assert len(kept) == count, [checkpoint.label for checkpoint in kept]


@then('plan "{plan:Q}" keeps {count:d} checkpoint')
def plan_keeps(context: Any, plan: str, count: int) -> None:
    assert len(world(context).the_service.list_checkpoints(plan)) == count


@then("no safety checkpoint is kept")
def no_safety(context: Any) -> None:
    assert world(context).the_service.list_checkpoints(checkpoint_type="safety") == []


@when(
    'I snapshot the workspace for plan "{plan:Q}" as "{name:Q}" while another service prunes '
    'plan "{pruned:Q}" with {policy} after my scan'
)
def snapshot_overtaken_by_prune(
    context: Any, plan: str, name: str, pruned: str, policy: str
) -> None:
    """A prune commits between this snapshot's scan and its write transaction."""
    scene = world(context)
    original = WorkspaceScanner.scan
    pruned_ids: list[str] = []

    def overtaken(scanner: WorkspaceScanner, root: Any) -> ScanResult:
        result = original(scanner, root)
        if not pruned_ids:
            with CheckpointService.open(scene.database_url) as other:
                pruned_ids.extend(other.prune(_policy(policy), plan_id=pruned).deleted or ("",))
        return result

    rewind.workspace.scan.WorkspaceScanner.scan = overtaken  # type: ignore[method-assign,assignment]
    try:
        scene.checkpoints[name] = scene.the_service.create_workspace_snapshot(plan, scene.workspace)
    finally:
        rewind.workspace.scan.WorkspaceScanner.scan = original  # type: ignore[method-assign]
    scene.recorded[name] = read_tree(scene.workspace)
    assert pruned_ids and pruned_ids[0], "the prune deleted nothing"


@when(
    '{threads:d} threads snapshot and roll back their own workspaces of plan "{plan:Q}" '
    '{rounds:d} times while another service prunes plan "{pruned:Q}" with {policy} after each '
    "of their snapshots"
)
def threads_with_prune(  # noqa: PLR0917 - behave passes each field of the step as an argument
    context: Any, threads: int, plan: str, rounds: int, pruned: str, policy: str
) -> None:
    scene = world(context)
    service = scene.the_service
    lock = threading.Lock()
    pruner = CheckpointService.open(scene.database_url)
    scene.services.append(pruner)

    def work(worker: int) -> None:
        rng = random.Random(worker)
        workspace = scene.directory / f"worker-{worker}"
        workspace.mkdir()
        mine: list[str] = []
        try:
            for step in range(rounds):
                if step > 2 and step % 4 == 0:
                    alive = {
                        checkpoint.checkpoint_id for checkpoint in service.list_checkpoints(plan)
                    }
                    targets = [name for name in mine if named(scene, name).checkpoint_id in alive]
                    if targets:
                        target = rng.choice(targets)
                        service.rollback_to_checkpoint(named(scene, target).checkpoint_id)
                _edit(workspace, rng, step)
                checkpoint = service.create_workspace_snapshot(plan, workspace)
                tree = read_tree(workspace)
                name = f"w{worker}-{step}"
                with lock:
                    scene.checkpoints[name] = checkpoint
                    scene.recorded[name] = tree
                mine.append(name)
                pruner.prune(_policy(policy), plan_id=pruned)
        except Exception as exc:
            scene.thread_failures.append(exc)

    workers = [threading.Thread(target=work, args=(number,)) for number in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


@then("no thread failed")
def no_thread_failed(context: Any) -> None:
    failures = world(context).thread_failures
    assert not failures, failures


# The child snapshots its own workspace, each time writing files whose contents follow from
# the step number, and prints each snapshot's id with the files it held.
SNAPSHOTTING_PROCESS = """
import json, pathlib, sys
from rewind import CheckpointService
url, plan, directory, count = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), int(sys.argv[4])
directory.mkdir()
with CheckpointService.open(url) as service:
    for step in range(count):
        (directory / f"f{step % 5}.txt").write_text(f"step {step}\\n" * (step + 1))
        if step % 3 == 2:
            (directory / f"f{(step + 1) % 5}.txt").unlink(missing_ok=True)
        files = {path.name: path.read_text() for path in directory.iterdir()}
        checkpoint = service.create_workspace_snapshot(plan, directory)
        print(json.dumps([checkpoint.checkpoint_id, files]), flush=True)
"""


@when(
    'a separate process takes {count:d} snapshots of its own workspace for plan "{plan:Q}" '
    'while I prune plan "{pruned:Q}" with {policy} after each of them'
)
def process_with_prune(context: Any, count: int, plan: str, pruned: str, policy: str) -> None:
    scene = world(context)
    arguments = [scene.database_url, plan, str(scene.directory / "process-workspace"), str(count)]
    child = subprocess.Popen(
        [sys.executable, "-c", SNAPSHOTTING_PROCESS, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    made: dict[str, dict[str, str]] = {}
    for line in child.stdout:
        checkpoint_id, files = json.loads(line)
        made[checkpoint_id] = files
        scene.the_service.prune(_policy(policy), plan_id=pruned)
    _out, errors = child.communicate()
    assert child.returncode == 0, errors
    assert len(made) == count, made
    scene.process_snapshots = made


@then("every snapshot the process kept restores exactly as it was taken")
def process_snapshots_restore(context: Any) -> None:
    scene = world(context)
    alive = _existing(scene)
    kept = [checkpoint_id for checkpoint_id in scene.process_snapshots if checkpoint_id in alive]
    assert kept, "the process kept nothing"
    for checkpoint_id in kept:
        target = scene.directory / f"restored-{checkpoint_id}"
        scene.the_service.restore_into(checkpoint_id, target)
        files = {path.name: path.read_text() for path in target.iterdir()}
        assert files == scene.process_snapshots[checkpoint_id], checkpoint_id


@then(
    'the statistics of plan "{plan:Q}" count its {count:d} checkpoints and the bytes of their trees'
)
def plan_statistics(context: Any, plan: str, count: int) -> None:
    scene = world(context)
    stats = scene.the_service.stats(plan)
    names = [name for name, checkpoint in scene.checkpoints.items() if checkpoint.plan_id == plan]
    tree_bytes = sum(
        len(content) for name in names for _kind, content, _mode in scene.recorded[name][0].values()
    )
    assert (stats.checkpoints, stats.snapshots, stats.tree_bytes) == (count, count, tree_bytes), (
        stats
    )
    assert [entry.plan_id for entry in stats.plans] == [plan], stats.plans
    assert (
        stats.plans[0].tree_bytes == tree_bytes
        and stats.plans[0].stored_bytes == stats.stored_bytes
    )


@then("the statistics of the store add up its plans")
def store_statistics(context: Any) -> None:
    stats = world(context).the_service.stats()
    assert stats.checkpoints == sum(plan.checkpoints for plan in stats.plans), stats
    assert stats.tree_bytes == sum(plan.tree_bytes for plan in stats.plans), stats
    assert stats.stored_bytes <= sum(plan.stored_bytes for plan in stats.plans), stats


@then("the store's trees take more bytes than it stores")
def store_ratio(context: Any) -> None:
    stats = world(context).the_service.stats()
    assert stats.ratio > 1 and stats.tree_bytes > stats.content_bytes, stats


# The child wraps one method so that the process kills itself right after it returns: a real
# SIGKILL at a chosen point of the prune, with no cleanup of any kind.
KILLED_PRUNE = """
import os, signal, sys
from datetime import timedelta
from rewind import CheckpointService, RetentionPolicy
from rewind.storage.blobs import SqlBlobRepository
from rewind.storage.checkpoints import SqlCheckpointRepository
from rewind.storage.unit_of_work import SqlUnitOfWork
url, owner, method, keep_last = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
target = {
    "checkpoints": SqlCheckpointRepository,
    "blobs": SqlBlobRepository,
    "unit of work": SqlUnitOfWork,
}[owner]
real = getattr(target, method)
def dying(*args, **kwargs):
    result = real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
    return result
setattr(target, method, dying)
CheckpointService.open(url).prune(RetentionPolicy(keep_last=keep_last))
"""

PRUNE_MOMENTS = {
    "after folding the first deleted run": ("checkpoints", "repoint"),
    "after deleting the checkpoints": ("checkpoints", "delete"),
    "after deleting the contents": ("blobs", "delete_unused"),
    "right after it commits": ("unit of work", "commit"),
}


@when("a process pruning with keep_last={keep_last:d} is killed {moment}")
def killed_prune(context: Any, keep_last: int, moment: str) -> None:
    scene = world(context)
    if scene.store_before is None:
        scene.store_before = store_contents(scene)
    owner, method = PRUNE_MOMENTS[moment]
    result = subprocess.run(
        [sys.executable, "-c", KILLED_PRUNE, scene.database_url, owner, method, str(keep_last)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr)


@then("the store holds the checkpoints the dry run kept")
def store_as_dry_run_said(context: Any) -> None:
    scene = world(context)
    assert scene.store_before is not None
    before = {checkpoint.checkpoint_id for checkpoint in scene.store_before[1]}
    expected = before - set(scene.the_pruned.deleted)
    assert _existing(scene) == expected, sorted(_existing(scene) ^ expected)


@when("I try to make the retention policy {policy}")
def try_policy(context: Any, policy: str) -> None:
    key, _, value = policy.partition("=")
    fields: dict[str, object] = {key: value}
    if key in ("keep_within", "safety_within"):
        fields[key] = timedelta(**{_UNITS[value[-1]]: int(value[:-1])})
    elif value.lstrip("-").isdigit():
        fields[key] = int(value)
    attempt(world(context), lambda: RetentionPolicy(**fields))  # type: ignore[arg-type]


@then("the error is an InvalidInputError whose cause is pydantic's ValidationError")
def error_caused_by_validation(context: Any) -> None:
    error = world(context).error
    assert isinstance(error, InvalidInputError), repr(error)
    assert isinstance(error.__cause__, ValidationError), repr(error.__cause__)


@when("I prune to a budget of {fraction} of the bytes the store holds")
def prune_to_budget(context: Any, fraction: str) -> None:
    scene = world(context)
    share = {"half": 0.5, "a tenth": 0.1, "twice": 2.0, "one byte": 0.0}[fraction]
    stored = scene.the_service.stats().stored_bytes
    context.budget = max(1, int(stored * share))
    _prune(scene, f"max_bytes={context.budget}")


@then("the store holds at most the budget")
def within_budget(context: Any) -> None:
    stored = world(context).the_service.stats().stored_bytes
    assert stored <= context.budget, (stored, context.budget)


@then("every checkpoint deleted is older than every snapshot kept but the labelled and the head")
def oldest_went(context: Any) -> None:
    scene = world(context)
    deleted = scene.the_pruned.deleted
    assert deleted, "nothing was deleted"
    kept = [
        checkpoint
        for checkpoint in scene.the_service.list_checkpoints()
        if not checkpoint.label and checkpoint.checkpoint_type.value != "safety"
    ]
    heads = {checkpoint.checkpoint_id for checkpoint in kept[:1]}  # the newest is the head
    younger = [c.checkpoint_id for c in kept if c.checkpoint_id not in heads]
    assert max(deleted) < min(younger, default="~"), (max(deleted), min(younger, default=None))
