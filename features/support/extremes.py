"""Extreme values for every public callable: the service, the models, the WorkspaceSaver.

``EXTREMES`` are the values a careless or hostile caller passes: 0, -1, huge and hugely
negative numbers, a fraction, NaN, empty and huge text, None, bytes, a bare object, an empty
list and an empty mapping (and, where a duration is expected, a negative one and the largest
one). A ``Call`` is one public callable with fresh valid arguments; ``sweep`` gives it each
extreme value for one parameter at a time, the others staying valid, and records what came
out. ``support.odd_commands`` does the same for the command line.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import math
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.memory import InMemorySaver
from pydantic import BaseModel

import rewind
from rewind import (
    AgentCall,
    AsyncCheckpointService,
    ChangeCounts,
    Checkpoint,
    CheckpointService,
    CheckpointType,
    ConversationFork,
    FileLines,
    KeepReason,
    KeptPath,
    OnError,
    RetentionPolicy,
    SessionSummary,
    ToolCallSummary,
    Trigger,
    TurnSummary,
    VerifyProblem,
    WatchOptions,
    WatchReport,
)
from rewind.langgraph import WorkspaceSaver
from rewind.service import DATABASE_URL_VARIABLE
from support.sweep import Outcome, run

Arguments = dict[str, Any]
AGENT_CALL = {
    "agent": "claude-code",
    "session_id": "session-1",
    "turn": "prompt-1",
    "prompt": "fix the tests",
    "tool": "Bash",
    "tool_summary": "npm test",
    "transcript_path": "/home/user/.claude/projects/-w/session-1.jsonl",
}
"""A valid ``AgentCall``'s fields."""
PLAN = "extremes"
RETENTION_PLAN = "extremes-retention"
"""The plan the services opened with an extreme retention policy snapshot into."""
MESSAGE_SHOWN = 300


@dataclass(frozen=True)
class Extreme:
    """A value to pass, made afresh for each call, and how an offender names it."""

    label: str
    make: Callable[[], object]


EXTREMES = (
    Extreme("0", lambda: 0),
    Extreme("-1", lambda: -1),
    Extreme("10**30", lambda: 10**30),
    Extreme("-(10**30)", lambda: -(10**30)),
    Extreme("1.5", lambda: 1.5),
    Extreme("nan", lambda: math.nan),
    Extreme("''", lambda: ""),
    Extreme("'x'*100_000", lambda: "x" * 100_000),
    Extreme("None", lambda: None),
    Extreme("b'bytes'", lambda: b"bytes"),
    Extreme("object()", object),
    Extreme("[]", list),
    Extreme("{}", dict),
)
DURATION_EXTREMES = (
    Extreme("timedelta(days=-1)", lambda: timedelta(days=-1)),
    Extreme("timedelta.max", lambda: timedelta.max),
)
"""Given too, in place of a parameter whose valid value is a duration."""


@dataclass(frozen=True)
class Call:
    """One public callable, and a fresh set of valid arguments for each call of it.

    Its parameters are the names ``arguments()`` returns, plus ``nested``: dotted paths into a
    mapping argument (``config.configurable.thread_id``). ``more`` adds values for some
    parameters (retention policies an extreme field still makes, for a ``policy``).
    """

    name: str
    function: Callable[..., object]
    arguments: Callable[[], Arguments]
    nested: tuple[str, ...] = ()
    more: Mapping[str, tuple[Extreme, ...]] = field(default_factory=dict)

    def cases(self) -> Iterator[tuple[str, Extreme]]:
        """Each parameter with each value to put in its place."""
        valid = self.arguments()
        for parameter in (*valid, *self.nested):
            values = EXTREMES + self.more.get(parameter, ())
            if isinstance(_at(valid, parameter), timedelta):
                values += DURATION_EXTREMES
            for extreme in values:
                yield parameter, extreme

    def with_valid_arguments(self) -> BaseException | None:
        """Call it with valid arguments only; return what it raised, or None."""
        arguments = self.arguments()
        return run(lambda: self.function(**arguments))

    def with_extreme(self, parameter: str, extreme: Extreme) -> Outcome:
        """Call it with ``extreme`` for ``parameter``; say what came out."""
        arguments = self.arguments()
        _put(arguments, parameter, extreme.make())
        error = run(lambda: self.function(**arguments))
        return Outcome(f"{self.name}({parameter}={extreme.label})", "extreme values", error)


def _at(arguments: Arguments, path: str) -> object:
    value: Any = arguments
    for key in path.split("."):
        value = value[key]
    return value


def _put(arguments: Arguments, path: str, value: object) -> None:
    *parents, last = path.split(".")
    target: Any = arguments
    for key in parents:
        target = target[key]
    target[last] = value


