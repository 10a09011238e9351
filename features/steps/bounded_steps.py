"""Steps about reading only what is asked for: first bytes, sizes, cut patches, ``within``."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from behave import given, then, when
from support.databases import tamper_raw
from support.scenario import attempt, named
from support.world import World, world


def _bytes(escaped: str) -> bytes:
    """A scenario's text with Python escapes (``\\n``, ``\\xc3``) as bytes."""
    return escaped.encode("latin-1").decode("unicode_escape").encode("latin-1")


def _first_bytes(scene: World, path: str, name: str, count: int) -> bytes:
    checkpoint_id = named(scene, name).checkpoint_id
    return scene.the_service.read_file(checkpoint_id, path, max_bytes=count)


@then(
    'reading the first {count:d} bytes of "{path:Q}" from "{name:Q}" gives the bytes "{escaped:Q}"'
)
def first_bytes_are(context: Any, count: int, path: str, name: str, escaped: str) -> None:
    found = _first_bytes(world(context), path, name, count)
    assert found == _bytes(escaped), found


@then(
    'reading the first {count:d} bytes of "{path:Q}" from "{name:Q}" gives the file\'s first '
    "{same:d} bytes"
)
def first_bytes_of_file(context: Any, count: int, path: str, name: str, same: int) -> None:
    scene = world(context)
    kind, data, _mode = scene.recorded[name][0][path]
    assert kind == "file" and count == same, (kind, count, same)
    assert _first_bytes(scene, path, name, count) == data[:count]


@when('I try to read the first {count:d} bytes of "{path:Q}" from "{name:Q}"')
def try_first_bytes(context: Any, count: int, path: str, name: str) -> None:
    scene = world(context)
    attempt(scene, lambda: _first_bytes(scene, path, name, count), record_store=False)


@then('the size of "{path:Q}" in "{name:Q}" is {size:d}')
def size_is(context: Any, path: str, name: str, size: int) -> None:
    scene = world(context)
    assert scene.the_service.file_size(named(scene, name).checkpoint_id, path) == size


def _content_hash(scene: World, path: str, name: str) -> str:
    data = scene.the_service.read_file(named(scene, name).checkpoint_id, path)
    return hashlib.sha256(data).hexdigest()


@given('someone records {count:d} chunk for the stored content of "{path:Q}" as of "{name:Q}"')
def record_chunk_count(context: Any, count: int, path: str, name: str) -> None:
    scene = world(context)
    statement = "UPDATE blobs SET chunk_count = ? WHERE id = ?"
    tamper_raw(scene.database_url, statement, count, _content_hash(scene, path, name))


@when('I try to read "{path:Q}" from "{name:Q}" with max_bytes {value}')
def try_read_with(context: Any, path: str, name: str, value: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    max_bytes = json.loads(value)
    attempt(
        scene,
        lambda: scene.the_service.read_file(checkpoint_id, path, max_bytes=max_bytes),
        record_store=False,
    )


@when('I try to make the patch from "{base:Q}" to "{target:Q}" with max_bytes {value}')
def try_patch_with(context: Any, base: str, target: str, value: str) -> None:
    scene = world(context)
    base_id, target_id = named(scene, base).checkpoint_id, named(scene, target).checkpoint_id
    max_bytes = json.loads(value)
    attempt(
        scene,
        lambda: scene.the_service.patch(base_id, target_id, max_bytes=max_bytes),
        record_store=False,
    )


def _longest_beginning(text: str, max_bytes: int) -> str:
    """The longest beginning of ``text`` whose UTF-8 takes at most ``max_bytes``: by letters."""
    size = 0
    for index, letter in enumerate(text):
        size += len(letter.encode("utf-8", "surrogatepass"))
        if size > max_bytes:
            return text[:index]
    return text


def _check_every_cut(scene: World, base: str, target: str | None) -> None:
    base_id = named(scene, base).checkpoint_id
    target_id = None if target is None else named(scene, target).checkpoint_id
    whole = scene.the_service.patch(base_id, target_id)
    assert any(len(letter.encode()) > 1 for letter in whole), whole  # some cuts split a letter
    for max_bytes in range(len(whole.encode()) + 2):
        cut = scene.the_service.patch(base_id, target_id, max_bytes=max_bytes)
        assert cut == _longest_beginning(whole, max_bytes), (max_bytes, cut)


@then(
    'the patch from "{base:Q}" to "{target:Q}" cut at each number of bytes is the longest '
    "beginning that fits"
)
def every_cut(context: Any, base: str, target: str) -> None:
    _check_every_cut(world(context), base, target)


@then(
    'the patch from "{base:Q}" to the live workspace cut at each number of bytes is the '
    "longest beginning that fits"
)
def every_live_cut(context: Any, base: str) -> None:
    _check_every_cut(world(context), base, None)


def _directories(scene: World, where: str) -> list[str]:
    return {
        "the workspace": [str(scene.workspace)],
        "the directory above the workspace": [str(scene.directory)],
        "the other workspace": [str(scene.directory / "other")],
        "no directory": [],
    }[where]


@then('the stats within {where} count {count:d} checkpoints, all of plan "{plan:Q}"')
def stats_within(context: Any, where: str, count: int, plan: str) -> None:
    scene = world(context)
    stats = scene.the_service.stats(within=_directories(scene, where))
    assert stats.checkpoints == count, stats
    assert [counts.plan_id for counts in stats.plans] == [plan], stats


@then("the stats within {where} count 0 checkpoints")
def stats_within_nothing(context: Any, where: str) -> None:
    scene = world(context)
    stats = scene.the_service.stats(within=_directories(scene, where))
    assert (stats.checkpoints, stats.blobs, stats.plans) == (0, 0, ()), stats


@then("verifying the store within {where} checks {count:d} checkpoints and finds no problem")
def verify_within_clean(context: Any, where: str, count: int) -> None:
    scene = world(context)
    report = scene.the_service.verify(within=_directories(scene, where))
    assert report.ok and report.checked == count, report


@then("verifying the store within {where} finds a problem")
def verify_within_finds(context: Any, where: str) -> None:
    scene = world(context)
    report = scene.the_service.verify(within=_directories(scene, where))
    assert not report.ok, report


@then('resolving the prefix "{first:Q}" and "{second:Q}" share within {where} gives "{name:Q}"')
def resolve_within(context: Any, first: str, second: str, where: str, name: str) -> None:
    scene = world(context)
    pairs = zip(named(scene, first).checkpoint_id, named(scene, second).checkpoint_id, strict=True)
    prefix = ""
    for one, other in pairs:
        if one != other:
            break
        prefix += one
    assert len(prefix) >= 4, prefix  # ULIDs made a moment apart share their time's digits
    found = scene.the_service.resolve_checkpoint_id(prefix, within=_directories(scene, where))
    assert found == named(scene, name).checkpoint_id, found


@when('I try to verify "{name:Q}" within {where}')
def try_verify_within(context: Any, name: str, where: str) -> None:
    scene = world(context)
    checkpoint_id = named(scene, name).checkpoint_id
    directories = _directories(scene, where)
    attempt(
        scene,
        lambda: scene.the_service.verify(checkpoint_id, within=directories),
        record_store=False,
    )


@when("I try to count the checkpoints within {given}")
def try_stats_within(context: Any, given: str) -> None:
    scene = world(context)
    within = json.loads(given)
    attempt(scene, lambda: scene.the_service.stats(within=within), record_store=False)
