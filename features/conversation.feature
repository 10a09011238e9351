@hooks_in_process
Feature: The conversation rewound with the code: a Claude Code session forked before a turn's prompt
  rewind fork TURN (fork_conversation) writes a new Claude Code session beside the old one:
  its transcript holds every line of the old one before that turn's prompt, in the new
  session, without the prompt queue's bookkeeping (as Claude Code's own --fork-session
  leaves it out), so that claude --resume NEW continues the conversation from there
  (agents_real.feature proves it with the real program). The old transcript is never changed;
  the new one is created whole, mode 0600, never over a file or through a symlink. rewind
  undo --conversation puts back the code as undo does, and forks the conversation at the
  turn it went back to. The transcript here is the one Claude Code 2.1.197 wrote for a
  session of three prompts; one in a form rewind does not know is refused, naming its line,
  and nothing is written.

  Background:
    Given a workspace with files
      | path      | content |
      | README.md | hello   |
    And a checkpoint service on the scenario's database
    And Claude Code's transcript of a session of three prompts, as Claude Code 2.1.197 wrote it
    When Claude Code submits prompt 1 of the transcript
    And I write "one" to "one.txt"
    And Claude Code ends its turn
    And Claude Code submits prompt 2 of the transcript
    And I write "two" to "two.txt"
    And Claude Code ends its turn
    And Claude Code submits prompt 3 of the transcript
    And I write "three" to "three.txt"
    And Claude Code ends its turn
    Then every hook exited 0 printing only {}

  Scenario: A fork at turn 2 of 3 holds the lines before its prompt, in a new session, and the old transcript stays as it was
    When I fork the conversation at turn 2
    Then the new transcript holds exactly the transcript's lines before prompt 2, in the new session, the prompt queue's left out
    And the session's transcript is as it was, byte for byte
    And the fork names the session, the new one, turn 2 and its prompt, and the command that resumes the new one

  Scenario: A turn is named by its id or by a checkpoint of it; a dry run reads the transcript and writes nothing
    When I fork the conversation at turn 2 as a dry run
    Then the dry run says what it would write, and wrote nothing
    When I fork the conversation at the checkpoint that started turn 3
    Then the new transcript holds exactly the transcript's lines before prompt 3, in the new session, the prompt queue's left out
    And the session's transcript is as it was, byte for byte

  Scenario Outline: A transcript rewind cannot read is refused, naming the line, and nothing is written: <corruption>
    Given line <line> of the transcript is <corruption>
    When I try to fork the conversation at turn 2
    Then it fails with a TranscriptError naming the transcript and line <line>
    And nothing was written beside the session's transcript
    And the session's transcript is as it was, byte for byte

    Examples:
      | line | corruption                                       |
      | 5    | not JSON                                         |
      | 18   | not UTF-8                                        |
      | 16   | a JSON array                                     |
      | 17   | NaN                                              |
      | 5    | an entry without its uuid                        |
      | 7    | an entry whose parentUuid names no earlier entry |
      | 2    | a line of another session                        |

  Scenario Outline: A turn whose first line in the transcript is not its prompt is refused: <what>
    Given line <line> of the transcript, <what>, carries the prompt id of turn 2
    When I try to fork the conversation at turn 2
    Then it fails with a TranscriptError naming the transcript and line <line>
    And nothing was written beside the session's transcript

    Examples:
      | line | what          |
      | 11   | a tool result |
      | 5    | an attachment |

  Scenario: A line without a session (an older version's summary) is copied as it is
    Given line 31 of the transcript is a summary, without a session
    When I fork the conversation at turn 3
    Then the new transcript holds exactly the transcript's lines before prompt 3, in the new session, the prompt queue's left out

  Scenario: A transcript not named after its session is not Claude Code's, and is refused
    When Claude Code submits the prompt "Elsewhere" (prompt id "p-9") in session "abc123"
    And I try to fork the conversation at "p-9"
    Then it fails with a TranscriptError naming the transcript, saying "is not Claude Code's abc123.jsonl"

  Scenario: A turn the transcript holds no prompt of, a symlinked transcript and a missing one are refused
    When Claude Code submits the prompt "Once more" (prompt id "p-4")
    And I try to fork the conversation at "p-4"
    Then it fails with a TranscriptError naming the transcript, saying "holds no prompt of turn p-4"
    Given the session's transcript is a symlink to a copy of it
    When I try to fork the conversation at turn 2
    Then it fails with a TranscriptError naming the transcript, saying "cannot read transcript"
    Given the session's transcript is gone
    When I try to fork the conversation at turn 2
    Then it fails with a TranscriptError naming the transcript, saying "cannot read transcript"

  Scenario: A symlink where the new transcript would go is not followed, and nothing is replaced
    Given a symlink where the transcript of session "5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b" would go, to a file outside
    When I try to fork the conversation at turn 2 as the new session "5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b"
    Then it fails with TranscriptError naming "cannot write the new transcript"
    And the symlink is still there, and the file outside is as it was

  Scenario: The first turn, a new session id that is no UUID or the session's own, and a name of no turn are refused
    When I try to fork the conversation at turn 1
    Then it fails with InvalidInputError naming "is the first of session"
    When I try to fork the conversation at turn 2 as the new session "5B0C6F0E-4A4E-4C5E-9D3B-7A1F2E3D4C5B"
    Then it fails with InvalidInputError naming "is not a UUID"
    When I try to fork the conversation at turn 2 as the session itself
    Then it fails with InvalidInputError naming "is the session's own"
    When I snapshot the workspace for plan "by-hand" as "manual"
    And I try to fork the conversation at "{manual}"
    Then it fails with InvalidInputError naming "names neither a turn"
    And nothing was written beside the session's transcript

  Scenario: A session of another agent has no conversation rewind can fork
    When Gemini CLI submits the prompt "Tidy up"
    And I try to fork the conversation at "1"
    Then it fails with TranscriptError naming "only Claude Code's conversations can be forked"

  Scenario: rewind fork on the command line: a dry run, the fork, a chosen session id, JSON, outside a workspace
    When I run "rewind fork {turn2} --dry-run --workspace {workspace}"
    Then it exits with status 0
    And it printed "nothing was written"
    And nothing was written beside the session's transcript
    When I run "rewind fork {turn2} --session-id 5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b --workspace {workspace}"
    Then it exits with status 0
    And it printed "continue it with: claude --resume 5b0c6f0e-4a4e-4c5e-9d3b-7a1f2e3d4c5b"
    When I run "rewind --json fork {turn2} --workspace {workspace}"
    Then it exits with status 0
    And it printed "claude --resume "
    When I run "rewind fork {turn2} --session-id abc --workspace {workspace}"
    Then it exits with status 1 saying "is not a UUID"
    When I run "rewind fork {turn2}"
    Then it exits with status 2 saying "no workspace here"

  Scenario: rewind undo --conversation puts back the code and forks the conversation before the turn it undid
    When I run "rewind undo --conversation --dry-run --workspace {workspace}"
    Then it exits with status 0
    And it printed "would write session"
    And nothing was written beside the session's transcript
    When I run "rewind --json undo --conversation --yes --workspace {workspace}"
    Then it exits with status 0
    And the workspace holds
      | path      | content |
      | README.md | hello   |
      | one.txt   | one     |
      | two.txt   | two     |
    And the undo forked the conversation before prompt 3, as its JSON says
    And the session's transcript is as it was, byte for byte

  Scenario: rewind undo --conversation changes nothing when the transcript cannot be forked
    Given line 5 of the transcript is not JSON
    When I run "rewind undo --conversation --yes --workspace {workspace}"
    Then it exits with status 1 saying "line 5"
    And the workspace holds
      | path      | content |
      | README.md | hello   |
      | one.txt   | one     |
      | two.txt   | two     |
      | three.txt | three   |
    And nothing was written beside the session's transcript
