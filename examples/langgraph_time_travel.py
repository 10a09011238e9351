"""Travel back to step 2 of a LangGraph thread and get both its state and its files.

A three-node graph (plain Python, no LLM) writes a file at each step. ``WorkspaceSaver``
stores each graph checkpoint in LangGraph's ``InMemorySaver`` and snapshots the workspace
beside it. Going back to the checkpoint after the second node brings back the graph's state
(LangGraph) and the files (rewind).

Needs ``pip install "rewind[langgraph]"``. Run it with ``python examples/langgraph_time_travel.py``
(``--db URL`` for another database than a SQLite file in a temporary directory).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph

from rewind import CheckpointService
from rewind.langgraph import WorkspaceSaver

BACK_TO = 2
"""The step to travel back to: after the second node."""


class State(TypedDict):
    """The graph's state: the steps done so far."""

    steps: list[str]


def build_graph(workspace: Path, saver: WorkspaceSaver) -> Any:
    """Plan, write the code, write the tests: each node writes one file of the workspace."""

    def step(name: str, path: str, content: str) -> Any:
        def run(state: State) -> State:
            (workspace / path).write_text(content)
            return {"steps": [*state["steps"], name]}

        return run

    builder = StateGraph(State)
    builder.add_node("plan", step("plan", "PLAN.md", "1. write app.py\n2. test it\n"))
    builder.add_node("code", step("code", "app.py", "print('hello')\n"))
    builder.add_node("test", step("test", "test_app.py", "import app\n"))
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "code")
    builder.add_edge("code", "test")
    builder.add_edge("test", END)
    return builder.compile(checkpointer=saver)


def main() -> None:
    """Run the graph, travel back to step 2, and show the state and the files there."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temp dir)")
    arguments = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="rewind-langgraph-"))
    workspace = home / "workspace"
    workspace.mkdir()

    with CheckpointService.open(arguments.db or f"sqlite:///{home / 'rewind.db'}") as service:
        saver = WorkspaceSaver(InMemorySaver(), service, workspace)
        graph = build_graph(workspace, saver)
        config = {"configurable": {"thread_id": "thread-1"}}
        graph.invoke({"steps": []}, config, durability="sync")
        print("files now:  ", sorted(path.name for path in workspace.iterdir()))

        history = list(graph.get_state_history(config))  # newest first
        there = next(snapshot for snapshot in history if snapshot.metadata["step"] == BACK_TO)
        result = saver.restore_files(there.config)
        print(
            f"back to step {BACK_TO}: restored",
            list(result.restored),
            "removed",
            list(result.removed),
        )
        print("graph state:", graph.get_state(there.config).values)
        print("files there:", sorted(path.name for path in workspace.iterdir()))


if __name__ == "__main__":
    main()
