Feature: The rewind command line
  A person at a terminal snapshots a workspace, lists checkpoints and shows one.

  Background:
    Given a workspace with files
      | path       | content |
      | a.txt      | alpha   |
      | src/b.py   | beta    |

  Scenario: Snapshot prints the new checkpoint's id and its changed paths
    When I run "rewind snapshot {workspace} --plan plan-1 --decision d-1 --label first"
    Then it prints a new checkpoint id, then the lines
      """
        a.txt
        src/b.py
      """
    When I write "changed" to "a.txt"
    And I run "rewind snapshot {workspace} --plan plan-1 --label second"
    Then it prints a new checkpoint id, then the lines
      """
        a.txt
      """

  Scenario: List and show read what snapshot wrote
    When I run "rewind snapshot {workspace} --plan plan-1 --label first"
    And I run "rewind snapshot {workspace} --plan plan-2 --label other"
    And I run "rewind list --plan plan-1"
    Then the output has 1 lines, each with "plan-1"
    And the output contains "2 changed  first"
    When I run "rewind list"
    Then the output has 2 lines, each with "changed"
    When I run "rewind show {last}"
    Then the output is a checkpoint whose "sandbox_ref" is "{workspace}"
    And the output is a checkpoint whose "label" is "other"

  Scenario: Errors are one clear line and a failing status
    When I run "rewind snapshot {directory}/missing --plan plan-1"
    Then it exits with status 1 saying "does not exist"
    When I run "rewind show 01ARZ3NDEKTSV4RRFFQ69G5FAV"
    Then it exits with status 1 saying "error: checkpoint '01ARZ3NDEKTSV4RRFFQ69G5FAV' does not exist"
    When I run "rewind --db mysql://localhost/x list"
    Then it exits with status 1 saying "unsupported database URL"

  Scenario: With no database setting, the store is .rewind/rewind.db and is never tracked
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    Then it prints a new checkpoint id, then the lines
      """
        a.txt
        src/b.py
      """
    When I run "rewind list" in the workspace without a database setting
    Then the output has 1 lines, each with "plan-1"

  Scenario: A database file kept in the workspace's top directory is never tracked
    When I run "rewind --db sqlite:///{workspace}/rewind.db snapshot {workspace} --plan plan-1"
    And I run "rewind --db sqlite:///{workspace}/rewind.db snapshot {workspace} --plan plan-1"
    Then it prints a new checkpoint id, then the lines
      """
      """

  Scenario: Diff, dry run, rollback, restore and verify from the terminal
    When I run "rewind snapshot {workspace} --plan plan-1 --label first"
    And I write "changed" to "a.txt"
    And I write "new" to "c.txt"
    And I run "rewind diff {last}"
    Then the output has 2 lines, each with "txt"
    And the output contains "modified a.txt"
    And the output contains "added    c.txt"
    When I run "rewind rollback {last} --dry-run"
    Then the output contains "1 restored, 1 removed, 1 unchanged (dry run: nothing changed)"
    When I run "rewind rollback {first} --yes"
    Then the output contains "restored a.txt"
    And the output contains "removed  c.txt"
    And the output contains "rewind rollback"
    When I run "rewind restore {first} --into {directory}/copy"
    Then the output contains "2 restored, 0 removed, 0 unchanged"
    When I run "rewind verify"
    Then the output contains "2 checkpoints checked, 0 problems"

  Scenario: A rollback asks first, and does nothing when not confirmed
    When I run "rewind snapshot {workspace} --plan plan-1"
    And I write "changed" to "a.txt"
    And I run "rewind rollback {last}" answering "n"
    Then it exits with status 1 saying "Aborted"
    And "a.txt" in the workspace still contains "changed"

  Scenario: Commands that read never create a database
    When I run "rewind --db sqlite:///{directory}/no/such/dir/x.db list"
    Then it exits with status 1 saying "no rewind database"
    And nothing exists at "no" beside the workspace
    When I run "rewind list" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    And nothing exists at "workspace/.rewind" beside the workspace
    When I run "rewind verify" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    When I run "rewind show 01ARZ3NDEKTSV4RRFFQ69G5FAV" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"

  Scenario: The database may be given as a plain file path
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    When I run "rewind --db {directory}/plain.db snapshot {workspace} --plan plan-1"
    Then it exits with status 0
    When I run "rewind --db {directory}/plain.db list"
    Then the output has 1 lines, each with "changed"
