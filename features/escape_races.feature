Feature: A rollback never reaches outside the workspace, even while the workspace changes
  Every removal and every write opens the directories on its way one at a time, never through
  a symlink, at the moment it acts. A directory that another process swaps for a symlink to
  somewhere else, after the rollback looked and before it acts, stops the rollback: nothing
  outside the workspace is deleted or written, and the workspace is put back as it was.

  Background:
    Given a workspace with files
      | path            | content |
      | keep.txt        | keep    |
      | sub/tracked.txt | one     |
    And a directory "outside" beside the workspace holds "added.txt" and "tracked.txt"
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"

  Scenario: A directory swapped for a symlink while a rollback removes files
    Given I write "new" to "sub/added.txt"
    When I try to roll back to "K" while another process swaps "sub" for a link to "outside"
    Then it fails with RollbackFailedError naming "sub"
    And the failure was caused by UnsafePathError
    And the failed rollback to "K" was undone, through its safety checkpoint
    And the directory "outside" beside the workspace is exactly as it was
    And the workspace's files are exactly as noted

  Scenario: A directory swapped for a symlink while a rollback writes files
    Given I write "changed" to "sub/tracked.txt"
    When I try to roll back to "K" while another process swaps "sub" for a link to "outside"
    Then it fails with RollbackFailedError naming "sub"
    And the failure was caused by UnsafePathError
    And the directory "outside" beside the workspace is exactly as it was
    And the workspace's files are exactly as noted

  Scenario: A workspace reached through a symlink and through its real path has one history
    Given a symlink "alias" beside the workspace pointing to it
    When I snapshot the workspace through "alias" for plan "plan-1" as "L"
    Then checkpoint "L" has "K" as its parent and lists no change
    And checkpoint "L" records the workspace's real path

  Scenario: A rollback of a workspace that was moved away suggests restore_into
    Given the workspace is moved to "moved-workspace" beside it
    When I try to roll back to "K"
    Then it fails with WorkspaceNotFoundError naming "restore_into"
    And it fails with WorkspaceNotFoundError naming "{workspace}"

  Scenario: A rollback of a workspace whose path now leads through a symlink is refused
    Given the workspace is moved to "moved-workspace" beside it
    And a symlink at the workspace's old path points to "outside"
    When I try to roll back to "K"
    Then it fails with UnsafePathError naming "leads through a symlink"
    And the directory "outside" beside the workspace is exactly as it was

  Scenario: Diffing against a workspace whose path now leads through a symlink is refused
    Given the workspace is moved to "moved-workspace" beside it
    And a symlink at the workspace's old path points to "outside"
    When I try to diff checkpoint "K" with the live workspace
    Then it fails with UnsafePathError naming "leads through a symlink"

  Scenario: A restore target swapped for a symlink to an outside file changes nothing outside
    Given a plain file "secret" beside the workspace
    And an empty directory "target" beside the workspace
    When I try to restore "K" into "target" while another process swaps it for a link to "secret"
    Then the file "secret" beside the workspace is exactly as it was
    And the directory "outside" beside the workspace is exactly as it was
