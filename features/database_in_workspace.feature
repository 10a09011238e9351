Feature: A SQLite store inside the workspace hides only its own files
  Users keep their database where their tools put them, sometimes inside the workspace it
  checkpoints. rewind leaves out the database file and its -wal, -shm and -journal companions
  wherever they lie in the workspace, lists each of them in skipped_paths, and tracks every
  other file beside them, so a rollback brings those files back.

  Scenario Outline: A store kept in <where> of the workspace
    Given a workspace with files
      | path           | content |
      | top.txt        | top     |
      | src/app.py     | app     |
      | src/lib/x.py   | x       |
    And a checkpoint service on a SQLite database at "<database>" in the workspace
    When I snapshot the workspace for plan "plan-1" as "first"
    Then checkpoint "first" lists the changed paths "src/app.py, src/lib/x.py, top.txt"
    And checkpoint "first" keeps the extra key "skipped_paths" equal to <skipped>
    When I delete "src/app.py"
    And I write "changed" to "src/lib/x.py"
    And I roll back to "first"
    Then the rollback restored "src/app.py, src/lib/x.py" and removed "nothing"
    And "src/app.py" in the workspace still contains "app"
    And the next snapshot of the workspace lists no change

    Examples:
      | where                 | database       | skipped                                          |
      | the top directory     | rewind.db      | ["rewind.db", "rewind.db-shm", "rewind.db-wal"]  |
      | a source directory    | src/r.db       | ["src/r.db", "src/r.db-shm", "src/r.db-wal"]     |
      | a deeper directory    | src/lib/d/r.db | ["src/lib/d/r.db", "src/lib/d/r.db-shm", "src/lib/d/r.db-wal"] |

  Scenario: Another store in the workspace's .rewind directory is never tracked, so a rollback leaves it be
    Given a workspace with files
      | path  | content |
      | x.txt | 1       |
    And a checkpoint service on a SQLite database at ".rewind/a.db" in the workspace
    When I snapshot the workspace for plan "plan-1" as "first"
    And a second checkpoint service on a SQLite database at ".rewind/b.db" in the workspace snapshots it for plan "plan-2"
    And I roll back to "first"
    Then the rollback restored "nothing" and removed "nothing"
    And the second store still lists 1 checkpoint
