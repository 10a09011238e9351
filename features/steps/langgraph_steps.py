"""Steps about LangGraph interop: a real graph whose nodes write files, and time travel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypedDict

from behave import then, when
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from support.scenario import attempt, store_contents
from support.trees import read_tree
from support.world import World, world

from rewind import AsyncCheckpointService, InvalidInputError, NotFoundError
from rewind.langgraph import WorkspaceSaver

THREAD = "thread-1"
STEPS = ("plan", "code", "test")


class State(TypedDict):
    """The graph's state: the steps done so far."""

    steps: list[str]


def _graph(workspace: Path, saver: WorkspaceSaver) -> Any:
    """Three nodes; each writes its own file and rewrites a shared log."""

    def node(name: str) -> Any:
        def run(state: State) -> State:
            steps = [*state["steps"], name]
            (workspace / f"{name}.txt").write_text(f"written by {name}\n")
            (workspace / "log.txt").write_text(" ".join(steps))
            return {"steps": steps}

        return run

    builder = StateGraph(State)
    for name in STEPS:
        builder.add_node(name, node(name))
    builder.add_edge(START, STEPS[0])
    builder.add_edge(STEPS[0], STEPS[1])
    builder.add_edge(STEPS[1], STEPS[2])
    builder.add_edge(STEPS[2], END)
    return builder.compile(checkpointer=saver)


def _options(durability: str) -> dict[str, Any]:
    return {} if durability == "default" else {"durability": durability}


@when(
    "a three-step graph whose nodes write files runs {style} with a WorkspaceSaver, "
    'durability "{durability:Q}"'
)
def graph_runs(context: Any, style: str, durability: str) -> None:
    scene = world(context)
    config = {"configurable": {"thread_id": THREAD}}
    if style == "synchronously":
        saver = WorkspaceSaver(InMemorySaver(), scene.the_service, scene.workspace)
        graph = _graph(scene.workspace, saver)
        attempt_or_run(scene, lambda: graph.invoke({"steps": []}, config, **_options(durability)))
        scene.graph = graph
        scene.saver = saver
    else:
        assert style.startswith("with asyncio"), style
        over_sync = style.endswith("over the synchronous service")
        asyncio.run(_run_async(scene, config, durability, over_sync=over_sync))


def attempt_or_run(scene: World, run: Any) -> None:
    """Run the graph; a failure is kept for a later step to check."""
    try:
        run()
    except Exception as exc:
        scene.error = exc


async def _run_async(scene: World, config: Any, durability: str, *, over_sync: bool) -> None:
    async with await AsyncCheckpointService.open(scene.database_url) as service:
        used = scene.the_service if over_sync else service
        saver = WorkspaceSaver(InMemorySaver(), used, scene.workspace)
        graph = _graph(scene.workspace, saver)
        await graph.ainvoke({"steps": []}, config, **_options(durability))
        history = [snapshot async for snapshot in graph.aget_state_history(config)]
        for snapshot in history:
            await saver.arestore_files(snapshot.config)
            scene.travels.append(
                (
                    snapshot.metadata["step"],
                    list(snapshot.values.get("steps", [])),
                    read_tree(scene.workspace)[0],
                )
            )
            found = await saver.afind_checkpoint(snapshot.config)
            assert found is not None
            scene.graph_snapshots.append(found)


def _expected_files(step: int) -> dict[str, tuple[str, bytes, int]]:
    """The files the graph's nodes had written when checkpoint ``step`` was stored."""
    done = STEPS[: max(step, 0)]
    files = {f"{name}.txt": ("file", f"written by {name}\n".encode(), 0o644) for name in done}
    if done:
        files["log.txt"] = ("file", " ".join(done).encode(), 0o644)
    return files


@then("going back to each of its checkpoints restores the graph's state and the files of that step")
def travels_back(context: Any) -> None:
    scene = world(context)
    if not scene.travels:  # the synchronous run: travel now
        graph, saver = scene.graph, scene.saver
        assert graph is not None and saver is not None
        config = {"configurable": {"thread_id": THREAD}}
        for snapshot in graph.get_state_history(config):
            saver.restore_files(snapshot.config)
            state = graph.get_state(snapshot.config).values
            scene.travels.append(
                (
                    snapshot.metadata["step"],
                    list(state.get("steps", [])),
                    read_tree(scene.workspace)[0],
                )
            )
            found = saver.find_checkpoint(snapshot.config)
            assert found is not None
            scene.graph_snapshots.append(found)
    assert sorted(step for step, _state, _files in scene.travels) == [-1, 0, 1, 2, 3]
    for step, state, files in scene.travels:
        assert state == list(STEPS[: max(step, 0)]), (step, state)
        expected = _expected_files(step)
        assert {path: content for path, (_kind, content, _mode) in files.items()} == {
            path: content for path, (_kind, content, _mode) in expected.items()
        }, (step, sorted(files))


