"""Run the code blocks of Markdown documents as a reader would paste them.

Usage::

    nox -s docs                                   # README.md and docs/**/*.md
    python checks/doc_blocks.py README.md docs/*.md   # with rewind installed

Which blocks run:

- A fenced block runs when its info string starts with ``python`` or ``py`` (a Python
  block) or with ``bash``, ``sh`` or ``shell`` (a shell block), at any indentation: inside a
  list item or one of MkDocs' admonitions as well as at the left margin.
- Every other block is shown, never run: ``console`` (a transcript: commands after ``$``,
  with their output), ``json``, ``text``, and a block without an info string (output).
- A Python block must also work pasted into Python's interactive shell, which runs each
  statement as soon as it is complete (3.11's and 3.12's do): a blank line after an indented
  block before the next statement, and none inside an indented block. The runner checks
  this before it runs anything, and names the line that would fail.
- A Python or shell block that is not meant to run says so in an HTML comment on the
  line right before its fence (blank lines between are allowed), with the reason:
  ``<!-- not run: it starts a server that runs until Ctrl-C -->``. The comment shows in
  no rendered page (GitHub, MkDocs); a marker without a reason is an error.

How they run: the documents one at a time, each in a fresh temporary directory that is the
working directory of all its blocks, in their order in the document, as one reader would
paste them into one terminal and one Python session: Python blocks share one namespace, and
each shell block runs in ``bash -euo pipefail`` (standard input empty) and goes on where the
previous shell block of the document left off, as in one terminal: in its directory (a ``cd``
holds), with its variables, exported or not, and its functions. (A block that sets its own
``trap ... EXIT`` keeps none of that for the next.) So a block may use what an earlier block
of the same document made (a directory, a variable), and the text must create everything its
blocks need. HOME and the XDG directories point into the temporary directory,
and ``REWIND_DATABASE_URL`` and ``REWIND_SERVER_URL`` are unset, so no block reads or writes
the real user's files. A Python block's traceback names the document's own line numbers.

The runner knows nothing of a document's headings or layout: it reads fences and markers
only, so it serves a README and a MkDocs site alike. It exits 1 if any block fails, after
printing which (``README.md:65``) and why; it prints how many blocks ran and which were not
run, with their reasons.
"""

from __future__ import annotations

import argparse
import codeop
import os
import re
import shlex
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DOCUMENTS = ("README.md", "docs/**/*.md")
PYTHON = frozenset({"python", "py", "python3"})
SHELL = frozenset({"bash", "sh", "shell"})
NOT_RUN = re.compile(r"^\s*<!--\s*not run(?::\s*(?P<reason>.*?))?\s*-->\s*$")
FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
DOCUMENT_TIMEOUT = 900
"""A safety net only: a document whose blocks hang is stopped after this many seconds."""
UNSET = ("REWIND_DATABASE_URL", "REWIND_SERVER_URL", "PYTHONSTARTUP")
SHELL_PROLOGUE = r"""
__docs_state=$1; shift
__docs_known=" $(compgen -v | tr '\n' ' ') "
__docs_known_functions=" $( (compgen -A function || true) | tr '\n' ' ') "
if [ -s "$__docs_state" ]; then . "$__docs_state"; fi
__docs_save() {
  local __docs_status=$? __docs_name
  [ "$__docs_status" -eq 0 ] || return "$__docs_status"
  {
    export -p
    for __docs_name in $(compgen -v); do
      case "$__docs_known" in *" $__docs_name "*) continue ;; esac
      case "$__docs_name" in __docs_* | BASH* | _ | PIPESTATUS | FUNCNAME) continue ;; esac
      declare -p "$__docs_name"
    done
    for __docs_name in $(compgen -A function || true); do
      case "$__docs_known_functions" in *" $__docs_name "*) continue ;; esac
      case "$__docs_name" in __docs_*) continue ;; esac
      declare -f "$__docs_name"
    done
    printf 'cd %q\n' "$PWD"
  } >"$__docs_state"
}
trap __docs_save EXIT
"""
"""Runs before each shell block: it takes up the state the previous block left (its directory,
variables and functions, from the file named by ``$1``) and writes the state this block leaves
when it succeeds."""


