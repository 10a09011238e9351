Feature: A stored content altered to other bytes of the same length is refused
  Every content a restore writes is checked against its sha256, not only against its
  recorded length: bytes swapped for others of exactly the same length, compressed as rewind
  compresses them, are refused by a rollback, a restore elsewhere and verify, naming the
  blob, before any file is touched.

  Background:
    Given a workspace with files
      | path       | content |
      | notes.txt  | one     |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "two" to "notes.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed" to "src/app.py"
    And someone replaces the stored content of "notes.txt" as of "K" by other bytes of the same length

  Scenario: A rollback refuses it before any file changes
    When I try to roll back to "K"
    Then it fails with CorruptStoreError naming "does not match its sha256"
    And the workspace's files are exactly as noted
    And the store holds what it held before
    And nothing was written outside the workspace

  Scenario: A restore elsewhere refuses it and leaves no directory behind
    When I try to restore "K" into the directory "copy"
    Then it fails with CorruptStoreError naming "does not match its sha256"
    And nothing exists at "copy" beside the workspace

  Scenario: verify names the blob
    Then verifying "K" finds a problem naming "does not match its sha256"
    And verifying "L" finds no problem
