Feature: A rollback reads only what differs between the workspace's head and its target
  The workspace's index holds its head's tree. A rollback to another snapshot takes that tree
  and replaces only the paths the stored changes name between the two, along their lineages
  down to the snapshot they share; the tree made must still hash to the target's tree_hash.
  When it does not (a damaged index), or when more than half the tree differs, the target's
  whole manifest is read instead. Either way the workspace ends exactly as the target was.

  Background:
    Given a workspace with 30 files of 4 KiB
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "one" to "data/file-001.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "two" to "data/file-002.txt"
    And I delete "data/file-003.txt"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I write "new" to "new/deep/added.txt"
    And I snapshot the workspace for plan "plan-1" as "N"
    And I write "unsaved" to "data/file-004.txt"

  Scenario: Back several snapshots, exactly
    When I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    And the rollback restored "data/file-001.txt, data/file-002.txt, data/file-003.txt, data/file-004.txt" and removed "new/deep/added.txt"

  Scenario: Only the paths that differ are read from the target's history
    A damaged row of a path that did not change since the target is never read: the tree
    applied still hashes to the target's tree_hash, and verify reports the damage.
    Given someone renames "data/file-020.txt" in "K" to "../outside.txt"
    When I roll back to "K"
    Then the workspace holds the files and directories it held when "K" was taken
    And verifying the store reports a problem naming "{K}"

  Scenario: Across to another branch of the history and back, exactly
    Given I roll back to "L"
    And I write "branch" to "data/file-005.txt"
    And I snapshot the workspace for plan "plan-1" as "B"
    When I roll back to "N"
    Then the workspace is exactly as when "N" was taken
    When I roll back to "B"
    Then the workspace is exactly as when "B" was taken

  Scenario: A restarted service rolls back exactly, from the index it reads back
    When I restart the checkpoint service
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: A damaged index makes the rollback read the target's whole manifest
    Given someone points the workspace's index entry of "data/file-006.txt" at the content of "data/file-007.txt"
    When I restart the checkpoint service
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: When most of the tree differs, the rollback reads the target's whole manifest
    Given I write "most" to the first 20 files
    And I snapshot the workspace for plan "plan-1" as "O"
    When I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: A tampered change row on the way to the target is refused before any file changes
    Given someone sets the mode of "data/file-002.txt" in "K" to 448
    And I note the workspace's files
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "tree_hash"
    And the workspace's files are exactly as noted

  Scenario: A head whose history is damaged leaves the target's own manifest to decide
    Given someone makes a checkpoint that does not exist the parent of "M"
    When I roll back to "K"
    Then the workspace is exactly as when "K" was taken

  Scenario: A head that shares no history with the target leaves its manifest to decide
    Given another workspace "other" snapshotted for plan "plan-1" as "O"
    And someone makes "O" the parent of "L"
    When I roll back to "K"
    Then the workspace is exactly as when "K" was taken
