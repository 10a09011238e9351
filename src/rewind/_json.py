"""Read-only JSON values for checkpoint metadata, and the rules for text a database can store.

``freeze_json`` turns caller metadata into a read-only deep copy (arrays become tuples, objects
``FrozenDict``), refusing what JSON or a database cannot hold: non-finite floats, non-string
keys, NUL characters, lone surrogates, and nesting deeper than ``MAX_JSON_DEPTH``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NoReturn, TypeAlias

from rewind.errors import InvalidMetadataError

__all__ = [
    "MAX_JSON_DEPTH",
    "FrozenDict",
    "FrozenJson",
    "freeze_json",
    "storable_text_problem",
    "thaw_json",
]

MAX_JSON_DEPTH = 64
"""How deeply arrays and objects may nest in metadata (every database and parser copes)."""

FrozenJson: TypeAlias = (
    bool | int | float | str | tuple["FrozenJson", ...] | Mapping[str, "FrozenJson"] | None
)
"""A JSON value that cannot be changed: arrays are tuples, objects read-only mappings."""


class FrozenDict(dict[str, Any]):
    """A JSON object that refuses every change once built.

    A real ``dict`` (``json.dumps`` and ``==`` work as usual); every mutating method raises
    ``TypeError``. ``dict(extra)`` or ``extra.copy()`` gives an ordinary, mutable ``dict``.
    """

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("checkpoint metadata is read-only")

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (type(self), (dict(self),))


def storable_text_problem(text: str) -> str | None:
    """Say why a database could not store ``text`` as text, or return None if it can."""
    if "\x00" in text:
        return "contains a NUL character, which databases cannot store in text"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"is not valid Unicode ({exc.reason} at position {exc.start})"
    return None


def freeze_json(value: object, where: str = "extra", depth: int = 0) -> FrozenJson:
    """Return a read-only deep copy of a JSON value (arrays become tuples).

    Args:
        value: ``None``, a bool, int, finite float or str, or lists, tuples and string-keyed
            mappings of those, nested at most ``MAX_JSON_DEPTH`` deep.
        where: How to name the value in an error message (a dotted key path).
        depth: How deeply ``value`` is nested already.

    Returns:
        The same value with lists turned into tuples and dicts into ``FrozenDict``.

    Raises:
        InvalidMetadataError: ``value`` (at ``where``) is not representable as JSON.
    """
    if isinstance(value, str):
        if (problem := storable_text_problem(value)) is not None:
            raise InvalidMetadataError(f"{where} {problem}")
        return value
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidMetadataError(f"{where} is {value!r}, which JSON cannot represent")
        return value
    if isinstance(value, list | tuple | Mapping) and depth >= MAX_JSON_DEPTH:
        raise InvalidMetadataError(
            f"{where:.200} nests arrays and objects more than {MAX_JSON_DEPTH} levels deep"
        )
    if isinstance(value, list | tuple):
        if _storable_strings(value):
            return tuple(value)  # a snapshot's diff_paths: thousands of paths, checked at once
        return tuple(
            freeze_json(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)
        )
    if isinstance(value, Mapping):
        return _freeze_object(value, where, depth)
    raise InvalidMetadataError(
        f"{where} is a {type(value).__name__} ({_describe(value)}), which is not a JSON value"
    )


def thaw_json(value: FrozenJson) -> Any:
    """Return a plain, mutable JSON value (lists and dicts) equal to a frozen one."""
    if isinstance(value, tuple):
        return [thaw_json(item) for item in value]
    if isinstance(value, Mapping):
        return {key: thaw_json(item) for key, item in value.items()}
    return value


def _storable_strings(items: list[Any] | tuple[Any, ...]) -> bool:
    """Whether every item is a ``str`` that a database can store (checked in one pass)."""
    if not all(type(item) is str for item in items):
        return False
    joined = "/".join(items)
    return storable_text_problem(joined) is None


def _freeze_object(value: Mapping[Any, Any], where: str, depth: int) -> FrozenDict:
    frozen: dict[str, FrozenJson] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise InvalidMetadataError(f"{where} has the non-string key {_describe(key)}")
        if (problem := storable_text_problem(key)) is not None:
            raise InvalidMetadataError(f"{where} has a key that {problem}")
        frozen[key] = freeze_json(item, f"{where}.{key}", depth + 1)
    return FrozenDict(frozen)


def _describe(value: object) -> str:
    try:
        return f"{value!r:.80}"
    except Exception:
        return f"a {type(value).__name__}"
