Feature: Rolling a workspace back to a checkpoint, exactly and undoably
  A rollback puts back the same bytes, permission bits and symlinks, removes what did not
  exist then (and the directories that leaves empty), snapshots the state it replaces first,
  and never touches ignored paths.

  Background:
    Given a workspace with files
      | path          | content      | mode |
      | notes.txt     | one          | 644  |
      | run.sh        | echo hi      | 644  |
      | docs/guide.md | read me      | 644  |
      | src/app.py    | print("hi")  | 600  |
    And "latest" in the workspace links to "docs/guide.md"
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"

  Scenario: Every kind of change is undone exactly
    When I write "changed" to "src/app.py"
    And I write "new" to "extra/deep/added.txt"
    And I make "run.sh" executable
    And I link "latest" to "run.sh"
    And I replace "notes.txt" by a directory holding "inner.txt"
    And I replace the directory "docs" by a file
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    And the rollback restored "docs/guide.md, latest, notes.txt, run.sh, src/app.py" and removed "docs, extra/deep/added.txt, notes.txt/inner.txt"
    And the safety checkpoint is a "safety" snapshot of plan "plan-1"

  Scenario: A dry run changes nothing and announces exactly what the real run does
    When I write "changed" to "src/app.py"
    And I delete "run.sh"
    And I write "new" to "new.txt"
    And I note the workspace's files
    And I roll back to "K" as a dry run
    Then the workspace's files are exactly as noted
    And the store holds 1 checkpoints and 5 blobs
    When I roll back to "K"
    Then the rollback did exactly what the dry run announced
    And the workspace is exactly as when "K" was taken

  Scenario: A rollback is undone through its safety checkpoint, unsaved edits included
    Given I write "saved edit" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    When I write "unsaved edit" to "src/app.py"
    And I write "unsaved file" to "scratch.txt"
    And I note the workspace's files
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    When I roll back to the safety checkpoint of that rollback
    Then the workspace's files are exactly as noted

  Scenario: The next snapshot after a rollback diffs against the rollback target
    Given I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    When I roll back to "K"
    And I write "three" to "run.sh"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" diffs against "K"
    And checkpoint "M" lists the changed paths "run.sh"

  Scenario: A separate process rolls back after the creating process is gone
    When I restart the checkpoint service
    And I write "changed" to "notes.txt"
    And I delete "src/app.py"
    And a separate Python process rolls back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: Ignored paths and git internals are never touched
    Given ".rewindignore" in the workspace contains "build/"
    And "build/cache.bin" in the workspace contains "cache one"
    And the workspace has a git directory with "HEAD"
    And I snapshot the workspace for plan "plan-1" as "with ignores"
    When I write "cache two" to "build/cache.bin"
    And I write "changed" to "notes.txt"
    And I roll back to "with ignores"
    Then the rollback restored "notes.txt" and removed "nothing"
    And "build/cache.bin" in the workspace still contains "cache two"
    And ".git/HEAD" in the workspace still contains "git internals\n"

  Scenario: A checkpoint that records no files cannot be rolled back to
    Given a "manual" checkpoint for plan "plan-1" and decision "d-1" as "note"
    When I try to roll back to "note"
    Then it fails with InvalidInputError naming "{note}"
    And the workspace's files are exactly as noted

  Scenario: A checkpoint is restored into an empty directory elsewhere
    Given I write "changed" to "notes.txt"
    When I restore "K" into the new directory "elsewhere/copy"
    Then a snapshot of "elsewhere/copy" has the tree hash of "K"

  Scenario: Two restores into one new directory at once never mix their files
    When two threads restore "K" into the new directory "copy" at once
    Then one of them succeeded and the other failed with RestoreConflictError
    And "copy" holds exactly the files of "K"
    And nothing but "copy" was left beside the workspace

  Scenario: Restoring into an existing empty directory keeps that directory, its owner and mode
    Given an empty directory "shared/target" beside the workspace, owned by another user, mode 2770
    And the directory "shared" beside the workspace is read-only
    When I restore "K" into the existing directory "shared/target"
    Then "shared/target" holds exactly the files of "K"
    And "shared/target" is the same directory, with the same owner and mode

  Scenario: Setuid and setgid bits are never recorded nor restored
    Given I write "#!/bin/sh" to "tool"
    And "tool" in the workspace has the mode 6755
    When I snapshot the workspace for plan "plan-1" as "with tool"
    And I write "changed" to "tool"
    And I roll back to "with tool"
    Then "tool" in the workspace has the mode 755
    And the next snapshot of the workspace lists no change

  Scenario: Restoring into a directory that is not empty is refused
    When I try to restore "K" into the directory "workspace"
    Then it fails with RestoreConflictError naming "not empty"
    And the workspace's files are exactly as noted

  Scenario: An ignored file in the way of a restored file is never overwritten
    Given I delete "notes.txt"
    And ".rewindignore" in the workspace contains "notes.txt"
    And "notes.txt" in the workspace contains "precious, ignored"
    When I try to roll back to "K"
    Then it fails with RestoreConflictError naming "{workspace}/notes.txt"
    And the workspace's files are exactly as noted

  Scenario: A directory in the way of a restored file, holding an ignored file, is kept
    Given I delete "notes.txt"
    And ".rewindignore" in the workspace contains "*.tmp"
    And "notes.txt/deeper/scratch.tmp" in the workspace contains "precious, ignored"
    When I try to roll back to "K"
    Then it fails with RestoreConflictError naming "notes.txt/deeper/scratch.tmp"
    And the workspace's files are exactly as noted

  Scenario: Restoring into a file is refused
    Given a plain file "a-file" beside the workspace
    When I try to restore "K" into the directory "a-file"
    Then it fails with WorkspaceNotADirectoryError naming "a-file"
