"""Seeded workspaces for the benchmarks: source-like trees, copied fresh for every run.

A tree is generated once per shape into a template directory, then copied into a new
directory for each measured run, so every run starts from the same files and no run sees
what another left behind. Everything comes from ``random.Random(seed)``: the same seed gives
byte-identical trees on every machine.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Fingerprint",
    "TreeShape",
    "TreeTemplate",
    "add_files",
    "append_lines",
    "copy_template",
    "fingerprint",
    "generate_template",
    "settle_tree",
    "small_files_shape",
    "source_tree_shape",
]

KB = 1000
MB = 1000 * KB
AGE_SECONDS = 60
"""How far in the past every copied file's modification time is set (see ``settle_tree``)."""
IGNORED_PACKAGES = 300
IGNORED_FILES_PER_PACKAGE = 10
MAX_DEPTH = 3
NESTED_SHARE = 2 / 3
"""The share of directories made inside another one (at most ``MAX_DEPTH`` levels)."""
LINE_POOL_SIZE = 20_000
"""Distinct pseudo-Python lines, from which each file draws a vocabulary of its own."""
LARGEST_VOCABULARY = 2_000

VOCABULARY = """
account address agent answer apply array batch buffer cache call channel check
checkpoint child client column config context count cursor data decision default delta
digest entry error event field file filter format frame graph group handler hash header
index input item job key label layer limit line list loader lock manager message metric
mode model node number offset option order output owner packet page parent parser path
payload plan pool prompt queue reader record registry request result retry root route
row rule sample schema scope session signal size source span state status step store
stream table target task thread timer token tool total tree user value version view
window worker writer
"""
WORDS = tuple(VOCABULARY.split())

GITIGNORE = """\
# Byte-compiled / optimized / DLL files
__pycache__/
*.py[cod]
*$py.class
*.so
.Python
build/
develop-eggs/
dist/
downloads/
eggs/
.eggs/
lib/
lib64/
parts/
sdist/
var/
wheels/
share/python-wheels/
*.egg-info/
.installed.cfg
*.egg
MANIFEST
*.manifest
*.spec
pip-log.txt
pip-delete-this-directory.txt
htmlcov/
.tox/
.nox/
.coverage
.coverage.*
.cache
nosetests.xml
coverage.xml
*.cover
*.py,cover
.hypothesis/
.pytest_cache/
cover/
*.mo
*.pot
*.log
local_settings.py
db.sqlite3
db.sqlite3-journal
instance/
.webassets-cache
.scrapy
docs/_build/
.pybuilder/
target/
.ipynb_checkpoints
profile_default/
ipython_config.py
.pdm.toml
.pdm-python
.pdm-build/
__pypackages__/
celerybeat-schedule
celerybeat.pid
*.sage.py
.env
.venv
env/
venv/
ENV/
env.bak/
venv.bak/
.spyderproject
.spyproject
.ropeproject
/site
.mypy_cache/
.dmypy.json
dmypy.json
.pyre/
.pytype/
cython_debug/
.ruff_cache/
.pypirc
node_modules/
"""


@dataclass(frozen=True, slots=True)
class TreeShape:
    """What a generated workspace holds: how many files, where, and how big."""

    name: str
    files: int
    directories: int
    smallest_file: int
    largest_file: int
    big_files: int = 0
    """Files of 1-5 MB on top of ``files``, like vendored data or generated code."""
    ignored_files: int = IGNORED_PACKAGES * IGNORED_FILES_PER_PACKAGE
    """Small files under the ignored ``node_modules/``."""


@dataclass(frozen=True, slots=True)
class TreeTemplate:
    """A generated tree on disk, and what a run needs to know about it."""

    shape: TreeShape
    path: Path
    tracked_files: list[str]
    """Relative POSIX paths a checkpointer should track (``.gitignore`` included)."""
    tracked_bytes: int


