Feature: Every snapshot records exactly what changed since its parent
  diff_paths lists the paths added, modified or deleted since the workspace's previous
  snapshot in the same plan; diff_hash and tree_hash identify the diff and the whole tree.

  Background:
    Given a workspace with files
      | path        | content | mode |
      | notes.txt   | one     | 644  |
      | run.sh      | echo hi | 644  |
      | docs/a.md   | alpha   | 644  |
    And "latest" in the workspace links to "docs/a.md"
    And a checkpoint service on the scenario's database

  Scenario: The first snapshot lists every file and has no parent
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" lists the changed paths "docs/a.md, latest, notes.txt, run.sh"
    And checkpoint "first" has no parent
    And checkpoint "first" carries its diff metadata

  Scenario: Added, modified, deleted, re-permissioned and retargeted paths are listed
    Given I snapshot the workspace for plan "plan-1" as "first"
    When I write "two" to "notes.txt"
    And I write "new" to "docs/b.md"
    And I delete "docs/a.md"
    And I make "run.sh" executable
    And I link "latest" to "docs/b.md"
    And I snapshot the workspace for plan "plan-1" as "second"
    Then checkpoint "second" lists the changed paths "docs/a.md, docs/b.md, latest, notes.txt, run.sh"
    And checkpoint "second" diffs against "first"
    And the diff from "first" to "second" is
      | path      | change   |
      | docs/a.md | deleted  |
      | docs/b.md | added    |
      | latest    | modified |
      | notes.txt | modified |
      | run.sh    | modified |
    And the diff from "first" to "second" hashes to the diff hash of "second"

  Scenario: A snapshot with no change lists nothing and keeps the tree hash
    Given I snapshot the workspace for plan "plan-1" as "first"
    When I snapshot the workspace for plan "plan-1" as "again"
    Then checkpoint "again" lists the changed paths "nothing"
    And checkpoints "first" and "again" have equal tree hashes
    And checkpoints "first" and "again" have different diff hashes

  Scenario: Identical diffs hash equal, different diffs hash differently
    Given I snapshot the workspace for plan "plan-1" as "base-1"
    And I snapshot the workspace for plan "plan-2" as "base-2"
    When I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "edit-1"
    And I snapshot the workspace for plan "plan-2" as "edit-2"
    And I write "three" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "edit-3"
    Then checkpoints "edit-1" and "edit-2" have equal diff hashes
    And checkpoints "edit-1" and "edit-3" have different diff hashes
    And checkpoints "base-1" and "base-2" have equal diff hashes

  Scenario: Plans keep separate histories of the same workspace
    Given I snapshot the workspace for plan "plan-1" as "one"
    When I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-2" as "other plan"
    Then checkpoint "other plan" has no parent
    And checkpoint "other plan" lists the changed paths "docs/a.md, latest, notes.txt, run.sh"

  Scenario: The live workspace can be compared with a snapshot
    Given I snapshot the workspace for plan "plan-1" as "first"
    When I write "changed" to "docs/a.md"
    And I write "fresh" to "fresh.txt"
    Then the diff from "first" to the live workspace is
      | path      | change   |
      | docs/a.md | modified |
      | fresh.txt | added    |

  Scenario: Git internals, ignored files and special files are never tracked
    Given the workspace has a git directory with "HEAD"
    And "build/out.bin" in the workspace contains "artifact"
    And "debug.log" in the workspace contains "noise"
    And "keep.log" in the workspace contains "wanted"
    And ".gitignore" in the workspace contains "build/"
    And ".rewindignore" in the workspace contains "*.log\n!keep.log"
    And a FIFO at "pipe" in the workspace
    And a listening socket at "agent.sock" in the workspace
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" lists the changed paths ".gitignore, .rewindignore, docs/a.md, keep.log, latest, notes.txt, run.sh"
    And checkpoint "first" keeps the extra key "skipped_paths" equal to ["agent.sock", "pipe"]

  Scenario: Unchanged contents are stored once, compressed
    Given a workspace with 20 files of 64 KiB
    When I snapshot the workspace for plan "plan-1" as "first"
    And I write "two" to "notes.txt"
    And I write "two" to "copy of notes.txt"
    And I snapshot the workspace for plan "plan-1" as "second"
    Then checkpoint "second" lists the changed paths "copy of notes.txt, notes.txt"
    And the store holds 2 checkpoints and 25 blobs
    And the store keeps fewer bytes than the workspace holds
