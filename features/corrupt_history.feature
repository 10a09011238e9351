Feature: A damaged history is reported, never followed forever
  Walking a checkpoint's ancestors is bounded: a cycle or a missing parent is reported as
  CorruptStoreError naming the checkpoint. A snapshot never walks the history (it diffs against
  the workspace's index), so it does not stop at a damaged ancestor; verify keeps reporting it. A
  workspace record that names another workspace's checkpoint stops the snapshot before anything
  is written. A file swapped for a FIFO after a snapshot listed it is left out of that snapshot;
  the snapshot never waits on it.

  Background:
    Given a workspace with files
      | path      | content |
      | notes.txt | one     |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"

  Scenario: A cycle in the parents
    Given someone makes "L" the parent of "K"
    Then verifying the store reports a problem naming "loops back"
    When I try to diff checkpoint "L" with the live workspace
    Then it fails with CorruptStoreError naming "loops back"
    When I try to roll back to "K" as a dry run
    Then it fails with CorruptStoreError naming "{K}"
    When I restart the checkpoint service
    And I snapshot the workspace for plan "plan-1" as "M"
    Then verifying the store reports a problem naming "loops back"

  Scenario: A parent that does not exist
    Given someone makes a checkpoint that does not exist the parent of "K"
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "does not exist"
    And verifying the store reports a problem naming "does not exist"

  Scenario: A rollback mark naming another workspace's checkpoint
    Given another workspace "other" snapshotted for plan "plan-1" as "O"
    And someone marks the workspace as being rolled back to "O"
    When I try to snapshot the workspace for plan "plan-1"
    Then it fails with CorruptStoreError naming "not a snapshot of that workspace"
    And the store is unchanged
    And verifying the store reports a problem naming "rollback mark"

  Scenario: A file swapped for a FIFO between being listed and being read
    Given I write "three" to "fresh.txt"
    And I write "three" to "notes.txt"
    When a separate process snapshots the workspace while "fresh.txt" turns into a FIFO after the scan
    Then that snapshot succeeded without "fresh.txt"
    And the next snapshot of the workspace lists "fresh.txt" as skipped
