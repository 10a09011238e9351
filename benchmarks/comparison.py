"""rewind beside shadow git on one tree size: measurements 1 to 5, and 10 (verify).

Each repetition runs every contender in turn (rewind, git, rewind, git...), each on a fresh
copy of the template with a fresh store, through the same cycle:

1. first snapshot (empty store or repository);
2. no-change snapshot, right after it;
3. modify 50 files and add 3, roll back to the first snapshot, and check the tree is back
   (a broken rollback raises instead of giving a fast number);
4. append a line to 10 files and snapshot;
5. four more such 10-file snapshots, add 3 files, and roll back to the first snapshot across
   that history (checked): the rollback a user of an agent makes after a few tool calls.

The rollback of step 3 comes before the 10-file snapshot so that it undoes exactly 50
modified and 3 added files, with the head's tree equal to the target's; the one of step 5
must find what differs along the history. The bytes stored are measured once per contender
in a run of their own: a first snapshot and 5 snapshots of 10 modified files each.
"""

from __future__ import annotations

import random
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from contenders import Checkpointer, RewindCheckpointer
from figures import ContenderFigures, SizeComparison, VerifyFigures
from workloads import (
    Fingerprint,
    TreeTemplate,
    add_files,
    append_lines,
    copy_template,
    fingerprint,
)

__all__ = ["ChangePlan", "Contender", "compare_on_tree"]

INCREMENTAL_SNAPSHOTS = 5
TEN = 10
ROLLBACK_MODIFIED = 50
ROLLBACK_ADDED = 3
SECONDS_TO_MS = 1000.0


@dataclass(frozen=True, slots=True)
class Contender:
    """A checkpointer to measure, and how to open one on a workspace.

    ``open`` takes the workspace and a scratch directory for the contender's store or
    repository, and returns a checkpointer whose ``close`` and ``discard`` clean up.
    """

    label: str
    open: Callable[[Path, Path], Checkpointer]


@dataclass(frozen=True, slots=True)
class ChangePlan:
    """The files one repetition changes: the same for every contender in it."""

    rollback_modified: list[str]
    added: list[str]
    ten_modified: list[str]
    later_modified: list[list[str]]
    marker: str

    @classmethod
    def draw(cls, rng: random.Random, template: TreeTemplate, marker: str) -> ChangePlan:
        """Pick files of ``template`` (never its ``.gitignore``) at random."""
        candidates = [path for path in template.tracked_files if path != ".gitignore"]
        rollback_modified = rng.sample(candidates, ROLLBACK_MODIFIED)
        added = [
            f"{rng.choice(candidates).rpartition('/')[0]}/bench_added_{index}.py"
            for index in range(ROLLBACK_ADDED)
        ]
        ten = rng.sample(candidates, TEN)
        later = [rng.sample(candidates, TEN) for _ in range(INCREMENTAL_SNAPSHOTS - 1)]
        return cls(rollback_modified, added, ten, later, marker)

    @property
    def history_touched(self) -> list[str]:
        """Every path steps 4 and 5 change or add."""
        later = [path for paths in self.later_modified for path in paths]
        return sorted({*self.ten_modified, *later, *self.added})


def compare_on_tree(
    template: TreeTemplate,
    contenders: list[Contender],
    *,
    repeat: int,
    seed: int,
    scratch: Path,
    verify_repeat: int,
) -> tuple[SizeComparison, list[VerifyFigures]]:
    """Run ``repeat`` alternating repetitions, then one storage run per contender.

    Args:
        template: The tree every run copies.
        contenders: Who to measure, in the order each repetition runs them.
        repeat: How many repetitions.
        seed: Chooses the files each repetition changes.
        scratch: A directory for workspaces and stores, emptied as runs end.
        verify_repeat: How many times to time ``verify()`` in rewind's storage runs (0: none).

    Returns:
        The figures of every contender, and rewind's ``verify()`` figures.
    """
    comparison = SizeComparison(
        template.shape.files, len(template.tracked_files), template.tracked_bytes
    )
    for contender in contenders:
        comparison.contenders[contender.label] = ContenderFigures()
    for repetition in range(repeat):
        rng = random.Random(f"{seed}:{template.shape.name}:{repetition}")
        plan = ChangePlan.draw(rng, template, f"# benchmark change {repetition}")
        expected = fingerprint(template.path, plan.rollback_modified + plan.added)
        expected_after_history = fingerprint(template.path, plan.history_touched)
        for contender in contenders:
            _progress(
                f"{template.shape.name}: repetition {repetition + 1}/{repeat}, {contender.label}"
            )
            figures = comparison.contenders[contender.label]
            with _Run(template, contender, scratch / f"run-{repetition}") as run:
                _measure_cycle(run, plan, (expected, expected_after_history), figures)
    verifications: list[VerifyFigures] = []
    for contender in contenders:
        _progress(f"{template.shape.name}: bytes stored, {contender.label}")
        with _Run(template, contender, scratch / "storage") as run:
            verification = _measure_storage(run, seed, verify_repeat)
        comparison.contenders[contender.label].stored_bytes.samples.append(run.stored_bytes)
        if verification is not None:
            verifications.append(verification)
    return comparison, verifications


