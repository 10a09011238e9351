@real_agents
Feature: The real coding agents checkpoint through rewind's hooks, each against a scripted model
  Each agent's program comes from the npm registry at a pinned version (`nox -s agents`
  installs it, and only that session runs this feature) and runs one prompt without a person,
  in a home of its own, against a model that a script plays on 127.0.0.1: the model writes a
  file, then runs a shell command that deletes another. rewind's hook is installed with
  `rewind hook install`, as a user would; what it recorded is read back with `rewind list` and
  undone with `rewind rollback`. A second hook records every hook input the agent sends: they
  are the fixtures under features/fixtures/hooks/captured/, and they must stay true to the
  program. rewind's hooks take a checkpoint when the prompt is submitted and when the turn
  ends, too, each naming the agent's session and turn. Codex CLI, Copilot CLI and OpenCode, which rewind has no hook for yet, run the same
  prompt with the recording hook alone, so that their fixtures stay true too. Claude Code's
  conversation is rewound too: a session of three prompts is forked before the third with
  `rewind fork`, and `claude --resume` of the new session sends the model what it was sent
  before that prompt; its transcript is the fixture under features/fixtures/transcripts/.

  Background:
    Given a workspace with files
      | path      | content     |
      | keep.txt  | keep me     |
      | README.md | the project |

  Scenario Outline: <agent> with rewind's hook in its <scope> settings: a deleting shell command is rolled back exactly
    Given <agent> from the npm registry, in a home of its own, talking only to a scripted model
    And I ran "rewind hook install <hook> --<scope>" as the agent's user
    When the model writes "notes.txt" and then runs "rm keep.txt && printf 'made\n' > made.txt", in one prompt
    Then the agent answered "Done." and exited 0
    And the model was asked for each turn of its script, and was sent the result of each tool call
    And rewind took a checkpoint before each tool call, naming the tool and, where the agent sends one, the model's call id
    And rewind took a turn_start checkpoint with the prompt and a turn_end one, each checkpoint naming the agent's session and turn
    When I roll back with "rewind rollback" to the checkpoint taken before the shell command
    Then "keep.txt" holds "keep me" again, and "made.txt" is gone
    And the workspace is exactly as the shell command found it
    And the agent's hook inputs have the fields of its captured fixtures

    Examples:
      | agent       | hook        | scope   |
      | Claude Code | claude-code | project |
      | Claude Code | claude-code | user    |
      | Gemini CLI  | gemini      | project |
      | Gemini CLI  | gemini      | user    |

  Scenario Outline: <agent>, which rewind has no hook for yet, sends its hooks what its captured fixtures hold
    Given <agent> from the npm registry, in a home of its own, talking only to a scripted model
    When the model writes "notes.txt" and then runs "rm keep.txt && printf 'made\n' > made.txt", in one prompt
    Then the agent answered "Done." and exited 0
    And the model was asked for each turn of its script, and was sent the result of each tool call
    And "keep.txt" is gone, and "made.txt" holds "made"
    And the agent called its hooks before each tool call, naming the tool and, where the agent sends one, the model's call id
    And the agent's hook inputs have the fields of its captured fixtures

    Examples:
      | agent       |
      | Codex CLI   |
      | Copilot CLI |
      | OpenCode    |

  Scenario: Claude Code's conversation forked before its last prompt resumes from there, the old session untouched
    Given Claude Code from the npm registry, in a home of its own, talking only to a scripted model
    And I ran "rewind hook install claude-code --project" as the agent's user
    When Claude Code runs three prompts in one session, the model writing "one.txt", "two.txt" and "three.txt", one in each
    Then each prompt was answered, and rewind recorded the session's three turns, each with its prompt
    And the session's transcript has the fields of its captured fixture
    When I run "rewind fork" at the third turn, as rewind log shows it
    Then it printed the new session's id and "claude --resume" with it
    And the session's transcript is unchanged, and the new one beside it holds its lines before the third prompt
    When Claude Code resumes the new session with the prompt "continue"
    Then the model was sent exactly the messages before the third prompt, then "continue"
    And the session's transcript is still unchanged
