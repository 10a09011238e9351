"""Steps about an agent's conversation forked at a turn: its transcript, and the fork.

The transcript is the one Claude Code 2.1.197 wrote for a session of three prompts (captured
by ``nox -s agents``, features/fixtures/transcripts/), laid in the scenario's home as Claude
Code lays it: ``home/.claude/projects/<the workspace, dashed>/<session id>.jsonl``. Its
prompts are submitted through rewind's hook, with their real prompt ids.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from behave import given, then, when
from support.scenario import attempt, expand
from support.world import World, world

from rewind import ConversationFork, TranscriptError

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "transcripts"
    / "claude-code-2.1.197"
    / "three-prompts.jsonl"
)
OTHER_SESSION = "00000000-0000-4000-8000-000000000000"


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def _prompts(path: Path) -> list[dict[str, Any]]:
    """The prompts of a transcript (user lines of text, not tool results), in order."""
    return [
        line
        for line in _lines(path)
        if line["type"] == "user" and isinstance(line["message"]["content"], str)
    ]


def _transcript(context: Any) -> Path:
    path = context.transcript
    assert isinstance(path, Path), "no transcript laid"
    return path


def _fork(context: Any) -> ConversationFork:
    fork = context.fork
    assert isinstance(fork, ConversationFork), fork
    return fork


@given("Claude Code's transcript of a session of three prompts, as Claude Code 2.1.197 wrote it")
def lay_transcript(context: Any) -> None:
    scene = world(context)
    text = expand(scene, FIXTURE.read_text("utf-8"))
    session = json.loads(text.splitlines()[0])["sessionId"]
    dashed = re.sub(r"[^A-Za-z0-9]", "-", str(scene.workspace))
    directory = scene.directory / "home" / ".claude" / "projects" / dashed
    directory.mkdir(parents=True)
    path = directory / f"{session}.jsonl"
    path.write_text(text, "utf-8")
    path.chmod(0o600)
    context.transcript = path
    context.transcript_bytes = path.read_bytes()
    context.claude_session = {"session_id": session, "transcript_path": str(path)}
    context.transcript_prompts = [
        (prompt["promptId"], prompt["message"]["content"]) for prompt in _prompts(path)
    ]


def _turn(context: Any, number: int) -> str:
    """Turn ``number``'s prompt id, as the transcript laid for the scenario held it."""
    return str(context.transcript_prompts[number - 1][0])


@when("I fork the conversation at turn {number:d}")
def fork_at(context: Any, number: int) -> None:
    scene = world(context)
    context.fork = scene.the_service.fork_conversation(scene.workspace, _turn(context, number))


@when("I fork the conversation at turn {number:d} as a dry run")
def fork_dry(context: Any, number: int) -> None:
    scene = world(context)
    turn = _turn(context, number)
    context.fork = scene.the_service.fork_conversation(scene.workspace, turn, dry_run=True)


@when("I fork the conversation at the checkpoint that started turn {number:d}")
def fork_at_checkpoint(context: Any, number: int) -> None:
    scene = world(context)
    name = scene.checkpoints[f"turn{number}"].checkpoint_id
    context.fork = scene.the_service.fork_conversation(scene.workspace, name)


@when('I try to fork the conversation at turn {number:d} as the new session "{session:Q}"')
def try_fork_as(context: Any, number: int, session: str) -> None:
    scene = world(context)
    turn = _turn(context, number)
    attempt(
        scene,
        lambda: scene.the_service.fork_conversation(scene.workspace, turn, new_session_id=session),
    )


@when("I try to fork the conversation at turn {number:d} as the session itself")
def try_fork_as_itself(context: Any, number: int) -> None:
    try_fork_as(context, number, context.claude_session["session_id"])


@when("I try to fork the conversation at turn {number:d}")
def try_fork(context: Any, number: int) -> None:
    scene = world(context)
    turn = _turn(context, number)
    attempt(scene, lambda: scene.the_service.fork_conversation(scene.workspace, turn))


@when('I try to fork the conversation at "{name:Q}"')
def try_fork_named(context: Any, name: str) -> None:
    scene = world(context)
    name = expand(scene, name)
    attempt(scene, lambda: scene.the_service.fork_conversation(scene.workspace, name))


def _expected(context: Any, number: int, session: str) -> list[dict[str, Any]]:
    """The transcript's lines before prompt ``number``, queue operations left out, in
    ``session``."""
    lines = _lines(_transcript(context))
    turn = _turn(context, number)
    cut = next(index for index, line in enumerate(lines) if line.get("promptId") == turn)
    return [
        {**line, "sessionId": session} if "sessionId" in line else line
        for line in lines[:cut]
        if line["type"] != "queue-operation"
    ]


@then(
    "the new transcript holds exactly the transcript's lines before prompt {number:d}, in the "
    "new session, the prompt queue's left out"
)
def new_transcript_holds(context: Any, number: int) -> None:
    fork = _fork(context)
    new = Path(fork.new_transcript_path)
    assert new.parent == _transcript(context).parent, new
    assert new.name == f"{fork.new_session_id}.jsonl", new
    expected = _expected(context, number, fork.new_session_id)
    assert _lines(new) == expected
    assert fork.lines == len(expected), fork
    assert any(line["type"] == "last-prompt" for line in expected)
    assert new.stat().st_mode & 0o777 == 0o600, oct(new.stat().st_mode)


@then("the session's transcript is as it was, byte for byte")
def transcript_as_it_was(context: Any) -> None:
    assert _transcript(context).read_bytes() == context.transcript_bytes


