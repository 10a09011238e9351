@hooks_in_process
Feature: A person's own edits survive an undo, a rollback and a restore of an agent's history
  Every checkpoint an agent's hooks take records the workspace as the agent left it; so does
  every rollback of that history. A file that differs from what rewind last saw the agent (or
  a rollback) leave was changed by a person: going back over an agent's history leaves it as
  it is and says so ("kept: changed since the agent last wrote it"). When the history gone
  back over changed it too, it is a conflict: kept as well, and the command exits with status
  3. --force (force=True) overwrites them; the safety checkpoint still undoes that.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    When Claude Code submits the prompt "Write the app and take notes" (prompt id "p-1")
    And Claude Code edits "src/app.py"
    And I write "app one" to "src/app.py"
    And Claude Code runs the Bash command "echo notes > notes.txt"
    And I write "notes" to "notes.txt"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Make the app say two" (prompt id "p-2")
    And Claude Code edits "src/app.py"
    And I write "app two" to "src/app.py"
    And Claude Code runs the Bash command "rm README.md"
    And I delete "README.md"
    And Claude Code ends its turn
    Then every hook exited 0 printing only {}

  Scenario: Undo keeps a file a person edited and one they made, and keeps a conflict
    When I write "my notes" to "notes.txt"
    And I write "mine" to "mine.txt"
    And I write "app by me" to "src/app.py"
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content   |
      | README.md  | hello     |
      | src/app.py | app by me |
      | notes.txt  | my notes  |
      | mine.txt   | mine      |
    And the undo restored "README.md" and removed ""
    And it kept
      | path       | reason    |
      | mine.txt   | hand_edit |
      | notes.txt  | hand_edit |
      | src/app.py | conflict  |

  Scenario: With force the undo overwrites a person's edits, and redo gives them back
    When I write "my notes" to "notes.txt"
    And I write "mine" to "mine.txt"
    And I write "app by me" to "src/app.py"
    And I undo the agent's last turn with force
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |
    And it kept nothing
    When I redo
    Then the workspace holds
      | path       | content   |
      | src/app.py | app by me |
      | notes.txt  | my notes  |
      | mine.txt   | mine      |

  Scenario: What a person changes after an undo, the redo keeps
    When I undo the agent's last turn
    And I write "hello again" to "README.md"
    And I write "my notes" to "notes.txt"
    And I redo
    Then the workspace holds
      | path       | content     |
      | README.md  | hello again |
      | src/app.py | app two     |
      | notes.txt  | my notes    |
    And it kept
      | path      | reason    |
      | README.md | conflict  |
      | notes.txt | hand_edit |

  Scenario: Undoing twice goes back over what the first undo wrote, not a person's edit
    When I undo the agent's last turn
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And it kept nothing

  Scenario: An edit made before a prompt is part of that turn's start, so undo returns to it
    When I write "my notes" to "notes.txt"
    And Claude Code submits the prompt "Make the app say three" (prompt id "p-3")
    And Claude Code edits "src/app.py"
    And I write "app three" to "src/app.py"
    And Claude Code ends its turn
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content  |
      | src/app.py | app two  |
      | notes.txt  | my notes |
    And it kept nothing

  Scenario: Putting back paths from an agent's checkpoint keeps a person's edit unless forced
    When I write "my notes" to "notes.txt"
    And I put back "notes.txt, src/app.py" from the start of the agent's last turn
    Then the workspace holds
      | path       | content  |
      | src/app.py | app one  |
      | notes.txt  | my notes |
    And it kept
      | path      | reason    |
      | notes.txt | hand_edit |
    When I put back "notes.txt" from the start of the agent's last turn with force
    Then the workspace holds
      | path       | content |
      | src/app.py | app one |
      | notes.txt  | notes   |

  Scenario: A rollback to an agent's checkpoint keeps a person's edit, and a dry run says so
    When I write "my notes" to "notes.txt"
    And I roll back to the start of the agent's last turn as a dry run
    Then it would keep
      | path      | reason    |
      | notes.txt | hand_edit |
    When I roll back to the start of the agent's last turn
    Then the workspace holds
      | path       | content  |
      | README.md  | hello    |
      | src/app.py | app one  |
      | notes.txt  | my notes |

  Scenario: The command says what it kept and why, and exits with status 3 on a conflict
    When I write "my notes" to "notes.txt"
    And I write "app by me" to "src/app.py"
    And I run "rewind undo --dry-run --workspace {workspace}"
    Then it exits with status 3 printing "would keep (changed since the agent last wrote it)"
    And it printed "would keep (conflict: changed by the agent's history and by a person since)"
    And it printed "1 conflict(s) would be kept as a person left them: src/app.py" on stderr 1 times
    When I run "rewind undo --workspace {workspace}" answering "y"
    Then it exits with status 3 printing "kept (changed since the agent last wrote it)"
    And it printed "1 file a person changed since the agent last wrote them kept; 1 conflict(s) kept" on stderr 1 times
    And it printed "1 restored, 0 removed, 2 kept"
    And it printed "1 conflict(s) were kept as a person left them: src/app.py. Merge by hand, or add --force" on stderr 1 times
    When I run "rewind redo --yes --workspace {workspace}"
    And I run "rewind undo --yes --force --workspace {workspace}"
    Then it exits with status 0
    And the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | notes.txt  | notes   |

  Scenario: The MCP tool undo reports what it kept and why
    Given an MCP client that started "rewind mcp" with the workspace as its root
    When I write "my notes" to "notes.txt"
    And the agent calls "undo" with
      """
      {"workspace": "{workspace}", "confirm": true}
      """
    Then the result's "message" contains "1 changed by a person since the agent wrote them: kept"
    And the workspace holds
      | path       | content  |
      | README.md  | hello    |
      | src/app.py | app one  |
      | notes.txt  | my notes |
