Feature: A rollback cut short by a crash is finished the next time the workspace is used
  A rollback records its target in the same transaction as its safety snapshot, before it
  writes any file. If the process dies while writing, the next snapshot of that workspace
  first finishes the rollback, keeping the half-restored state in a safety snapshot of its
  own, so the workspace ends exactly at the target and nothing is lost.

  Background:
    Given a workspace with files
      | path      | content |
      | a.txt     | a1      |
      | b.txt     | b1      |
      | c/d.txt   | d1      |
      | c/e.txt   | e1      |
      | f.txt     | f1      |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "a2" to "a.txt"
    And I write "b2" to "b.txt"
    And I write "d2" to "c/d.txt"
    And I write "e2" to "c/e.txt"
    And I write "new" to "g.txt"
    And I snapshot the workspace for plan "plan-1" as "L"

  Scenario Outline: Killed after <count> files, while <moment>
    When a process rolling back to "K" is killed after <count> files, while <moment>
    Then the workspace is neither as when "K" nor as when "L" was taken
    When I snapshot the workspace for plan "plan-1" as "next"
    Then the workspace is exactly as when "K" was taken
    And checkpoint "next" diffs against "K"
    And checkpoint "next" lists the changed paths "nothing"
    And plan "plan-1" has 2 safety checkpoints
    And verifying the store finds no problem in 5 checkpoints

    Examples:
      | count | moment   |
      | 1     | renaming |
      | 3     | renaming |
      | 2     | writing  |
