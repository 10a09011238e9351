"""Random workspace trees for property-style scenarios (hypothesis strategies)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from support.trees import FileState

GeneratedTree = dict[str, FileState]


def reproducible(count: int) -> settings:
    """Hypothesis settings for scenarios: ``count`` examples, the same ones on every run."""
    return settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


RESERVED_NAMES = {".", "..", ".git", ".rewind", ".gitignore", ".rewindignore"}

names = st.text(
    st.characters(codec="utf-8", exclude_characters="/\0", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=12,
).filter(lambda name: name not in RESERVED_NAMES and not name.startswith(".rewind-tmp-"))

files = st.tuples(
    st.just("file"),
    st.binary(max_size=300),
    st.sampled_from([0o644, 0o755, 0o600, 0o444, 0o700]),
)
symlinks = st.tuples(
    st.just("symlink"),
    st.one_of(names, st.just("../outside"), st.just("a/b/c")).map(str.encode),
    st.just(0),
)


def _consistent(tree: GeneratedTree) -> GeneratedTree:
    """Drop entries that sit below another entry: a path is a file or a directory, not both."""
    kept: GeneratedTree = {}
    for path in sorted(tree, key=lambda item: item.count("/")):
        if not any(str(parent) in kept for parent in PurePosixPath(path).parents):
            kept[path] = tree[path]
    return kept


trees = st.dictionaries(
    st.lists(names, min_size=1, max_size=3).map("/".join),
    st.one_of(files, files, symlinks),
    max_size=12,
).map(_consistent)


def directories_of(tree: GeneratedTree) -> set[str]:
    """The directories a tree's paths need."""
    return {str(parent) for path in tree for parent in PurePosixPath(path).parents if parent.parts}


def write_generated(root: Path, tree: GeneratedTree) -> None:
    """Make ``root`` hold exactly ``tree`` (it is emptied first)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for path, (kind, data, mode) in tree.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "symlink":
            os.symlink(data, target)
        else:
            target.write_bytes(data)
            target.chmod(mode)
