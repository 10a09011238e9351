"""LangGraph interop: a checkpointer that snapshots the workspace with every graph checkpoint.

``WorkspaceSaver(saver, service, workspace)`` wraps any LangGraph checkpointer. It delegates
everything to ``saver``, and each time a graph checkpoint is stored it also snapshots the
workspace, so travelling back to a graph checkpoint can bring back its files too::

    saver = WorkspaceSaver(InMemorySaver(), service, "./workspace")
    graph = builder.compile(checkpointer=saver)
    graph.invoke(inputs, {"configurable": {"thread_id": "t-1"}}, durability="sync")
    ...
    saver.restore_files(config_of_step_2)  # the files as they were at step 2

Each snapshot belongs to the plan ``plan_id`` (default: the graph's ``thread_id``); its
``decision_id`` is the graph checkpoint's id, and its ``metadata.extra`` holds
``langgraph_thread_id``, ``langgraph_checkpoint_ns`` and ``langgraph_checkpoint_id``.

A snapshot is exact only if it is taken before the next step changes files. LangGraph's
default durability, ``"async"``, stores a step's checkpoint while the next step already
runs, so the saver refuses it (``UnsupportedDurabilityError``): pass ``durability="sync"``
(or ``"exit"``) to ``invoke``/``stream``.

Install with ``pip install "rewind[langgraph]"``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    BaseCheckpointSaver,
    ChannelVersions,
    CheckpointMetadata,
    CheckpointTuple,
)
from langgraph.checkpoint.base import Checkpoint as GraphCheckpoint

from rewind._threads import in_thread
from rewind.aio import AsyncCheckpointService
from rewind.errors import InvalidInputError, NotFoundError, UnsupportedDurabilityError
from rewind.models import Checkpoint, CheckpointType, RollbackResult
from rewind.service import CheckpointService

__all__ = ["WorkspaceSaver"]

_DURABILITY_KEY = "__pregel_durability"
"""Where LangGraph tells a checkpointer the run's durability (in ``configurable``), when
the run was given one; a graph run without it is ``"async"``."""
_RUNTIME_KEY = "__pregel_runtime"
"""Present in ``configurable`` when a graph run, not a person, calls the saver."""
_EXACT_DURABILITIES = frozenset({"sync", "exit"})


class WorkspaceSaver(BaseCheckpointSaver[Any]):
    """A LangGraph checkpointer that also snapshots a workspace (see the module).

    Args:
        saver: The checkpointer that stores the graph's own checkpoints.
        service: A ``CheckpointService`` or an ``AsyncCheckpointService``.
        workspace: The directory the graph's nodes change.
        plan_id: The plan of the snapshots; default: each graph thread's ``thread_id``.
    """

    def __init__(
        self,
        saver: BaseCheckpointSaver[Any],
        service: CheckpointService | AsyncCheckpointService,
        workspace: str | os.PathLike[str],
        *,
        plan_id: str | None = None,
    ) -> None:
        super().__init__(serde=saver.serde)
        self.saver = saver
        self.service = service
        self.workspace = workspace
        self.plan_id = plan_id

    @property
    def _sync(self) -> CheckpointService:
        service = self.service
        return service.sync if isinstance(service, AsyncCheckpointService) else service

    # -- storing: the graph checkpoint, then the workspace --------------------------------

    def put(
        self,
        config: RunnableConfig,
        checkpoint: GraphCheckpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store the graph checkpoint, then snapshot the workspace beside it."""
        arguments = self._snapshot_arguments(config, checkpoint, metadata, new_versions)
        _require_exact_durability(config)
        stored = self.saver.put(config, checkpoint, metadata, new_versions)
        self._sync.create_workspace_snapshot(**arguments)
        return stored

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: GraphCheckpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        """Store the graph checkpoint, then snapshot the workspace, without blocking."""
        arguments = self._snapshot_arguments(config, checkpoint, metadata, new_versions)
        _require_exact_durability(config)
        stored = await self.saver.aput(config, checkpoint, metadata, new_versions)
        await self._awaited("create_workspace_snapshot", **arguments)
        return stored

    def _snapshot_arguments(
        self,
        config: RunnableConfig,
        checkpoint: GraphCheckpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> dict[str, Any]:
        """The snapshot to take beside a graph checkpoint; every argument is checked first."""
        thread_id, namespace = _thread_and_namespace(config)
        _require_mapping("metadata", metadata)
        _require_mapping("new_versions", new_versions)
        graph_checkpoint_id = checkpoint.get("id") if isinstance(checkpoint, Mapping) else None
        if not isinstance(graph_checkpoint_id, str):
            raise InvalidInputError(
                f"a LangGraph checkpoint must be a mapping with an 'id', not {checkpoint!r:.80}"
            )
        return {
            "plan_id": self.plan_id or thread_id,
            "sandbox_ref": self.workspace,
            "decision_id": graph_checkpoint_id,
            "checkpoint_type": CheckpointType.POST_DECISION,
            "reason": "LangGraph checkpoint",
            "source_tool": "langgraph",
            "extra": {
                "langgraph_thread_id": thread_id,
                "langgraph_checkpoint_ns": namespace,
                "langgraph_checkpoint_id": graph_checkpoint_id,
            },
        }

    # -- finding and restoring the files of a graph checkpoint -----------------------------

    def find_checkpoint(self, config: RunnableConfig) -> Checkpoint | None:
        """Return the workspace snapshot of a graph checkpoint's config, or None.

        Without a ``checkpoint_id`` in ``config``, the thread's latest graph checkpoint.
        """
        thread_id, namespace = _thread_and_namespace(config)
        graph_checkpoint_id = self._graph_checkpoint_id(self.saver.get_tuple(config), config)
        if graph_checkpoint_id is None:
            return None
        found = self._sync.list_checkpoints(
            self.plan_id or thread_id, decision_id=graph_checkpoint_id
        )
        return _matching(found, thread_id, namespace)

    async def afind_checkpoint(self, config: RunnableConfig) -> Checkpoint | None:
        """``find_checkpoint`` for asyncio code."""
        thread_id, namespace = _thread_and_namespace(config)
        graph_checkpoint_id = self._graph_checkpoint_id(await self.saver.aget_tuple(config), config)
        if graph_checkpoint_id is None:
            return None
        plan_id = self.plan_id or thread_id
        found = await self._awaited("list_checkpoints", plan_id, decision_id=graph_checkpoint_id)
        return _matching(found, thread_id, namespace)

    def restore_files(self, config: RunnableConfig) -> RollbackResult:
        """Roll the workspace back to the snapshot of a graph checkpoint's config.

        Raises:
            NotFoundError: The graph checkpoint, or its workspace snapshot, does not exist.
            RewindError: What ``rollback_to_checkpoint`` raises.
        """
        snapshot = self.find_checkpoint(config)
        if snapshot is None:
            raise _no_snapshot(config)
        return self._sync.rollback_to_checkpoint(snapshot.checkpoint_id)

    async def arestore_files(self, config: RunnableConfig) -> RollbackResult:
        """``restore_files`` for asyncio code."""
        snapshot = await self.afind_checkpoint(config)
        if snapshot is None:
            raise _no_snapshot(config)
        result: RollbackResult = await self._awaited(
            "rollback_to_checkpoint", snapshot.checkpoint_id
        )
        return result

    async def _awaited(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Await a use case: the async service's coroutine, or the sync one in a thread."""
        if isinstance(self.service, AsyncCheckpointService):
            return await getattr(self.service, method)(*args, **kwargs)
        return await in_thread(getattr(self.service, method), *args, **kwargs)

    @staticmethod
    def _graph_checkpoint_id(found: CheckpointTuple | None, config: RunnableConfig) -> str | None:
        if found is None:
            return None
        checkpoint_id = found.checkpoint["id"]
        return checkpoint_id if isinstance(checkpoint_id, str) else None

    # -- everything else: the wrapped saver's ----------------------------------------------

    @property
    def config_specs(self) -> list[Any]:
        """The wrapped saver's configuration fields."""
        return list(self.saver.config_specs)

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The wrapped saver's."""
        _thread_and_namespace(config)
        return self.saver.get_tuple(config)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The wrapped saver's."""
        _thread_and_namespace(config)
        return await self.saver.aget_tuple(config)

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        """The wrapped saver's."""
        _check_listing(config)
        return self.saver.list(config, filter=filter, before=before, limit=limit)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        """The wrapped saver's."""
        _check_listing(config)
        async for item in self.saver.alist(config, filter=filter, before=before, limit=limit):
            yield item

    def put_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """The wrapped saver's."""
        _check_writes(config, writes, task_id, task_path)
        self.saver.put_writes(config, writes, task_id, task_path)

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        """The wrapped saver's."""
        _check_writes(config, writes, task_id, task_path)
        await self.saver.aput_writes(config, writes, task_id, task_path)

    def delete_thread(self, thread_id: str) -> None:
        """The wrapped saver's (the workspace snapshots stay: prune them with rewind)."""
        self.saver.delete_thread(thread_id)

    async def adelete_thread(self, thread_id: str) -> None:
        """The wrapped saver's (the workspace snapshots stay: prune them with rewind)."""
        await self.saver.adelete_thread(thread_id)

    def get_next_version(self, current: Any, channel: None) -> Any:
        """The wrapped saver's."""
        return self.saver.get_next_version(current, channel)

    def delete_for_runs(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's."""
        return self.saver.delete_for_runs(*args, **kwargs)

    async def adelete_for_runs(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's."""
        return await self.saver.adelete_for_runs(*args, **kwargs)

    def copy_thread(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's (the workspace snapshots are not copied)."""
        return self.saver.copy_thread(*args, **kwargs)

    async def acopy_thread(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's (the workspace snapshots are not copied)."""
        return await self.saver.acopy_thread(*args, **kwargs)

    def prune(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's (the workspace snapshots stay: prune them with rewind)."""
        return self.saver.prune(*args, **kwargs)

    async def aprune(self, *args: Any, **kwargs: Any) -> Any:
        """The wrapped saver's (the workspace snapshots stay: prune them with rewind)."""
        return await self.saver.aprune(*args, **kwargs)

    def get_delta_channel_history(self, *, config: RunnableConfig, channels: Sequence[str]) -> Any:
        """The wrapped saver's."""
        _thread_and_namespace(config)
        _require_names("channels", channels)
        return self.saver.get_delta_channel_history(config=config, channels=channels)

    async def aget_delta_channel_history(
        self, *, config: RunnableConfig, channels: Sequence[str]
    ) -> Any:
        """The wrapped saver's."""
        _thread_and_namespace(config)
        _require_names("channels", channels)
        return await self.saver.aget_delta_channel_history(config=config, channels=channels)


def _configurable(config: object, *, required: bool = True) -> Mapping[str, Any]:
    """Return the ``configurable`` mapping of a LangGraph config (empty when it has none).

    Raises:
        InvalidInputError: ``config`` is not a mapping (None is one only if not ``required``),
            or its ``configurable`` is not one.
    """
    if config is None and not required:
        return {}
    if not isinstance(config, Mapping):
        raise InvalidInputError(
            "a LangGraph config must be a mapping such as "
            f"{{'configurable': {{'thread_id': ...}}}}, not {config!r:.80}"
        )
    configurable = config.get("configurable") or {}
    if not isinstance(configurable, Mapping):
        raise InvalidInputError(
            f"a LangGraph config's 'configurable' must be a mapping, not {configurable!r:.80}"
        )
    return configurable


def _thread_and_namespace(config: object) -> tuple[str, str]:
    """Return a config's thread id and checkpoint namespace, checking the whole config.

    Raises:
        InvalidInputError: The config is not a mapping, has no thread id, or holds a thread
            id, namespace or checkpoint id that is not text.
    """
    configurable = _configurable(config)
    thread_id = configurable.get("thread_id")
    if not isinstance(thread_id, str) or not thread_id:
        raise InvalidInputError(
            f"a LangGraph config needs a thread_id in 'configurable', not {thread_id!r:.80}"
        )
    for key in ("checkpoint_ns", "checkpoint_id"):
        value = configurable.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidInputError(f"a LangGraph config's {key!r} must be text, not {value!r:.80}")
    return thread_id, configurable.get("checkpoint_ns") or ""


def _check_listing(config: object) -> None:
    """Check a listing's config: None or an empty one lists every thread, else one thread.

    Raises:
        InvalidInputError: The config is not a mapping, or names no thread properly.
    """
    if config is None or (isinstance(config, Mapping) and not config):
        return
    _thread_and_namespace(config)


def _check_writes(config: object, writes: object, task_id: object, task_path: object) -> None:
    """Check the arguments of ``put_writes``: a config, (channel, value) pairs, two texts.

    Raises:
        InvalidInputError: One of them is not what LangGraph passes (names it).
    """
    _thread_and_namespace(config)
    if not isinstance(writes, Sequence) or isinstance(writes, str | bytes):
        raise InvalidInputError(
            f"writes must be a list of (channel, value) pairs, not {writes!r:.80}"
        )
    for write in writes:
        pair = isinstance(write, tuple | list) and len(write) == 2  # noqa: PLR2004 - a pair
        if not (pair and isinstance(write[0], str)):
            raise InvalidInputError(
                f"each write must be a (channel, value) pair, not {write!r:.80}"
            )
    for name, value in (("task_id", task_id), ("task_path", task_path)):
        if not isinstance(value, str):
            raise InvalidInputError(f"{name} must be text, not {value!r:.80}")


def _require_mapping(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be a mapping, not {value!r:.80}")


def _require_names(name: str, values: object) -> None:
    if not isinstance(values, Sequence | frozenset | set) or isinstance(values, str | bytes):
        raise InvalidInputError(f"{name} must be a list of names, not {values!r:.80}")
    if not all(isinstance(value, str) for value in values):
        raise InvalidInputError(f"{name} must hold only names (text), not {values!r:.80}")


def _require_exact_durability(config: RunnableConfig) -> None:
    configurable = config.get("configurable") or {}
    if _RUNTIME_KEY not in configurable:
        return  # called directly, not by a running graph: nothing runs beside it
    durability = configurable.get(_DURABILITY_KEY, "async")
    if durability not in _EXACT_DURABILITIES:
        raise UnsupportedDurabilityError(
            f"WorkspaceSaver cannot snapshot files exactly with durability={durability!r}: "
            "LangGraph then stores a step's checkpoint while the next step already changes "
            'files. Pass durability="sync" to invoke() or stream().'
        )


def _matching(found: list[Checkpoint], thread_id: str, namespace: str) -> Checkpoint | None:
    for checkpoint in found:
        extra = checkpoint.metadata.extra
        if (
            extra.get("langgraph_thread_id") == thread_id
            and extra.get("langgraph_checkpoint_ns") == namespace
        ):
            return checkpoint
    return None


def _no_snapshot(config: RunnableConfig) -> NotFoundError:
    configurable = config.get("configurable") or {}
    checkpoint_id = configurable.get("checkpoint_id")
    named = (
        f"LangGraph checkpoint {checkpoint_id!r}"
        if checkpoint_id
        else f"the latest LangGraph checkpoint of thread {configurable.get('thread_id')!r}"
    )
    return NotFoundError(f"{named} has no workspace snapshot (or no such checkpoint exists)")
