"""Steps about LangGraph interop: a real graph whose nodes write files, and time travel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, TypedDict

from behave import then, when
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from support.scenario import attempt
from support.trees import read_tree
from support.world import World, world

from rewind import AsyncCheckpointService, NotFoundError
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
        assert style == "with asyncio", style
        asyncio.run(_run_async(scene, config, durability))


def attempt_or_run(scene: World, run: Any) -> None:
    """Run the graph; a failure is kept for a later step to check."""
    try:
        run()
    except Exception as exc:
        scene.error = exc


async def _run_async(scene: World, config: Any, durability: str) -> None:
    async with await AsyncCheckpointService.open(scene.database_url) as service:
        saver = WorkspaceSaver(InMemorySaver(), service, scene.workspace)
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