@then("each workspace snapshot names its thread and graph checkpoint")
def snapshots_name_graph(context: Any) -> None:
    scene = world(context)
    assert len(scene.graph_snapshots) == 5
    for snapshot in scene.graph_snapshots:
        extra = snapshot.metadata.extra
        assert snapshot.plan_id == THREAD and extra["langgraph_thread_id"] == THREAD, snapshot
        assert extra["langgraph_checkpoint_ns"] == ""
        assert extra["langgraph_checkpoint_id"] == snapshot.decision_id


@when("I look up the files of a graph checkpoint that was never stored")
def unknown_graph_checkpoint(context: Any) -> None:
    scene = world(context)
    scene.saver = WorkspaceSaver(InMemorySaver(), scene.the_service, scene.workspace)


@then("no workspace snapshot is found for it")
def nothing_found(context: Any) -> None:
    saver = world(context).saver
    assert saver is not None
    assert saver.find_checkpoint({"configurable": {"thread_id": "thread-9"}}) is None


@then('restoring its files fails with NotFoundError naming "{culprit:Q}"')
def restore_unknown(context: Any, culprit: str) -> None:
    scene = world(context)
    saver = scene.saver
    assert saver is not None
    attempt(
        scene,
        lambda: saver.restore_files({"configurable": {"thread_id": culprit}}),
        record_store=False,
    )
    assert isinstance(scene.error, NotFoundError) and culprit in str(scene.error), scene.error


def _outcome(call: Any) -> Any:
    """What a call returned, or the type of what it raised."""
    try:
        result = call()
    except Exception as exc:
        return type(exc)
    return list(result) if isinstance(result, Iterator) else result


async def _async_outcome(call: Any) -> Any:
    try:
        result = call()
        if isinstance(result, AsyncIterator):
            return [item async for item in result]
        return await result
    except Exception as exc:
        return type(exc)


@then("the WorkspaceSaver answers every other call, sync and async, as the saver it wraps")
def delegates(context: Any) -> None:
    saver = world(context).saver
    assert saver is not None
    inner = saver.saver
    config: RunnableConfig = {"configurable": {"thread_id": THREAD}}
    calls: list[tuple[str, tuple[Any, ...]]] = [
        ("get_tuple", (config,)),
        ("list", (config,)),
        ("get_next_version", (None, None)),
        ("copy_thread", (THREAD, "thread-2")),
        ("prune", ([THREAD],)),
        ("delete_for_runs", (["run-1"],)),
        ("get_delta_channel_history", (config,)),
    ]
    for name, arguments in calls:
        mine = _outcome(lambda name=name, arguments=arguments: getattr(saver, name)(*arguments))
        theirs = _outcome(lambda name=name, arguments=arguments: getattr(inner, name)(*arguments))
        if name == "get_next_version":  # a counter, then a random tie-breaker
            mine, theirs = str(mine).split(".")[0], str(theirs).split(".")[0]
        assert mine == theirs, (name, mine, theirs)
        mine = asyncio.run(
            _async_outcome(
                lambda name=name, arguments=arguments: getattr(saver, f"a{name}")(*arguments)
            )
        )
        theirs = asyncio.run(
            _async_outcome(
                lambda name=name, arguments=arguments: getattr(inner, f"a{name}")(*arguments)
            )
        )
        if name != "get_next_version":
            assert mine == theirs, (f"a{name}", mine, theirs)
    assert saver.config_specs == inner.config_specs
    latest = inner.get_tuple(config)
    assert latest is not None
    saver.put_writes(latest.config, [("steps", ["extra"])], "task-1")
    asyncio.run(saver.aput_writes(latest.config, [("steps", ["more"])], "task-2"))
    written = inner.get_tuple(latest.config)
    assert written is not None and {write[0] for write in written.pending_writes or []} == {
        "task-1",
        "task-2",
    }
    saver.delete_thread(THREAD)
    assert inner.get_tuple(config) is None
    asyncio.run(saver.adelete_thread(THREAD))


