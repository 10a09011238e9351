Feature: The rewind command line
  A person at a terminal snapshots a workspace, lists checkpoints, shows, diffs, rolls back,
  restores and verifies them; every run goes through the installed entry point.

  Background:
    Given a workspace with files
      | path       | content |
      | a.txt      | alpha   |
      | src/b.py   | beta    |

  Scenario: Snapshot prints the new id, each changed path with its change, then the counts
    When I run "rewind snapshot {workspace} --plan plan-1 --decision d-1 --label first"
    Then it prints a new checkpoint id, then the lines
      """
      added a.txt
      added src/b.py
      2 added, 0 modified, 0 deleted
      """
    When I write "changed" to "a.txt"
    And I write "new" to "c.txt"
    And I delete "src/b.py"
    And I run "rewind snapshot {workspace} --plan plan-1 --label second"
    Then it prints a new checkpoint id, then the lines
      """
      modified a.txt
      added    c.txt
      deleted  src/b.py
      1 added, 1 modified, 1 deleted
      """

  Scenario: With --quiet a snapshot prints its id and the counts only
    When I run "rewind snapshot {workspace} --plan plan-1 --quiet"
    Then it prints a new checkpoint id, then the lines
      """
      2 added, 0 modified, 0 deleted
      """
    When I write "changed" to "a.txt"
    And I run "rewind snapshot {workspace} --plan plan-1 -q"
    Then it prints a new checkpoint id, then the lines
      """
      0 added, 1 modified, 0 deleted
      """

  Scenario: Snapshot records the reason, the tool, the phase and extra metadata
    When I run "rewind snapshot {workspace} --plan plan-1 --reason 'before migrate' --source-tool shell --phase build --extra attempt=3 --extra flags=[1,true] --extra note=plain --type pre_tool"
    And I run "rewind --json show {last}"
    Then the envelope's "data.metadata.reason" is "before migrate"
    And the envelope's "data.metadata.source_tool" is "shell"
    And the envelope's "data.metadata.phase" is "build"
    And the envelope's "data.metadata.extra.attempt" is 3
    And the envelope's "data.metadata.extra.flags" is [1, true]
    And the envelope's "data.metadata.extra.note" is "plain"
    And the envelope's "data.checkpoint_type" is "pre_tool"
    When I run "rewind show {last}"
    Then the output contains "reason       before migrate"
    And the output contains "source tool  shell"
    And the output contains "extra attempt 3"
    And the output contains "extra flags  [1, true]"

  Scenario: Malformed or reserved extra metadata is refused and nothing is stored
    When I run "rewind snapshot {workspace} --plan plan-1 --extra novalue"
    Then it exits with status 2 saying "'novalue' is not KEY=VALUE"
    When I run "rewind snapshot {workspace} --plan plan-1 --extra diff_paths=[]"
    Then it fails with one line "reserved"
    When I run "rewind list"
    Then the output has 1 lines, each with "no checkpoints"

  Scenario: List and show read what snapshot wrote, with times in UTC
    When I run "rewind snapshot {workspace} --plan plan-1 --decision d-1 --label first"
    And I run "rewind snapshot {workspace} --plan plan-2 --label other"
    And I run "rewind list --plan plan-1"
    Then the output has 2 lines, each with "  "
    And the output contains "created (UTC)"
    And the output contains "{first:short}"
    And it did not print "{last:short}"
    And the output contains "pre_decision  plan-1  {workspace}  2        first"
    When I run "rewind list"
    Then the output has 3 lines, each with "  "
    When I run "rewind show {last}"
    Then the output contains "checkpoint   {last}"
    And the output contains "plan         plan-2"
    And the output contains "label        other"
    And the output contains "workspace    {workspace}"
    And the output contains "Z ("
    And the output contains "changed      2 paths"
    When I run "rewind show {first}"
    Then the output contains "decision     d-1"

  Scenario: Errors are one clear line and status 1, never a traceback
    When I run "rewind snapshot {directory}/missing --plan plan-1"
    Then it fails with one line "does not exist"
    When I run "rewind show 01ARZ3NDEKTSV4RRFFQ69G5FAV"
    Then it fails with one line "error: checkpoint '01ARZ3NDEKTSV4RRFFQ69G5FAV' does not exist"
    When I run "rewind --db mysql://localhost/x list"
    Then it fails with one line "unsupported database URL"

  Scenario: Usage errors exit with status 2
    When I run "rewind snapshot"
    Then it exits with status 2 saying "Missing argument 'PATH'"
    When I run "rewind frobnicate"
    Then it exits with status 2 saying "No such command"
    When I run "rewind list --limit 0"
    Then it exits with status 2 saying "--limit"
    When I run "rewind list --type nonsense"
    Then it exits with status 2 saying "--type"
    When I run "rewind --db '' list"
    Then it exits with status 2 saying "'--db': is empty"
    When I run "rewind --db '  ' --json list"
    Then it exits with status 2 saying "'--db': is empty"

  Scenario: With no database setting, the store is the user's, outside the workspace
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    Then it prints a new checkpoint id, then the lines
      """
      added a.txt
      added src/b.py
      2 added, 0 modified, 0 deleted
      """
    When I run "rewind list" in the workspace without a database setting
    Then the output has 2 lines, each with "  "
    And the output contains "plan-1"
    And the user's store holds 1 checkpoint of plan "plan-1"
    And nothing exists at "workspace/.rewind" beside the workspace

  Scenario: A database file kept in the workspace's top directory is never tracked
    When I run "rewind --db sqlite:///{workspace}/rewind.db snapshot {workspace} --plan plan-1"
    And I run "rewind --db sqlite:///{workspace}/rewind.db snapshot {workspace} --plan plan-1"
    Then it prints a new checkpoint id, then the lines
      """
      0 added, 0 modified, 0 deleted
      """
    And nothing exists at "workspace/.gitignore" beside the workspace

  Scenario: Diff, dry run, rollback, restore and verify from the terminal
    When the workspace is snapshotted for plan "plan-1" through the API, labelled "first"
    And I write "changed" to "a.txt"
    And I write "new" to "c.txt"
    And I run "rewind diff {last}"
    Then it prints the lines
      """
      modified a.txt
      added    c.txt
      """
    When I run "rewind rollback {last} --dry-run"
    Then it prints the lines
      """
      would restore a.txt  +1 -1
      would remove  c.txt  +0 -1
      dry run: 1 to restore, 1 to remove, 1 unchanged, +1 -2 lines; nothing was changed
      """
    And "a.txt" in the workspace still contains "changed"
    When I run "rewind rollback {first} --yes"
    Then the output contains "restored a.txt"
    And the output contains "removed  c.txt"
    And the output contains "1 restored, 1 removed, 1 unchanged"
    And the output contains "rewind rollback"
    And "a.txt" in the workspace still contains "alpha"
    When I run "rewind restore {first} --into {directory}/copy"
    Then it prints the lines
      """
      restored a.txt
      restored src/b.py
      2 files restored into {directory}/copy
      """
    When I run "rewind restore {first} --into {directory}/copy2 --quiet"
    Then it prints the lines
      """
      2 files restored into {directory}/copy2
      """
    When I run "rewind verify"
    Then the output contains "2 checkpoints checked, 0 problems"
    When I run "rewind verify {first}"
    Then the output contains "1 checkpoint checked, 0 problems"

  Scenario: Commands that read never create a database
    When I run "rewind --db sqlite:///{directory}/no/such/dir/x.db list"
    Then it exits with status 1 saying "no rewind database"
    And nothing exists at "no" beside the workspace
    When I run "rewind list" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    And the user's store directory does not exist
    And nothing exists at "workspace/.rewind" beside the workspace
    When I run "rewind verify" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    When I run "rewind show 01ARZ3NDEKTSV4RRFFQ69G5FAV" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    When I run "rewind stats" in the workspace without a database setting
    Then it exits with status 1 saying "no rewind database"
    When I run "rewind db current" in the workspace without a database setting
    Then the output contains "no rewind store at"
    And the user's store directory does not exist
    And nothing exists at "workspace/.rewind" beside the workspace

  Scenario: The database may be given as a plain file path
    When I run "rewind --db {directory}/plain.db snapshot {workspace} --plan plan-1"
    Then it exits with status 0
    When I run "rewind --db {directory}/plain.db list"
    Then the output has 2 lines, each with "  "
    And the output contains "{last:short}"

  Scenario: At a terminal, a snapshot shows its progress and list prints a table
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    When I run "rewind snapshot {workspace} --plan plan-1 --label first" at a terminal
    Then it exits with status 0
    And the output contains "added a.txt"
    When I run "rewind list" at a terminal
    Then it exits with status 0
    And the output contains "created (UTC)"
    And the output contains "first"