def sweep(calls: list[Call]) -> list[Outcome]:
    """Give every call each extreme value, one parameter at a time; return what came out.

    Each call is first made with valid arguments only: if that fails, the sweep is wrong,
    not the call, and it stops with an ``AssertionError``.
    """
    outcomes: list[Outcome] = []
    for call in calls:
        if (error := call.with_valid_arguments()) is not None:
            raise AssertionError(f"{call.name} failed with valid arguments: {error!r:.300}")
        outcomes += [call.with_extreme(*case) for case in call.cases()]
    return outcomes


def offence(outcome: Outcome) -> str:
    """``callable(param=value) raised TypeName: message``, on one line."""
    message = " ".join(str(outcome.error).split())
    return f"{outcome.operation} raised {type(outcome.error).__name__}: {message:.{MESSAGE_SHOWN}}"


@contextmanager
def working_in(directory: Path, database_url: str) -> Iterator[None]:
    """Run with ``directory`` as the current directory and the scenario's store the default.

    So a value that means "here" (an empty path) or "the default store" (no URL) stays inside
    the scenario instead of reaching the directory the suite was started in.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "not-empty.txt").write_text("so nothing is restored here\n")
    before, default = Path.cwd(), os.environ.get(DATABASE_URL_VARIABLE)
    os.chdir(directory)
    os.environ[DATABASE_URL_VARIABLE] = database_url
    try:
        yield
    finally:
        os.chdir(before)
        if default is None:
            del os.environ[DATABASE_URL_VARIABLE]
        else:
            os.environ[DATABASE_URL_VARIABLE] = default


# -- the service ------------------------------------------------------------------------------


def _policy_arguments() -> Arguments:
    return {"keep_last": 1000}


def policy_extremes() -> tuple[Extreme, ...]:
    """Every retention policy that an extreme value for one of its fields still makes."""
    made: list[Extreme] = []
    for name in RetentionPolicy.model_fields:
        values = EXTREMES + (DURATION_EXTREMES if "within" in name else ())
        for extreme in values:
            arguments = {**_policy_arguments(), name: extreme.make()}
            if run(partial(RetentionPolicy, **arguments)) is None:
                labels = {key: repr(value) for key, value in _policy_arguments().items()}
                labels[name] = extreme.label
                shown = ", ".join(f"{key}={label}" for key, label in labels.items())
                made.append(
                    Extreme(f"RetentionPolicy({shown})", partial(RetentionPolicy, **arguments))
                )
    return tuple(made)


def service_calls(
    service: CheckpointService, first: Checkpoint, second: Checkpoint, scratch: Path
) -> list[Call]:
    """Every public method of ``service``, aimed at the workspace of ``first`` and ``second``."""
    workspace = Path(first.sandbox_ref)
    k1, k2 = first.checkpoint_id, second.checkpoint_id
    targets = (scratch / f"restored-{index}" for index in itertools.count())
    policy = RetentionPolicy(**_policy_arguments())
    return [
        Call(
            "create_checkpoint",
            service.create_checkpoint,
            lambda: {
                "plan_id": PLAN,
                "sandbox_ref": "sandbox",
                "decision_id": "d-1",
                "checkpoint_type": CheckpointType.MANUAL,
                "metadata": {"reason": "why", "extra": {"n": 1}},
                "label": "label",
            },
        ),
        Call(
            "create_workspace_snapshot",
            service.create_workspace_snapshot,
            lambda: {
                "plan_id": PLAN,
                "sandbox_ref": workspace,
                "decision_id": "d-1",
                "reason": "why",
                "source_tool": "tool",
                "phase": "phase",
                "agent_call": dict(AGENT_CALL),
                "extra": {"n": 1},
                "checkpoint_type": CheckpointType.PRE_DECISION,
                "label": "label",
            },
        ),
        Call("get_checkpoint", service.get_checkpoint, lambda: {"checkpoint_id": k1}),
        Call(
            "list_checkpoints",
            service.list_checkpoints,
            lambda: {
                "plan_id": PLAN,
                "decision_id": "d-1",
                "checkpoint_type": "pre_decision",
                "limit": 10,
                "before": k2,
                "session_id": AGENT_CALL["session_id"],
            },
        ),
        Call("diff", service.diff, lambda: {"from_checkpoint_id": k1, "to_checkpoint_id": k2}),
        Call(
            "rollback_to_checkpoint",
            service.rollback_to_checkpoint,
            lambda: {"checkpoint_id": k1, "dry_run": False},
        ),
        Call(
            "restore_into",
            service.restore_into,
            lambda: {"checkpoint_id": k2, "target_dir": next(targets)},
        ),
        Call(
            "fork_conversation",
            service.fork_conversation,
            lambda: {
                "workspace": workspace,
                "turn": "2",  # of the session the sweep adds (its transcript too)
                "new_session_id": "5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b",
                "dry_run": True,
            },
        ),
        Call("verify", service.verify, lambda: {"checkpoint_id": k1}),
        Call(
            "prune",
            service.prune,
            lambda: {"policy": policy, "plan_id": PLAN, "dry_run": True},
            more={"policy": policy_extremes()},
        ),
        Call("stats", service.stats, lambda: {"plan_id": PLAN}),
        Call("resolve_checkpoint_id", service.resolve_checkpoint_id, lambda: {"id_or_prefix": k1}),
        Call(
            "guard",
            partial(_guarded, service),
            lambda: {
                "plan_id": PLAN,
                "workspace": workspace,
                "decision_id": "d-1",
                "source_tool": "tool",
                "on_error": OnError.ROLLBACK,
                "triggers": "before_tool, after_tool, on_error",
            },
        ),
    ]


def _guarded(service: CheckpointService, **arguments: Any) -> None:
    """Enter and leave the guard ``service.guard(**arguments)`` makes, around nothing."""
    with service.guard(**arguments):
        pass


def opening_call(service_kind: str, database_url: str, workspace: Path) -> Call:
    """``CheckpointService.open`` (or the async one's), then a snapshot, then ``close``.

    The snapshot applies the retention policy the service was opened with.
    """
    if service_kind == "async":
        name = "AsyncCheckpointService.open"

        def opened(**arguments: Any) -> None:
            asyncio.run(_opened_async(workspace, arguments))
    else:
        name = "CheckpointService.open"

        def opened(**arguments: Any) -> None:
            with CheckpointService.open(**arguments) as service:
                service.create_workspace_snapshot(RETENTION_PLAN, workspace)

    return Call(
        name,
        opened,
        lambda: {
            "url": database_url,
            "create": True,
            "retention": RetentionPolicy(keep_last=1000),
            "watch": False,
        },
        more={"retention": policy_extremes()},
    )


async def _opened_async(workspace: Path, arguments: Arguments) -> None:
    async with await AsyncCheckpointService.open(**arguments) as service:
        await service.create_workspace_snapshot(RETENTION_PLAN, workspace)


# -- the models and Trigger.parse -------------------------------------------------------------


def public_models() -> list[type[BaseModel]]:
    """Every pydantic model ``rewind`` exports."""
    exported = (getattr(rewind, name) for name in rewind.__all__)
    return [item for item in exported if isinstance(item, type) and issubclass(item, BaseModel)]


def model_samples(
    service: CheckpointService, database_url: str, first: Checkpoint, second: Checkpoint
) -> list[BaseModel]:
    """One valid instance of each public model, most of them made by ``service``."""
    upgrade = rewind.upgrade_schema(database_url)
    manifest = service.diff(first.checkpoint_id, second.checkpoint_id)
    stats = service.stats()
    problem = VerifyProblem(checkpoint_id=first.checkpoint_id, path="a", blob="0" * 64, message="m")
    return [
        first,
        first.metadata,
        manifest,
        manifest.entries[0],
        service.rollback_to_checkpoint(first.checkpoint_id, dry_run=True),
        service.verify(),
        problem,
        stats,
        stats.plans[0],
        service.prune(RetentionPolicy(keep_last=1000), dry_run=True),
        RetentionPolicy(
            keep_last=3,
            keep_within=timedelta(days=7),
            keep_labelled=True,
            keep_types=frozenset({CheckpointType.MANUAL}),
            safety_within=timedelta(hours=1),
            max_bytes=10**9,
        ),
        upgrade,
        upgrade.status,
        WatchOptions(
            paranoid=True,
            allow_remote=True,
            full_scan_every=10,
            full_scan_after=timedelta(minutes=1),
        ),
        WatchReport(
            watching=1,
            directories=2,
            watched_snapshots=3,
            full_scans=1,
            full_scan_reasons={"first scan": 1},
        ),
        KeptPath(path="node_modules/left-pad/index.js", reason=KeepReason.IGNORED),
        FileLines(path="src/app.py", lines_added=3, lines_removed=1),
        AgentCall(**AGENT_CALL),
        *_session_samples(first, second),
    ]


def _session_samples(first: Checkpoint, second: Checkpoint) -> list[BaseModel]:
    """A session of one turn with one tool call, as list_sessions gives it, and its parts;
    a fork of a conversation, as fork_conversation gives it."""
    counts = ChangeCounts(files_changed=1, lines_added=2, lines_removed=1)
    call = ToolCallSummary(
        checkpoint_id=second.checkpoint_id,
        created_at=second.created_at,
        tool="Bash",
        tool_summary="npm test",
        changes=counts,
    )
    turn = TurnSummary(
        turn="1",
        prompt="Fix the failing test",
        started_at=first.created_at,
        first_checkpoint_id=first.checkpoint_id,
        last_checkpoint_id=second.checkpoint_id,
        ended=True,
        changes=counts,
        tool_calls=(call,),
    )
    session = SessionSummary(
        session_id="abc123",
        agent="claude-code",
        sandbox_ref=first.sandbox_ref,
        started_at=first.created_at,
        last_at=second.created_at,
        checkpoints=2,
        turns=(turn,),
    )
    fork = ConversationFork(
        agent="claude-code",
        session_id="00893aaf-19fa-41d2-8238-13269b9b3ca0",
        new_session_id="5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b",
        turn="cf71541a-0338-4f6c-8808-d3101af99524",
        prompt="Fix the failing test",
        transcript_path="/home/user/.claude/projects/-w/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl",
        new_transcript_path="/home/user/.claude/projects/-w/5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b.jsonl",
        lines=12,
        dry_run=True,
    )
    return [counts, call, turn, session, fork]


def model_calls(samples: list[BaseModel]) -> list[Call]:
    """Each public model's constructor, with a sample's fields as the valid arguments."""
    by_class = {type(sample): sample for sample in samples}
    missing = [model.__name__ for model in public_models() if model not in by_class]
    assert not missing, f"no sample of the public models {missing}"
    calls = [
        Call(
            model.__name__,
            model,
            partial(_fields_of, by_class[model]),
        )
        for model in public_models()
    ]
    calls.append(Call("Trigger.parse", Trigger.parse, lambda: {"value": "before_tool, on_error"}))
    return calls


def _fields_of(sample: BaseModel) -> Arguments:
    return {name: getattr(sample, name) for name in type(sample).model_fields}


# -- the WorkspaceSaver -----------------------------------------------------------------------

_CONFIG_KEYS = ("thread_id", "checkpoint_ns", "checkpoint_id")
_SAVER_METHODS = (
    "find_checkpoint",
    "restore_files",
    "get_tuple",
    "list",
    "put",
    "put_writes",
    "get_delta_channel_history",
)
"""The public methods of ``WorkspaceSaver`` that take a config; each has an ``a...`` twin."""


class FreshSaver:
    """A new ``WorkspaceSaver`` for each call, over a new ``InMemorySaver`` holding one step.

    What an extreme value leaves in the wrapped saver (a task id that is a number, say) then
    never disturbs the next call. ``arguments`` makes the saver; ``method`` calls it.
    """

    def __init__(self, service: CheckpointService, workspace: Path) -> None:
        self.service = service
        self.workspace = workspace
        self.saver: WorkspaceSaver | None = None

    def arguments(self, name: str) -> Arguments:
        """Make the next call's saver; return valid arguments for its method ``name``."""
        self.saver = WorkspaceSaver(InMemorySaver(), self.service, self.workspace)
        config: RunnableConfig = {"configurable": {"thread_id": "thread-1", "checkpoint_ns": ""}}
        stored = self.saver.put(config, empty_checkpoint(), {"source": "input", "step": -1}, {})
        arguments: Arguments = {"config": copy.deepcopy(dict(stored))}
        if name == "put":
            arguments |= {
                "checkpoint": empty_checkpoint(),
                "metadata": {"source": "loop", "step": 0},
                "new_versions": {},
            }
        elif name == "put_writes":
            arguments |= {"writes": [("steps", ["x"])], "task_id": "task-1", "task_path": ""}
        elif name == "get_delta_channel_history":
            arguments |= {"channels": ["steps"]}
        return arguments

    def method(self, name: str) -> Callable[..., object]:
        """Call the method ``name`` of the current saver (``a...``: run on an event loop)."""

        def call(**arguments: Any) -> object:
            assert self.saver is not None, "arguments() makes the saver first"
            result = getattr(self.saver, name)(**arguments)
            if name.startswith("a"):
                result = asyncio.run(_collected(result) if name == "alist" else result)
            return list(result) if name == "list" else result

        return call


def saver_calls(service: CheckpointService, workspace: Path) -> list[Call]:
    """Every public method of a ``WorkspaceSaver`` that takes a config, sync and async."""
    fresh = FreshSaver(service, workspace)
    nested = ("config.configurable", *(f"config.configurable.{key}" for key in _CONFIG_KEYS))
    return [
        Call(
            f"WorkspaceSaver.{prefix}{name}",
            fresh.method(prefix + name),
            partial(fresh.arguments, name),
            nested=nested,
        )
        for prefix in ("", "a")
        for name in _SAVER_METHODS
    ]


async def _collected(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]
