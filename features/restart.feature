Feature: Checkpoints survive a restart
  An orchestrator snapshots its agent's workspace, then dies. Whoever opens the same
  database next, in this process or another, finds every checkpoint exactly as it was
  created, diff metadata included.

  Background:
    Given a workspace with files
      | path           | content          |
      | README.md      | hello            |
      | src/app.py     | print("hi")      |
      | src/lib/util.py | def util(): ... |
    And a checkpoint service on the scenario's database

  Scenario: A new service on the same database reads the snapshot back unchanged
    When I snapshot the workspace for plan "plan-1" and decision "decide-1" as "first"
    And I restart the checkpoint service
    Then checkpoint "first" read back equals the one created
    And checkpoint "first" carries its diff metadata
    And checkpoint "first" lists the changed paths "README.md, src/app.py, src/lib/util.py"

  Scenario: A separate Python process reads the snapshot back unchanged
    When I snapshot the workspace for plan "plan-1" as "first"
    And I write "changed" to "README.md"
    And I snapshot the workspace for plan "plan-1" as "second"
    Then a separate Python process reads checkpoint "first" equal to the one created
    And a separate Python process reads checkpoint "second" equal to the one created

  Scenario: The caller's own extra metadata is kept beside the diff metadata
    When I snapshot the workspace for plan "plan-1" as "first" with extra
      """
      {"tool": "shell", "attempt": 2, "score": 0.25, "args": ["rm", "-rf", "build"], "nested": {"key": null}}
      """
    And I restart the checkpoint service
    Then checkpoint "first" read back equals the one created
    And checkpoint "first" keeps the extra key "tool" equal to "shell"
    And checkpoint "first" keeps the extra key "args" equal to ["rm", "-rf", "build"]
    And checkpoint "first" keeps the extra key "nested" equal to {"key": null}
    And checkpoint "first" keeps the extra key "score" equal to 0.25

  Scenario: Numbers in metadata come back exactly as given
    When I snapshot the workspace for plan "plan-1" as "first" with extra
      """
      {"huge": 1e300, "big": 1.1805916207174113e+21, "tiny": 1.5e-07, "integer": 123456789012345678901234567890}
      """
    And I restart the checkpoint service
    Then checkpoint "first" read back equals the one created
    And checkpoint "first" keeps the number 1e300 under "huge" as a float
    And checkpoint "first" carries its diff metadata

  Scenario: The next snapshot after a restart diffs against the last one before it
    When I snapshot the workspace for plan "plan-1" as "before restart"
    And I restart the checkpoint service
    And I delete "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "after restart"
    Then checkpoint "after restart" diffs against "before restart"
    And checkpoint "after restart" lists the changed paths "src/app.py"

  Scenario: A store that trades durability for speed loses no commit when its process is killed
    A URL may let commits go without waiting for the disk (SQLite ?synchronous=normal,
    PostgreSQL synchronous_commit=off): a power loss or an operating-system crash may take
    back the last commits, the death of the process that made them never does.
    When a process on the store with relaxed durability snapshots the workspace for plan "plan-1" as "first", creates 20 checkpoints and is killed
    Then plan "plan-1" has 21 checkpoints
    When I write "changed" to "README.md"
    And I roll back to "first"
    Then the workspace is exactly as when "first" was taken
