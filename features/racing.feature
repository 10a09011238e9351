Feature: Snapshots of a workspace that changes while it is read
  Tools keep writing while the orchestrator snapshots. Whatever the timing, every stored
  content matches its hash, no snapshot fails because a file moved underneath it, and no
  change is ever missed by the next snapshot.

  Scenario: Snapshots taken while another thread rewrites, creates and deletes files
    Given a workspace with 40 files of 16 KiB
    And a checkpoint service on the scenario's database
    When a writer changes the workspace while I take 12 snapshots for plan "plan-1"
    And I snapshot the workspace for plan "plan-1" as "after the writer stopped"
    Then every snapshot taken during the writes was recorded, each diffing against the one before
    And the diff from "after the writer stopped" to the live workspace is empty
    And verifying the store finds no problem in 13 checkpoints

  Scenario: A change in the same timestamp tick that keeps the size is never missed
    Given a workspace with files
      | path      | content |
      | notes.txt | aaaa    |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    When I write "bbbb" to "notes.txt" keeping its size and modification time
    And I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "notes.txt"
    And checkpoints "K" and "L" have different tree hashes