@when("I store a graph checkpoint through a WorkspaceSaver myself, outside any graph run")
def direct_put(context: Any) -> None:
    scene = world(context)
    saver = WorkspaceSaver(InMemorySaver(), scene.the_service, scene.workspace)
    (scene.workspace / "made-by-hand.txt").write_text("by hand\n")
    config: RunnableConfig = {"configurable": {"thread_id": "thread-7", "checkpoint_ns": ""}}
    checkpoint = empty_checkpoint()
    scene.graph = saver.put(config, checkpoint, {"source": "input", "step": -1}, {})
    scene.saver = saver


@then("its workspace snapshot is found by its config, with and without asyncio")
def found_both_ways(context: Any) -> None:
    scene = world(context)
    saver = scene.saver
    assert saver is not None
    found = saver.find_checkpoint(scene.graph)
    assert found is not None and "made-by-hand.txt" in found.metadata.extra["diff_paths"], found
    assert asyncio.run(saver.afind_checkpoint(scene.graph)) == found


@then('a config without a thread_id is refused with InvalidInputError naming "{culprit:Q}"')
def no_thread(context: Any, culprit: str) -> None:
    scene = world(context)
    saver = scene.saver
    assert saver is not None
    attempt(
        scene,
        lambda: saver.put({"configurable": {}}, empty_checkpoint(), {}, {}),
        record_store=False,
    )
    assert isinstance(scene.error, InvalidInputError) and culprit in str(scene.error), scene.error


@then(
    "with asyncio, a graph checkpoint that was never stored has no snapshot and restoring its "
    "files fails with NotFoundError"
)
def never_stored_async(context: Any) -> None:
    scene = world(context)
    saver = scene.saver
    assert saver is not None
    config: RunnableConfig = {"configurable": {"thread_id": "thread-9"}}
    assert asyncio.run(saver.afind_checkpoint(config)) is None
    attempt(scene, lambda: asyncio.run(saver.arestore_files(config)), record_store=False)
    assert isinstance(scene.error, NotFoundError), scene.error


_BAD_CONFIGS: dict[str, Any] = {
    "no config": None,
    "a config that is text": "thread-7",
    "a config without configurable": {},
    "a configurable that is a list": {"configurable": ["thread-7"]},
    "a thread_id that is a number": {"configurable": {"thread_id": 7}},
    "an empty thread_id": {"configurable": {"thread_id": ""}},
    "a checkpoint_id that is a number": {"configurable": {"thread_id": "t", "checkpoint_id": 1}},
    "a checkpoint_ns that is a list": {"configurable": {"thread_id": "t", "checkpoint_ns": []}},
}


@then('every entry point of the saver refuses {config} with InvalidInputError naming "{culprit:Q}"')
def every_entry_point_refuses(context: Any, config: str, culprit: str) -> None:
    scene = world(context)
    saver = scene.saver
    assert saver is not None
    bad = _BAD_CONFIGS[config]
    scene.store_before = store_contents(scene)
    calls: dict[str, Callable[[], object]] = {
        "put": lambda: saver.put(bad, empty_checkpoint(), {}, {}),
        "aput": lambda: asyncio.run(saver.aput(bad, empty_checkpoint(), {}, {})),
        "find_checkpoint": lambda: saver.find_checkpoint(bad),
        "afind_checkpoint": lambda: asyncio.run(saver.afind_checkpoint(bad)),
        "restore_files": lambda: saver.restore_files(bad),
        "arestore_files": lambda: asyncio.run(saver.arestore_files(bad)),
        "get_tuple": lambda: saver.get_tuple(bad),
        "aget_tuple": lambda: asyncio.run(saver.aget_tuple(bad)),
        "put_writes": lambda: saver.put_writes(bad, [], "task-1"),
        "aput_writes": lambda: asyncio.run(saver.aput_writes(bad, [], "task-1")),
    }
    if bad is not None and culprit in ("mapping", "configurable"):  # listing needs no thread
        calls["list"] = lambda: list(saver.list(bad))
        calls["alist"] = lambda: asyncio.run(_drained(saver.alist(bad)))
    for name, call in calls.items():
        attempt(scene, call, record_store=False)
        error = scene.error
        assert isinstance(error, InvalidInputError) and culprit in str(error), (name, error)


async def _drained(items: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in items]