class MarkerError(Exception):
    """A ``not run`` marker without a reason, or one before a block that would not run."""


@dataclass(frozen=True, slots=True)
class Block:
    """One fenced code block: where it starts (its first code line), its language, its code."""

    document: str
    line: int
    language: str
    code: str
    skip_reason: str | None

    @property
    def runnable(self) -> bool:
        """Whether the convention makes it run (a Python or shell block, not marked)."""
        return self.language in PYTHON | SHELL and self.skip_reason is None

    @property
    def where(self) -> str:
        """``document:line`` of the block's fence."""
        return f"{self.document}:{self.line - 1}"


def read_blocks(path: Path, name: str) -> list[Block]:
    """Every fenced block of the Markdown file ``path`` (shown as ``name``), in order.

    Raises:
        MarkerError: A ``not run`` marker has no reason, or precedes a block that would
            not run anyway.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = (opening["info"].split() or [""])[0].lower()
        body: list[str] = []
        index += 1
        while index < len(lines) and not _closes(lines[index], fence):
            body.append(_dedent(lines[index], indent))
            index += 1
        start = index - len(body) + 1  # the 1-based line number of the first code line
        skip = _marker(lines, start - 2, f"{name}:{start - 1}")
        if skip is not None and language not in PYTHON | SHELL:
            raise MarkerError(f"{name}:{start - 1}: a {language or 'plain'} block never runs")
        blocks.append(Block(name, start, language, "\n".join(body) + "\n", skip))
        index += 1
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence) and set(stripped) == {fence[0]}


def _dedent(line: str, indent: int) -> str:
    removable = len(line) - len(line.lstrip(" "))
    return line[min(indent, removable) :]


def _marker(lines: list[str], fence_index: int, where: str) -> str | None:
    """The reason of the ``not run`` marker above the fence at ``fence_index``, or None."""
    index = fence_index - 1
    while index >= 0 and not lines[index].strip():
        index -= 1
    found = NOT_RUN.match(lines[index]) if index >= 0 else None
    if found is None:
        return None
    reason = (found["reason"] or "").strip()
    if not reason:
        raise MarkerError(f"{where}: a 'not run' marker must say why (<!-- not run: why -->)")
    return reason


def interactive_problem(block: Block) -> str | None:
    """Why a Python block would fail pasted into Python's interactive shell, else None.

    The shell reads a line at a time and runs a statement once it is complete; an indented
    block ends only at a blank line. So a statement right after an indented block, or a blank
    line inside one, fails there as a reader pastes it, though the block runs as a file.
    """
    pending: list[str] = []
    for number, line in enumerate([*block.code.splitlines(), ""], start=block.line):
        pending.append(line)
        try:
            complete = codeop.compile_command("\n".join(pending), block.where, "single")
        except SyntaxError as error:
            return f"{block.document}:{number}: pasted into python3, this line fails: {error.msg}"
        if complete is not None:
            pending = []
    return None


def run_document(path: Path, name: str) -> bool:
    """Run the blocks of one document in a fresh directory, in a process of their own."""
    with tempfile.TemporaryDirectory(prefix="rewind-docs-") as scratch:
        directory = Path(scratch)
        environment = _private_environment(directory)
        command = [sys.executable, __file__, "--inside", str(directory), "--as", name, str(path)]
        try:
            done = subprocess.run(
                command, env=environment, cwd=directory, check=False, timeout=DOCUMENT_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            print(f"{name}: its blocks did not finish within {DOCUMENT_TIMEOUT} s")
            return False
        return done.returncode == 0


def _private_environment(directory: Path) -> dict[str, str]:
    home = directory / ".home"
    environment = {key: value for key, value in os.environ.items() if key not in UNSET}
    environment["HOME"] = str(home)
    for variable, below in (
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_RUNTIME_DIR", ".runtime"),
    ):
        environment[variable] = str(home / below)
    (home / ".runtime").mkdir(mode=0o700, parents=True)
    return environment


def run_blocks_here(blocks: list[Block], document: Path) -> bool:
    """Run ``blocks`` in order in the working directory; stop at the first that fails."""
    namespace: dict[str, object] = {"__name__": "__main__"}
    with tempfile.TemporaryDirectory(prefix="rewind-docs-shell-") as shell:
        prologue, state = Path(shell, "prologue.sh"), Path(shell, "state.sh")
        prologue.write_text(SHELL_PROLOGUE, encoding="utf-8")
        for block in blocks:
            if not block.runnable:
                continue
            print(f"--- {block.where} ({block.language})", flush=True)
            if block.language in SHELL:
                failed = _run_shell(block, prologue, state)
            else:
                failed = _run_python(block, document, namespace)
            if failed:
                print(f"FAILED: {block.where} ({block.language})", flush=True)
                return False
    return True


def _run_shell(block: Block, prologue: Path, state: Path) -> bool:
    """Run a shell block where the previous one left off (``SHELL_PROLOGUE``)."""
    script = f". {shlex.quote(str(prologue))}\n{block.code}"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script, "bash", str(state)],
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        print(f"exit status {done.returncode}")
    return done.returncode != 0


def _run_python(block: Block, document: Path, namespace: dict[str, object]) -> bool:
    # Padded so that tracebacks give the document's own line numbers, and show its lines.
    source = "\n" * (block.line - 1) + block.code
    try:
        exec(compile(source, str(document), "exec"), namespace)
    except BaseException:  # any failure of the block, SystemExit included
        traceback.print_exc()
        return True
    finally:
        sys.stdout.flush()
    return False


def documents(patterns: list[str]) -> Iterator[tuple[Path, str]]:
    """The Markdown files ``patterns`` name (paths, or globs from the repository's root)."""
    seen: set[Path] = set()
    for pattern in patterns:
        if any(character in pattern for character in "*?["):
            paths = sorted(ROOT.glob(pattern))
        else:
            paths = [ROOT / pattern]  # an absolute pattern stays absolute
        for path in (path.resolve() for path in paths):
            if path not in seen:
                seen.add(path)
                yield path, str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main(argv: list[str] | None = None) -> int:
    """Run every runnable block of the documents; return 1 if one failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("documents", nargs="*", default=list(DEFAULT_DOCUMENTS))
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--as", dest="name", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.inside is not None:  # the child: one document, in its directory
        path = Path(options.documents[0])
        os.chdir(options.inside)
        return 0 if run_blocks_here(read_blocks(path, options.name), path) else 1
    failed: list[str] = []
    runnable = 0
    for path, name in documents(options.documents):
        try:
            blocks = read_blocks(path, name)
        except MarkerError as error:
            print(f"FAILED: {error}", file=sys.stderr)
            return 1
        runnable += sum(block.runnable for block in blocks)
        for block in blocks:
            if block.skip_reason is not None:
                print(f"not run: {block.where} ({block.language}): {block.skip_reason}")
        unpastable = [
            problem
            for block in blocks
            if block.runnable and block.language in PYTHON
            if (problem := interactive_problem(block)) is not None
        ]
        for problem in unpastable:
            print(f"FAILED: {problem}")
        if unpastable or (any(block.runnable for block in blocks) and not run_document(path, name)):
            failed.append(name)
    if failed:
        print(f"FAILED: a block of {', '.join(failed)} ({runnable} blocks to run)", file=sys.stderr)
        return 1
    print(f"{runnable} blocks ran, every one as written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