class _Run:
    """One contender on one fresh copy of the template, with a fresh store."""

    def __init__(self, template: TreeTemplate, contender: Contender, scratch: Path) -> None:
        self.template = template
        self.scratch = scratch
        self.workspace = copy_template(template, scratch / "workspace")
        self.checkpointer = contender.open(self.workspace, scratch / "store")
        self.stored_bytes = 0

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.checkpointer.close()
            self.stored_bytes = self.checkpointer.stored_bytes()
            self.checkpointer.discard()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def first_snapshot(self) -> tuple[str, float]:
        """Snapshot, and check the snapshot tracked exactly the template's tracked files."""
        reference, seconds = self.checkpointer.snapshot("first")
        recorded = self.checkpointer.first_snapshot_paths(reference)
        expected = set(self.template.tracked_files)
        if recorded != expected:
            raise AssertionError(
                f"{self.checkpointer.label} tracked {len(recorded)} paths, expected "
                f"{len(expected)}: extra {sorted(recorded - expected)[:5]}, "
                f"missing {sorted(expected - recorded)[:5]}"
            )
        return reference, seconds


def _measure_cycle(
    run: _Run,
    plan: ChangePlan,
    expected: tuple[Fingerprint, Fingerprint],
    figures: ContenderFigures,
) -> None:
    """First, no-change, rollback of 50 + 3 files, 10-file snapshots, rollback across them."""
    checkpointer = run.checkpointer
    first, seconds = run.first_snapshot()
    figures.first_snapshot.samples.append(seconds * SECONDS_TO_MS)
    _reference, seconds = checkpointer.snapshot("no change")
    figures.no_change_snapshot.samples.append(seconds * SECONDS_TO_MS)
    append_lines(run.workspace, plan.rollback_modified, plan.marker)
    add_files(run.workspace, plan.added)
    seconds = checkpointer.rollback(first)
    if fingerprint(run.workspace, plan.rollback_modified + plan.added) != expected[0]:
        raise AssertionError(f"{checkpointer.label}: the rollback did not restore the tree")
    figures.rollback.samples.append(seconds * SECONDS_TO_MS)
    append_lines(run.workspace, plan.ten_modified, plan.marker)
    _reference, seconds = checkpointer.snapshot("ten files")
    figures.ten_file_snapshot.samples.append(seconds * SECONDS_TO_MS)
    for step, paths in enumerate(plan.later_modified):
        append_lines(run.workspace, paths, plan.marker)
        checkpointer.snapshot(f"ten files, {step + 2}")
    add_files(run.workspace, plan.added)
    seconds = checkpointer.rollback(first)
    if fingerprint(run.workspace, plan.history_touched) != expected[1]:
        raise AssertionError(f"{checkpointer.label}: the rollback across history was not exact")
    figures.rollback_across_history.samples.append(seconds * SECONDS_TO_MS)


def _measure_storage(run: _Run, seed: int, verify_repeat: int) -> VerifyFigures | None:
    """A first snapshot, then 5 of 10 modified files each; time ``verify()`` after the first."""
    rng = random.Random(f"{seed}:{run.template.shape.name}:storage")
    candidates = [path for path in run.template.tracked_files if path != ".gitignore"]
    run.first_snapshot()
    verification = None
    checkpointer = run.checkpointer
    if verify_repeat and isinstance(checkpointer, RewindCheckpointer):
        verification = _measure_verify(checkpointer, run.template, verify_repeat)
    for step in range(INCREMENTAL_SNAPSHOTS):
        append_lines(run.workspace, rng.sample(candidates, TEN), f"# storage step {step}")
        checkpointer.snapshot(f"step {step}")
    return verification


def _measure_verify(
    checkpointer: RewindCheckpointer, template: TreeTemplate, repeat: int
) -> VerifyFigures:
    """Time ``verify()`` of the whole store ``repeat`` times; fail loudly if it finds problems."""
    service = checkpointer.service
    figures = VerifyFigures(
        checkpointer.backend, template.shape.files, service.stats().content_bytes
    )
    for _ in range(repeat):
        started = time.perf_counter()
        report = service.verify()
        figures.seconds.samples.append(time.perf_counter() - started)
        if not report.ok:
            raise AssertionError(f"verify() found problems: {report.problems[:3]}")
    return figures


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)
