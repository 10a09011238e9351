Feature: Exhausted resources and impossible paths give rewind errors, never OS exceptions
  A full disk, a path under a file, a path too long for the operating system, metadata nested
  too deep, or a directory tree too deep for recursion: each gets a RewindError saying what is
  wrong, and leaves the workspace and the store as they were.

  Background:
    Given a workspace with files
      | path      | content |
      | notes.txt | one     |
    And a checkpoint service on the scenario's database

  Scenario: A snapshot whose scratch space runs out says the disk is full
    Given "big.bin" in the workspace holds 1 MiB of random bytes
    When a separate process snapshots the workspace where files may not grow past 256 KiB
    Then that process failed with DiskFullError saying "no space left"
    And the store is still empty

  Scenario: A rollback whose scratch space runs out changes nothing
    Given "big.bin" in the workspace holds 1 MiB of random bytes
    And I snapshot the workspace for plan "plan-1" as "K"
    And I delete "big.bin"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I note the workspace's files
    When a separate process rolls back to "K" where files may not grow past 256 KiB
    Then that process failed with DiskFullError saying "no space left"
    And the workspace's files are exactly as noted

  Scenario: Restoring into a path below a file
    Given I snapshot the workspace for plan "plan-1" as "K"
    And a plain file "a-file" beside the workspace
    When I try to restore "K" into the directory "a-file/copy"
    Then it fails with WorkspaceNotADirectoryError naming "a-file/copy"

  Scenario: Paths too long for the operating system
    Given I snapshot the workspace for plan "plan-1" as "K"
    When I try to snapshot a workspace path of 5000 characters for plan "plan-1"
    Then it fails with InvalidInputError naming "too long"
    When I try to restore "K" into a directory path of 5000 characters
    Then it fails with InvalidInputError naming "too long"

  Scenario: Metadata nested deeper than 64 levels
    When I try to snapshot the workspace for plan "plan-1" with extra nested 300 levels deep
    Then it fails with InvalidMetadataError naming "64 levels"
    And the store is unchanged

  Scenario: A directory 1,100 levels deep in a restore's way
    Given I snapshot the workspace for plan "plan-1" as "K"
    And I replace "notes.txt" by a directory 1100 levels deep holding a file
    When I snapshot the workspace for plan "plan-1" as "deep"
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    When I roll back to "deep"
    Then the workspace is exactly as when "deep" was taken
