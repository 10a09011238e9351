Feature: The diff metadata a snapshot returns is the diff metadata it stored
  rewind exists because of a bug that stored a checkpoint's row first and added its diff
  metadata (diff_paths, diff_based, diff_hash) afterwards, in memory only: the caller saw it,
  a restart lost it. Every snapshot's metadata is therefore read back here from the store
  itself, by a separate Python process and by a fresh service on the same database after the
  first was closed, and must equal what the snapshot returned, key for key.

  Scenario: A separate process and a fresh service read back exactly the metadata returned
    Given a workspace with files
      | path       | content |
      | notes.txt  | one     |
      | src/app.py | app     |
      | old.txt    | old     |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "first" with extra
      """
      {"tool_call_id": "call_123", "args": ["rm", "-rf", "build"]}
      """
    And I write "two" to "notes.txt"
    And I write "new" to "src/new.py"
    And I delete "old.txt"
    And I snapshot the workspace for plan "plan-1" as "second"
    And I snapshot the workspace for plan "plan-1" as "unchanged"
    Then the snapshots "first, second, unchanged" returned their diff metadata
    And a separate Python process reads the metadata of "first, second, unchanged" exactly as returned
    When I restart the checkpoint service
    Then the service reads the metadata of "first, second, unchanged" exactly as returned
