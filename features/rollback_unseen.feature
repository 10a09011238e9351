Feature: A rollback's safety checkpoint holds what was there, whatever the scan missed
  A rollback, or restore_paths, looks at every path it is about to write or remove (one
  lstat each): a file whose status is not the one the scan behind its safety snapshot saw
  changed unseen, and is scanned again before the safety snapshot is recorded. So rolling
  back to the safety checkpoint always brings back what the rollback replaced, even a write
  that came after the scan, or that a watching service never heard of.

  Background:
    Given a workspace with files
      | path        | content |
      | notes.txt   | one     |
      | src/app.py  | app     |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "two" to "notes.txt"
    And I write "changed" to "src/app.py"

  Scenario: A write after the rollback's scan, before its plan, is in its safety checkpoint
    When I roll back to "K" while another program writes "written after the scan" to "notes.txt" once it was scanned
    Then the workspace is exactly as when "K" was taken
    When I roll back to the safety checkpoint of that rollback
    Then "notes.txt" in the workspace still contains "written after the scan"
    And "src/app.py" in the workspace still contains "changed"

  Scenario: A directory deleted after the rollback's scan is not in its safety checkpoint
    Given I write "new" to "src/new.py"
    When I roll back to "K" while another program deletes "src" once it was scanned
    Then the workspace is exactly as when "K" was taken
    And the rollback restored "notes.txt, src/app.py" and removed "nothing"
    When I roll back to the safety checkpoint of that rollback
    Then "notes.txt" in the workspace still contains "two"
    And there is no "src" in the workspace

  Scenario: A write after restore_paths' scan, before its plan, is in its safety checkpoint
    When I restore "notes.txt" of "K" while another program writes "written after the scan" to "notes.txt" once it was scanned
    Then "notes.txt" in the workspace still contains "one"
    When I roll back to the safety checkpoint of that rollback
    Then "notes.txt" in the workspace still contains "written after the scan"

  Scenario: restore_paths sees a write through a hard link made from outside a watched workspace
    Given a checkpoint service on the scenario's database that watches, with no safety net
    And I snapshot the workspace for plan "plan-1" as "L"
    And I hard-link "src/app.py" from outside the workspace as "app-elsewhere.py"
    And I write "written through the outside name" in place to "app-elsewhere.py" outside the workspace
    When I restore "src" of "K"
    Then "src/app.py" in the workspace still contains "app"
    When I roll back to the safety checkpoint of that rollback
    Then "src/app.py" in the workspace still contains "written through the outside name"
    And the next snapshot of the workspace lists no change