def source_tree_shape(files: int) -> TreeShape:
    """A source tree of ``files`` text files of 1-20 KB in ``files / 20`` directories.

    Big files scale with the tree: ten of 1-5 MB per 10,000 files (at least one), so
    10,000 files make about 130 MB and every size has the same proportions.
    """
    return TreeShape(
        name=f"source-{files}",
        files=files,
        directories=max(1, files // 20),
        smallest_file=KB,
        largest_file=20 * KB,
        big_files=max(1, round(files / 1000)),
    )


def small_files_shape(files: int, directories: int) -> TreeShape:
    """Many small source files (1-4 KB), no big ones: the shape of the scale test."""
    return TreeShape(
        name=f"small-{files}",
        files=files,
        directories=directories,
        smallest_file=KB,
        largest_file=4 * KB,
    )


def generate_template(shape: TreeShape, seed: int, path: Path) -> TreeTemplate:
    """Write the tree ``shape`` describes into the empty or missing directory ``path``."""
    rng = random.Random(f"{seed}:{shape.name}")
    lines = _line_pool(rng)
    path.mkdir(parents=True, exist_ok=True)
    (path / ".gitignore").write_text(GITIGNORE)
    tracked = [".gitignore"]
    total = len(GITIGNORE)
    directories = _directories(rng, shape.directories)
    for index in range(shape.files + shape.big_files):
        big = index >= shape.files
        size = (
            rng.randint(MB, 5 * MB) if big else rng.randint(shape.smallest_file, shape.largest_file)
        )
        relative = f"{rng.choice(directories)}/{_file_name(rng, index)}"
        total += _write_source(path / relative, rng, lines, size)
        tracked.append(relative)
    _write_ignored_packages(path / "node_modules", rng, lines, shape.ignored_files)
    return TreeTemplate(shape, path, sorted(tracked), total)


def copy_template(template: TreeTemplate, destination: Path) -> Path:
    """Copy the template's files (contents and permission bits) to ``destination``; settle it."""
    shutil.copytree(template.path, destination, copy_function=shutil.copy)
    settle_tree(destination)
    return destination


def settle_tree(root: Path) -> None:
    """Set every modification time under ``root`` to a minute ago, then flush it to disk.

    A file written within the last second or two is "racily clean" to git (its timestamp
    cannot tell a later change apart, so git re-reads it), and a fresh copy has only such
    files. Ageing them means no run is penalised for files that were just written: every
    checkpointer starts from a settled tree, as an agent's workspace usually is.

    The flush (``os.sync``) keeps the kernel's writeback of the copy out of the measured
    operation: without it, git's first snapshot, which writes a file per object, took 2 to 3
    times as long as on a flushed tree, and varied by as much.
    """
    then = time.time() - AGE_SECONDS
    for directory, _subdirectories, files in os.walk(root):
        for name in files:
            os.utime(os.path.join(directory, name), (then, then))
        os.utime(directory, (then, then))
    os.sync()


def append_lines(root: Path, relatives: list[str], text: str) -> None:
    """Append one line to each of the files ``relatives`` under ``root``."""
    for relative in relatives:
        with (root / relative).open("a") as file:
            file.write(f"{text}\n")


def add_files(root: Path, relatives: list[str]) -> None:
    """Create the files ``relatives`` under ``root``, in existing directories."""
    for relative in relatives:
        (root / relative).write_text(f"# {relative}: added by the benchmark\nvalue = 1\n")


Fingerprint = tuple[tuple[tuple[str, int], ...], str]
"""What ``fingerprint`` returns: every file's (path, size), and a digest of a few."""


def fingerprint(root: Path, hashed: list[str]) -> Fingerprint:
    """Cheap identity of a tree: every file's relative path and size, and a few files' sha256.

    Args:
        root: The tree.
        hashed: Relative paths whose contents are hashed too (those a run changed).

    Returns:
        The sorted (path, size) pairs and the sha256 over the ``hashed`` files' contents
        (a missing file hashes as its name).
    """
    sizes: list[tuple[str, int]] = []
    for directory, _subdirectories, files in os.walk(root):
        relative_directory = os.path.relpath(directory, root)
        for name in files:
            relative = os.path.normpath(os.path.join(relative_directory, name))
            sizes.append((relative, os.lstat(os.path.join(directory, name)).st_size))
    digest = hashlib.sha256()
    for relative in sorted(hashed):
        file = root / relative
        digest.update(file.read_bytes() if file.exists() else f"missing {relative}".encode())
    return tuple(sorted(sizes)), digest.hexdigest()


def _line_pool(rng: random.Random) -> list[str]:
    """Distinct lines of pseudo-Python, each ending in a newline."""
    return [_source_line(rng) for _ in range(LINE_POOL_SIZE)]


def _source_line(rng: random.Random) -> str:
    word = rng.choice
    indent = "    " * rng.randint(0, 3)
    name = f"{word(WORDS)}_{word(WORDS)}"
    number = rng.randint(0, 4096)
    templates = (
        f"def {name}({word(WORDS)}, {word(WORDS)}={number}):",
        f"{name} = {word(WORDS)}.{word(WORDS)}({word(WORDS)}, {number})",
        f"if {word(WORDS)} is not None and {name} > {number}:",
        f"return {name}({word(WORDS)}, {word(WORDS)}=self.{word(WORDS)})",
        f"# {' '.join(rng.choices(WORDS, k=rng.randint(3, 9)))}",
        f"for {word(WORDS)} in self.{name}[{number}:]:",
        f"self.{name} = {word(WORDS)}",
        f'raise ValueError(f"{word(WORDS)} {word(WORDS)} {{{name}!r}}")',
        f"from {word(WORDS)}.{word(WORDS)} import {name}",
        f"class {word(WORDS).title()}{word(WORDS).title()}({word(WORDS).title()}):",
    )
    return f"{indent}{rng.choice(templates)}\n"


def _directories(rng: random.Random, count: int) -> list[str]:
    """``count`` directory paths nested one to three levels deep, parents first."""
    directories: list[str] = []
    parents: list[str] = []  # those less than three levels deep
    for index in range(count):
        name = f"{rng.choice(WORDS)}_{index}"
        if parents and rng.random() < NESTED_SHARE:
            name = f"{rng.choice(parents)}/{name}"
        directories.append(name)
        if name.count("/") < MAX_DEPTH - 1:
            parents.append(name)
    return directories


def _file_name(rng: random.Random, index: int) -> str:
    extension = rng.choices((".py", ".md", ".toml", ".txt"), weights=(85, 8, 4, 3))[0]
    return f"{rng.choice(WORDS)}_{index}{extension}"


def _write_source(file: Path, rng: random.Random, lines: list[str], size: int) -> int:
    """Write about ``size`` bytes of lines from ``lines`` to ``file``; return the bytes written.

    The file draws its lines from a vocabulary of its own, about two thirds as many distinct
    lines as it has, so it repeats itself as code does: zlib compresses the result 3 to 4.5
    times (2.8 for a 1 KB file), like real Python sources.
    """
    average_line = sum(map(len, lines[:100])) / 100
    count = max(1, round(size / average_line))
    vocabulary = rng.sample(lines, min(LARGEST_VOCABULARY, max(8, count * 2 // 3)))
    data = (f"# {file.name}\n" + "".join(rng.choices(vocabulary, k=count))).encode()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(data)
    return len(data)


def _write_ignored_packages(root: Path, rng: random.Random, lines: list[str], files: int) -> None:
    """Fill ``root`` (an ignored ``node_modules``) with ``files`` small files."""
    for index in range(files):
        number, position = divmod(index, IGNORED_FILES_PER_PACKAGE)
        package = root / f"{WORDS[number % len(WORDS)]}-{number}"
        relative = f"lib/{rng.choice(WORDS)}_{index}.js" if position else "index.js"
        _write_source(package / relative, rng, lines, rng.randint(200, 2 * KB))
