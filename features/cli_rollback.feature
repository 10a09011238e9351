Feature: A rollback from the terminal shows its plan once, asks, and reports each path
  Without --yes, rollback shows where it goes (label, age) and how many files it restores and
  removes, then asks on stderr; only "y" rolls back.

  Background:
    Given a workspace with files
      | path     | content |
      | a.txt    | alpha   |
      | src/b.py | beta    |
    When the workspace is snapshotted for plan "plan-1" through the API, labelled "before tests"
    And I write "changed" to "a.txt"
    And I write "new" to "c.txt"
    And I write "newer" to "d.txt"

  Scenario: The prompt shows the target's label, age and counts once, then rolls back on yes
    When I run "rewind rollback {first}" answering "y"
    Then it exits with status 0
    And it printed "to checkpoint {first}" on stderr 1 times
    And it printed " ago (" on stderr 1 times
    And it printed "1 file will be restored and 2 files removed (1 unchanged)" on stderr 1 times
    And it printed "Roll back?" on stderr 1 times
    And it printed "dry run" on stderr 0 times
    And it did not print "dry run"
    And it printed "restored a.txt"
    And it printed "removed  c.txt"
    And it printed "removed  d.txt"
    And it printed "1 restored, 2 removed, 1 unchanged"
    And "a.txt" in the workspace still contains "alpha"

  Scenario: The label is shown in the prompt
    When I run "rewind rollback {first}" answering "y"
    Then it printed "before tests" on stderr 1 times

  Scenario: Answering no changes nothing
    When I run "rewind rollback {first}" answering "n"
    Then it exits with status 1 saying "Aborted"
    And "a.txt" in the workspace still contains "changed"
    When I run "rewind list"
    Then the output has 2 lines, each with "  "

  Scenario: --yes does not ask; --quiet prints the counts only
    When I run "rewind rollback {first} --yes --quiet"
    Then the output has 2 lines, each with " "
    And the output contains "1 restored, 2 removed, 1 unchanged"
    And the output contains "safety checkpoint"
    And it printed nothing on stderr
    And "a.txt" in the workspace still contains "alpha"

  Scenario: The safety checkpoint the rollback printed undoes it
    When I run "rewind --json rollback {first} --yes"
    Then it prints one JSON envelope of "rollback" with status "ok" and exit code 0
    And the envelope's "data.restored" is ["a.txt"]
    And the envelope's "data.removed" is ["c.txt", "d.txt"]
    And the envelope's "data.dry_run" is false
    When I run "rewind list --type safety"
    Then the output has 2 lines, each with "  "
    When I run "rewind rollback {first} --dry-run"
    Then it printed "dry run: 0 to restore, 0 to remove, 2 unchanged; nothing was changed"

  Scenario: What the checkpoint ignored stays as it is, shown with why, in the prompt, the output and the JSON
    Given ".gitignore" in the workspace contains ".env\n"
    And ".env" in the workspace contains "API_KEY=secret"
    And the workspace is snapshotted for plan "plan-1" through the API
    And I delete ".gitignore"
    When I run "rewind --json rollback {last} --dry-run"
    Then the envelope's "data.kept" is [{"path": ".env", "reason": "ignored"}]
    When I run "rewind rollback {last} --dry-run"
    Then it printed "would keep (ignored) .env"
    And it printed "dry run: 1 to restore, 0 to remove, 1 to keep, 4 unchanged, +1 -0 lines; nothing was changed"
    When I run "rewind rollback {last}" answering "y"
    Then it printed "(4 unchanged); 1 path stays as it is (ignored by the checkpoint, or git's)" on stderr 1 times
    And it printed "restored       .gitignore"
    And it printed "kept (ignored) .env"
    And it printed "1 restored, 0 removed, 1 kept, 4 unchanged"
    And ".env" in the workspace still contains "API_KEY=secret"
