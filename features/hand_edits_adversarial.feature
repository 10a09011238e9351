@hooks_in_process
Feature: A person's edits stay kept through every sequence of undos, redos, restores and crashes
  The edits a person made since the agent last wrote the workspace are kept by an undo, a redo,
  a rollback or a restore of the agent's history, and stay kept by the next one: only --force
  overwrites them. These scenarios go at it sideways: several operations in a row, a crash
  in the middle of one, a directory where the history had a file, and a prune in between.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    When Claude Code submits the prompt "Write the app" (prompt id "p-1")
    And Claude Code edits "src/app.py"
    And I write "app one" to "src/app.py"
    And Claude Code ends its turn
    And Claude Code submits the prompt "Say hi and take notes" (prompt id "p-2")
    And Claude Code runs the Bash command "sed -i s/hello/hi/ README.md && echo notes > notes"
    And I write "hi" to "README.md"
    And I write "notes" to "notes"
    And Claude Code edits "src/app.py"
    And I write "app two" to "src/app.py"
    And Claude Code ends its turn
    Then every hook exited 0 printing only {}

  Scenario: A second undo keeps what the first kept as a person's
    When I write "my notes" to "notes"
    And I write "mine" to "mine.txt"
    And I undo the agent's last turn
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content  |
      | README.md  | hello    |
      | src/app.py | app      |
      | notes      | my notes |
      | mine.txt   | mine     |
    And it kept
      | path     | reason    |
      | mine.txt | hand_edit |
      | notes    | conflict  |

  Scenario: An undo after putting back one path keeps a person's edit of another
    When I write "mine" to "mine.txt"
    And I put back "README.md" from the start of the agent's last turn
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | mine.txt   | mine    |
    And it kept
      | path     | reason    |
      | mine.txt | hand_edit |

  Scenario: An undo after a redo keeps what a person changed before the first undo
    When I write "mine" to "mine.txt"
    And I undo the agent's last turn
    And I redo
    And I undo the agent's last turn
    Then the workspace holds
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app one |
      | mine.txt   | mine    |
    And it kept
      | path     | reason    |
      | mine.txt | hand_edit |

  Scenario: A redo after a crashed undo stays done, and keeps what a person made since
    When a process undoing the agent's last turn is killed after 1 file put back
    And I write "mine" to "mine.txt"
    And I redo
    Then it kept
      | path     | reason    |
      | mine.txt | hand_edit |
    When Claude Code submits the prompt "Go on" (prompt id "p-3")
    Then every hook exited 0 printing only {}
    And the workspace holds
      | path       | content |
      | README.md  | hi      |
      | src/app.py | app two |
      | notes      | notes   |
      | mine.txt   | mine    |
    And the workspace's newest checkpoint holds exactly what is on disk

  Scenario: Finishing an undo a crash cut short keeps what a person changed since
    When a process undoing the agent's last turn is killed after 1 file put back
    And I write "mine" to "mine.txt"
    And I write "app by me" to "src/app.py"
    And Claude Code submits the prompt "Go on" (prompt id "p-3")
    Then every hook exited 0 printing only {}
    And the workspace holds
      | path       | content   |
      | README.md  | hello     |
      | src/app.py | app by me |
      | mine.txt   | mine      |
    And the workspace's newest checkpoint holds exactly what is on disk

  Scenario: An undo that turns a folder back into a file keeps a person's file in the folder
    When Claude Code submits the prompt "Make notes a folder" (prompt id "p-3")
    And Claude Code runs the Bash command "rm notes && mkdir notes && echo notes > notes/agent.md"
    And I delete "notes"
    And I write "notes" to "notes/agent.md"
    And Claude Code ends its turn
    And I write "mine" to "notes/mine.md"
    And I undo the agent's last turn as a dry run
    Then it would keep
      | path          | reason    |
      | notes         | conflict  |
      | notes/mine.md | hand_edit |
    When I undo the agent's last turn
    Then the workspace holds
      | path          | content |
      | README.md     | hi      |
      | src/app.py    | app two |
      | notes/mine.md | mine    |
    And the undo restored "" and removed "notes/agent.md"
    And it kept
      | path          | reason    |
      | notes         | conflict  |
      | notes/mine.md | hand_edit |
    When Claude Code submits the prompt "Go on" (prompt id "p-4")
    Then every hook exited 0 printing only {}
    And the workspace's newest checkpoint holds exactly what is on disk
    And verifying the store finds no problem

  Scenario: A prune keeps what a person's edits are told apart by, after an undo kept one
    When I write "my notes" to "notes"
    And I undo the agent's last turn
    And I prune with max_bytes=1
    And I write "app by me" to "src/app.py"
    And I roll back to the safety checkpoint of that undo
    Then the workspace holds
      | path       | content   |
      | README.md  | hi        |
      | src/app.py | app by me |
      | notes      | my notes  |
    And it kept
      | path       | reason   |
      | src/app.py | conflict |
