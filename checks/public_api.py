"""Checks that keep the public API in step with itself; run by ``nox -s lint``.

1. Twins: ``AsyncCheckpointService`` offers every public method of ``CheckpointService`` with
   the same parameters (names, kinds, defaults, annotations); so does each copy of the guard's
   signature (``CheckpointService.guard``, ``AsyncCheckpointService.guard``, ``Guard``); and
   every method ``rewind.langgraph.WorkspaceSaver`` overrides takes the parameters of
   LangGraph's ``BaseCheckpointSaver``.
2. The surface: every class and function the public modules declare public (their
   ``__all__``) is named in ``rewind.__all__``; every name there (and in
   ``rewind.langgraph.__all__``) exists and has a docstring, as do its public methods.

Prints each difference and exits 1 if there is any.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

import rewind
import rewind.aio
import rewind.errors
import rewind.langgraph
import rewind.models
import rewind.schema
import rewind.service

PUBLIC_MODULES = (rewind.aio, rewind.errors, rewind.models, rewind.schema, rewind.service)
"""Modules whose public classes and functions ``rewind`` re-exports."""


def _parameters(function: Callable[..., Any], *, skip: int = 0) -> list[str]:
    """Each parameter as ``kind name=default`` (``self``/``cls`` left out).

    Annotations are left out: a twin may spell a type through another alias.
    """
    parameters = list(inspect.signature(function).parameters.values())
    if parameters and parameters[0].name in ("self", "cls"):
        parameters = parameters[1:]
    return [
        f"{p.kind.name} {p.name}" + ("" if p.default is p.empty else f"={p.default!r}")
        for p in parameters[skip:]
    ]


def _public_methods(cls: type) -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(cls, name)
        for name, value in vars(cls).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, classmethod))
    }


def _differs(what: str, expected: list[str], actual: list[str]) -> Iterator[str]:
    if expected != actual:
        yield f"{what}: expected ({', '.join(expected)}), got ({', '.join(actual)})"


def twin_problems() -> Iterator[str]:
    """Where a twin's signature drifted from the original's."""
    sync, asynchronous = rewind.CheckpointService, rewind.AsyncCheckpointService
    for name, method in _public_methods(sync).items():
        twin = _public_methods(asynchronous).get(name)
        if twin is None:
            yield f"AsyncCheckpointService has no {name}()"
            continue
        yield from _differs(
            f"AsyncCheckpointService.{name}", _parameters(method), _parameters(twin)
        )
    guard = _parameters(sync.guard)
    yield from _differs("AsyncCheckpointService.guard", guard, _parameters(asynchronous.guard))
    yield from _differs("Guard()", guard, _parameters(rewind.Guard.__init__, skip=1))
    saver = rewind.langgraph.WorkspaceSaver
    for name, method in _public_methods(saver).items():
        original = getattr(BaseCheckpointSaver, name, None)
        if original is None or not callable(original):
            continue  # rewind's own: find_checkpoint, restore_files and their twins
        if "*args" in str(inspect.signature(method)):
            continue  # handed on whole to the wrapped saver
        yield from _differs(f"WorkspaceSaver.{name}", _parameters(original), _parameters(method))


def _defined_in(module: ModuleType) -> Iterator[tuple[str, Any]]:
    """The classes and functions a module declares public (its own ``__all__``)."""
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            yield name, value


def surface_problems() -> Iterator[str]:
    """Public names missing from ``__all__``, names there that do not exist, missing docs."""
    exported = set(rewind.__all__)
    for module in PUBLIC_MODULES:
        for name, _value in _defined_in(module):
            if name not in exported:
                yield f"{module.__name__}.{name} is public but not in rewind.__all__"
    for package in (rewind, rewind.langgraph):
        for name in package.__all__:
            if not hasattr(package, name):
                yield f"{package.__name__}.__all__ names {name}, which does not exist"
            else:
                yield from _undocumented(f"{package.__name__}.{name}", getattr(package, name))


def _undocumented(where: str, value: Any) -> Iterator[str]:
    """A class or function without a docstring, or a class's public method without one."""
    if not (inspect.isclass(value) or inspect.isfunction(value)):
        return
    if not inspect.getdoc(value):
        yield f"{where} has no docstring"
    if inspect.isclass(value):
        for method_name, method in _public_methods(value).items():
            if not inspect.getdoc(method):
                yield f"{where}.{method_name} has no docstring"


def main() -> int:
    """Print every problem; return 1 if there is any."""
    problems = [*twin_problems(), *surface_problems()]
    for problem in problems:
        print(problem)
    print(f"public API: {len(problems)} problem{'' if len(problems) == 1 else 's'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