@then(
    "the fork names the session, the new one, turn {number:d} and its prompt, and the command "
    "that resumes the new one"
)
def fork_names(context: Any, number: int) -> None:
    fork = _fork(context)
    prompt = _prompts(_transcript(context))[number - 1]
    assert fork.agent == "claude-code", fork
    assert fork.session_id == prompt["sessionId"] != fork.new_session_id, fork
    assert (fork.turn, fork.prompt) == (prompt["promptId"], prompt["message"]["content"]), fork
    assert fork.transcript_path == str(_transcript(context)), fork
    assert fork.resume_command == f"claude --resume {fork.new_session_id}", fork
    assert fork.model_dump(mode="json")["resume_command"] == fork.resume_command


@then("nothing was written beside the session's transcript")
def nothing_written(context: Any) -> None:
    transcript = _transcript(context)
    names = sorted(os.listdir(transcript.parent))
    assert names == [transcript.name], names


@then("the dry run says what it would write, and wrote nothing")
def dry_run_wrote_nothing(context: Any) -> None:
    fork = _fork(context)
    assert fork.dry_run, fork
    assert fork.lines == len(_expected(context, 2, fork.new_session_id)), fork
    assert not Path(fork.new_transcript_path).exists()
    nothing_written(context)


CORRUPTIONS = {
    "not JSON": lambda line: b'{"type":"user","uuid":',
    "not UTF-8": lambda line: b'{"type":"mode","mode":"\xff"}',
    "a JSON array": lambda line: b"[1, 2]",
    "NaN": lambda line: b'{"type":"mode","mode":NaN}',
    "an entry without its uuid": lambda line: _edited(line, uuid=None),
    "an entry whose parentUuid names no earlier entry": lambda line: _edited(
        line, parentUuid=OTHER_SESSION
    ),
    "a line of another session": lambda line: _edited(line, sessionId=OTHER_SESSION),
    "a summary, without a session": lambda line: b'{"type":"summary","summary":"Files written"}',
}
"""What a line of the transcript is made into: another version's forms, or damage."""


def _edited(line: bytes, **fields: Any) -> bytes:
    entry = json.loads(line)
    for key, value in fields.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return json.dumps(entry).encode()


def _rewrite(context: Any, number: int, make: Any) -> None:
    path = _transcript(context)
    lines = path.read_bytes().splitlines()
    lines[number - 1] = make(lines[number - 1])
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    context.transcript_bytes = path.read_bytes()


@given("line {number:d} of the transcript is {corruption}")
def corrupt_line(context: Any, number: int, corruption: str) -> None:
    _rewrite(context, number, CORRUPTIONS[corruption])


@given("line {number:d} of the transcript, {what}, carries the prompt id of turn {turn:d}")
def carries_prompt_id(context: Any, number: int, what: str, turn: int) -> None:
    prompt_id = _turn(context, turn)
    _rewrite(context, number, lambda line: _edited(line, promptId=prompt_id))


@then("it fails with a TranscriptError naming the transcript and line {number:d}")
def fails_naming_line(context: Any, number: int) -> None:
    error = world(context).error
    assert isinstance(error, TranscriptError), repr(error)
    path = str(_transcript(context))
    assert (error.path, error.line) == (path, number), (error.path, error.line, error)
    assert f"transcript {path}, line {number}, " in str(error), error


@then('it fails with a TranscriptError naming the transcript, saying "{text:Q}"')
def fails_saying(context: Any, text: str) -> None:
    error = world(context).error
    assert isinstance(error, TranscriptError), repr(error)
    assert error.path == str(_transcript(context)) and error.line is None, (error.path, error)
    assert text in str(error), error


@given("the session's transcript is gone")
def transcript_gone(context: Any) -> None:
    _transcript(context).unlink()


@given("the session's transcript is a symlink to a copy of it")
def transcript_symlinked(context: Any) -> None:
    path = _transcript(context)
    copy = world(context).directory / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)


@given('a symlink where the transcript of session "{session:Q}" would go, to a file outside')
def symlink_at_new_name(context: Any, session: str) -> None:
    scene = world(context)
    outside = scene.directory / "outside.txt"
    outside.write_text("not a transcript\n", "utf-8")
    (_transcript(context).parent / f"{session}.jsonl").symlink_to(outside)
    context.outside = outside


@then("the symlink is still there, and the file outside is as it was")
def symlink_untouched(context: Any) -> None:
    outside: Path = context.outside
    assert outside.read_text("utf-8") == "not a transcript\n"
    names = sorted(os.listdir(_transcript(context).parent))
    assert len(names) == 2, names  # the transcript and the symlink, no temporary file
    links = [name for name in names if (_transcript(context).parent / name).is_symlink()]
    assert len(links) == 1, names


def _forked_files(scene: World, context: Any) -> list[Path]:
    transcript = _transcript(context)
    return sorted(path for path in transcript.parent.iterdir() if path != transcript)


@then("the undo forked the conversation before prompt {number:d}, as its JSON says")
def undo_forked(context: Any, number: int) -> None:
    scene = world(context)
    result = scene.result
    assert result is not None
    document = json.loads(result.stdout)
    data = document["data"]
    assert data["checkpoint_id"] == scene.checkpoints[f"turn{number}"].checkpoint_id, data
    context.fork = ConversationFork.model_validate(
        {key: value for key, value in data["conversation"].items() if key != "resume_command"}
    )
    assert data["conversation"]["resume_command"] == context.fork.resume_command
    (written,) = _forked_files(scene, context)
    assert str(written) == context.fork.new_transcript_path
    new_transcript_holds(context, number)
