"""Metadata-only checkpoints per second: rewind beside LangGraph's SqliteSaver (measurement 8).

Both write to a fresh SQLite file at their default durability (WAL, the default
``synchronous`` level, FULL: every commit is synced to disk), and both build each checkpoint
inside the timed loop, as a running graph or orchestrator would. Rewind is measured a second
time on a URL with ``?synchronous=normal``, the durability a caller may choose for speed (a
power loss may take back the last commits; a process crash never does). LangGraph is
optional: without ``langgraph-checkpoint-sqlite`` only rewind is measured.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from figures import MetadataFigures, Series

from rewind import CheckpointService

try:
    from langchain_core.runnables import RunnableConfig
    from langgraph.checkpoint.base import CheckpointMetadata as GraphMetadata
    from langgraph.checkpoint.base import create_checkpoint, empty_checkpoint
    from langgraph.checkpoint.sqlite import SqliteSaver
except ImportError as error:
    LANGGRAPH_MISSING: str | None = f"langgraph-checkpoint-sqlite cannot be imported: {error}"
else:
    LANGGRAPH_MISSING = None

__all__ = ["LANGGRAPH_MISSING", "measure_metadata_checkpoints"]

MESSAGES = [
    "user: rename the payment module and update its imports",
    "assistant: I will list the files that import it first.",
    "tool(shell): grep -rl 'payments' src/ | wc -l -> 14",
]
"""A small, realistic conversation state, stored by both sides with every checkpoint."""


def measure_metadata_checkpoints(scratch: Path, calls: int, repeat: int) -> MetadataFigures:
    """Alternate rewind and LangGraph ``repeat`` times, ``calls`` checkpoints each."""
    figures = MetadataFigures(calls, langgraph_missing=LANGGRAPH_MISSING)
    if LANGGRAPH_MISSING is None:
        figures.langgraph = Series("checkpoints/s")
    scratch.mkdir(parents=True, exist_ok=True)
    for repetition in range(repeat):
        database = scratch / f"rewind-{repetition}.db"
        figures.rewind.samples.append(_rewind_rate(f"sqlite:///{database}", calls))
        relaxed = scratch / f"rewind-normal-{repetition}.db"
        rate = _rewind_rate(f"sqlite:///{relaxed}?synchronous=normal", calls)
        figures.rewind_relaxed.samples.append(rate)
        if figures.langgraph is not None:
            rate = _langgraph_rate(scratch / f"langgraph-{repetition}.db", calls)
            figures.langgraph.samples.append(rate)
    return figures


def _rewind_rate(url: str, calls: int) -> float:
    """``create_checkpoint`` ``calls`` times through one service; checkpoints per second."""
    with CheckpointService.open(url) as service:
        started = time.perf_counter()
        for step in range(calls):
            service.create_checkpoint(
                "bench-metadata",
                "agent-sandbox",
                decision_id=f"decision-{step}",
                metadata={
                    "reason": "before the tool call",
                    "source_tool": "shell",
                    "extra": {"step": step, "messages": MESSAGES, "plan": "rename payments"},
                },
            )
        return calls / (time.perf_counter() - started)


def _langgraph_rate(database: Path, calls: int) -> float:
    """``SqliteSaver.put`` ``calls`` times, each child of the previous; checkpoints per second."""
    saver = SqliteSaver(sqlite3.connect(str(database), check_same_thread=False))
    try:
        saver.setup()
        base = empty_checkpoint()
        base["channel_values"] = {"messages": MESSAGES, "plan": "rename payments"}
        base["channel_versions"] = {"messages": 1, "plan": 1}
        config: RunnableConfig = {"configurable": {"thread_id": "bench", "checkpoint_ns": ""}}
        started = time.perf_counter()
        for step in range(calls):
            checkpoint = create_checkpoint(base, None, step)
            metadata: GraphMetadata = {"source": "loop", "step": step, "parents": {}}
            config = saver.put(config, checkpoint, metadata, {"messages": step + 1})
        return calls / (time.perf_counter() - started)
    finally:
        saver.conn.close()
