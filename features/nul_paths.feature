Feature: A stored path holding a NUL is refused, however well its hashes were recomputed
  rewind reads its store as untrusted input. Someone who can write to the database may rename
  a path of a manifest to one holding a NUL, which no file system can hold, and recompute the
  tree_hash and checkpoint_hash so that they match. A rollback, a restore elsewhere and
  verify each refuse that path with an UnsafePathError naming it, before any file is touched;
  the workspace and the store stay as they were. PostgreSQL refuses to store a NUL in text at
  all, however it is written: on PostgreSQL, the scenario checks that refusal.

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

  Scenario Outline: A NUL <where> of a stored path
    Given someone who recomputes the hashes renames "notes.txt" in "K" to "<hostile>", if the database can hold it
    When I roll back to "K", restore "K" into the directory "copy" and verify "K"
    Then each refused the stored path "<hostile>" with UnsafePathError, naming it
    And the workspace's files are exactly as noted
    And nothing exists at "copy" beside the workspace
    And the store holds what it held before

    Examples:
      | where           | hostile          |
      | inside the name | notes\x00.txt    |
      | at its end      | notes.txt\x00    |
      | in a directory  | src\x00/notes.txt |
