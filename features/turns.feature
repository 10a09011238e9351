Feature: An agent's sessions and turns are in the record
  The hooks of `rewind hook install` run when a prompt is submitted, before each tool call
  that may change files, and when the agent's turn ends: Claude Code's UserPromptSubmit,
  PreToolUse and Stop, Gemini CLI's BeforeAgent, BeforeTool and AfterAgent. Each takes a
  checkpoint (turn_start, pre_tool, turn_end) whose metadata names, in its agent call, the
  agent, the session, the turn (Claude Code's prompt_id, else the turn's number in its
  session), the prompt's first line (200 characters at most), the tool with a one-line
  summary of its input, and the transcript. The store indexes agent, session and turn:
  list_checkpoints(session_id=...) finds a session's checkpoints. `--no-prompt-text` and
  REWIND_NO_PROMPT_TEXT=1 keep the prompts' text out of the store.
  Scenarios about the record rather than the hook command play their events in the test
  process (@hooks_in_process, see features/support/hooking.py); the others run `rewind hook`.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database

  Scenario: A Claude Code session of two prompts is recorded turn by turn, each turn its prompt id
    When Claude Code submits the prompt "Fix the failing test\nthen run the whole suite" (prompt id "p-1")
    And Claude Code runs the Bash command "npm test"
    And Claude Code edits "src/app.py"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Now commit it" (prompt id "p-2")
    And Claude Code runs the Bash command "git commit -am 'fix the test'"
    And Claude Code ends its turn
    Then every hook exited 0 printing only {}
    And the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt               | tool | tool summary                  |
      | turn_start | p-1  | Fix the failing test |      |                               |
      | pre_tool   | p-1  |                      | Bash | npm test                      |
      | pre_tool   | p-1  |                      | Edit | {workspace}/src/app.py        |
      | turn_end   | p-1  |                      |      |                               |
      | turn_start | p-2  | Now commit it        |      |                               |
      | pre_tool   | p-2  |                      | Bash | git commit -am 'fix the test' |
      | turn_end   | p-2  |                      |      |                               |
    And each of them names the agent "claude-code" and the transcript "/home/user/.claude/projects/example/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl"
    And each tool call's checkpoint keeps its call in its extra, as before

  @hooks_in_process
  Scenario: A prompt's first line is kept, up to 200 characters
    When Claude Code submits a prompt whose first line is 250 "x", then "and more" on the next (prompt id "p-1")
    Then the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt                 | tool | tool summary |
      | turn_start | p-1  | 199 "x" and "…"        |      |              |

  @hooks_in_process
  Scenario: A prompt of blank lines keeps no prompt
    When Claude Code submits the prompt "\n   \n" (prompt id "p-1")
    Then the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt | tool | tool summary |
      | turn_start | p-1  |        |      |              |

  Scenario Outline: <how> keeps the prompts' text out of the store
    When Claude Code submits the prompt "my secret plan" (prompt id "p-1"), its hook run with <how>
    And Claude Code runs the Bash command "ls"
    And Gemini CLI submits the prompt "my other secret", its hook run with <how>
    Then every hook exited 0 printing only {}
    And the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt | tool | tool summary |
      | turn_start | p-1  |        |      |              |
      | pre_tool   | p-1  |        | Bash | ls           |
    And no checkpoint in the store holds the text "secret"

    Examples:
      | how                     |
      | --no-prompt-text        |
      | REWIND_NO_PROMPT_TEXT=1 |

  @hooks_in_process
  Scenario: A Gemini CLI session counts its turns, as Gemini CLI numbers none
    When Gemini CLI submits the prompt "Add a greeting to the app"
    And Gemini CLI runs the shell command "printf hi > hi.txt"
    And Gemini CLI ends its turn
    And Gemini CLI submits the prompt "Now say goodbye too"
    And Gemini CLI ends its turn
    Then every hook exited 0 printing only {}
    And the checkpoints of session "7f3b2c1a-session" are, oldest first
      | type       | turn | prompt                    | tool              | tool summary       |
      | turn_start | 1    | Add a greeting to the app |                   |                    |
      | pre_tool   | 1    |                           | run_shell_command | printf hi > hi.txt |
      | turn_end   | 1    |                           |                   |                    |
      | turn_start | 2    | Now say goodbye too       |                   |                    |
      | turn_end   | 2    |                           |                   |                    |
    And each of them names the agent "gemini" and the transcript "/home/user/.gemini/tmp/example/chats/session.json"

  Scenario: The server counts a Gemini CLI session's turns too, when the hook forwards to it
    Given "rewind serve" runs with the workspace as its root
    When Gemini CLI submits the prompt "Add a greeting to the app"
    And Gemini CLI runs the shell command "printf hi > hi.txt"
    And Gemini CLI ends its turn
    And Gemini CLI submits the prompt "Now say goodbye too"
    Then every hook exited 0 printing only {}
    And the hook said nothing on stderr
    And the checkpoints of session "7f3b2c1a-session" are, oldest first
      | type       | turn | prompt                    | tool              | tool summary       |
      | turn_start | 1    | Add a greeting to the app |                   |                    |
      | pre_tool   | 1    |                           | run_shell_command | printf hi > hi.txt |
      | turn_end   | 1    |                           |                   |                    |
      | turn_start | 2    | Now say goodbye too       |                   |                    |

  Scenario: A Claude Code turn start through the server, as its HTTP hook posts it
    Given "rewind serve" runs with the workspace as its root
    When Claude Code submits the prompt "Fix the failing test" (prompt id "p-1")
    Then every hook exited 0 printing only {}
    And the hook said nothing on stderr
    And the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt               | tool | tool summary |
      | turn_start | p-1  | Fix the failing test |      |              |

  @hooks_in_process
  Scenario: Sessions are kept apart
    When Claude Code submits the prompt "first session" (prompt id "p-1")
    And Claude Code submits the prompt "second session" (prompt id "p-2") in session "other"
    Then the checkpoints of session "abc123" are, oldest first
      | type       | turn | prompt        | tool | tool summary |
      | turn_start | p-1  | first session |      |              |
    And the checkpoints of session "other" are, oldest first
      | type       | turn | prompt         | tool | tool summary |
      | turn_start | p-2  | second session |      |              |

  @hooks_in_process
  Scenario: The command lists a session's checkpoints, and shows each one's agent call
    When Claude Code submits the prompt "Fix the failing test" (prompt id "p-1")
    And Claude Code runs the Bash command "npm test"
    And Claude Code submits the prompt "Something else" (prompt id "p-9") in session "other"
    And I run "rewind --json list --all --session abc123"
    Then the envelope lists 2 items under "data.checkpoints"
    And the envelope's "data.checkpoints.0.checkpoint_type" is "pre_tool"
    And the envelope's "data.checkpoints.0.metadata.agent_call" is {"agent": "claude-code", "session_id": "abc123", "turn": "p-1", "prompt": null, "tool": "Bash", "tool_summary": "npm test", "transcript_path": "/home/user/.claude/projects/example/00893aaf-19fa-41d2-8238-13269b9b3ca0.jsonl"}
    And the envelope's "data.checkpoints.1.metadata.agent_call.prompt" is "Fix the failing test"
    When I run "rewind show latest --workspace {workspace}"
    Then it exits with status 0 printing "session      other"
    And it printed "turn         p-9"
    And it printed "prompt       Something else"

  Scenario: A program records its own agent calls through the service
    When I snapshot the workspace for plan "my-agent" with the agent call
      | agent    | session_id | turn | prompt     | tool  | tool_summary | transcript_path |
      | my-agent | s-9        | 3    | do a thing | shell | make test    | /tmp/s-9.log    |
    Then the checkpoints of session "s-9" are, oldest first
      | type         | turn | prompt     | tool  | tool summary |
      | pre_decision | 3    | do a thing | shell | make test    |
    And each of them names the agent "my-agent" and the transcript "/tmp/s-9.log"

  Scenario Outline: An agent call that is not one line, or too long, is refused before anything is read
    When I try to snapshot the workspace for plan "my-agent" with the agent call <call>
    Then it fails with InvalidMetadataError naming "<field>"
    And plan "my-agent" has 0 checkpoints

    Examples:
      | call                                                          | field        |
      | {"agent": "a", "prompt": "two\nlines"}                       | prompt       |
      | {"agent": "a", "tool_summary": "201 characters"}             | tool_summary |
      | {"agent": ""}                                                 | agent        |
      | {"session_id": "s"}                                           | agent        |

  @hooks_in_process
  Scenario: Checkpoints an older rewind stored read back without an agent call
    When Claude Code submits the prompt "Fix the failing test" (prompt id "p-1")
    And the database is taken back to schema revision "0007", as an older rewind left it
    And I restart the checkpoint service
    Then the newest checkpoint of plan "claude-code" has no agent call, and its session in its extra
    And the checkpoints of session "abc123" are, oldest first
      | type | turn | prompt | tool | tool summary |
    When Claude Code runs the Bash command "npm test"
    Then the checkpoints of session "abc123" are, oldest first
      | type     | turn | prompt | tool | tool summary |
      | pre_tool | p-1  |        | Bash | npm test     |
    And the upgraded schema matches the ORM tables

  Scenario: The documented hook inputs have the fields rewind reads, as the real programs sent them
    Then each documented hook input's fields that rewind reads are in what its program sent
