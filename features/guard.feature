Feature: A guard checkpoints a tool call and rolls the workspace back when it fails
  Orchestration code wraps each risky tool call or decision in a guard: a snapshot before,
  one after it succeeds, and on a failure a snapshot of the failed state and a rollback,
  with the tool's own exception still the one that propagates.

  Background:
    Given a workspace with files
      | path      | content |
      | keep.txt  | keep    |
      | edit.txt  | before  |
    And a checkpoint service on the scenario's database

  Scenario Outline: A guarded block that succeeds is snapshotted before and after (<style> guard)
    When <style> guard for plan "plan-1" runs a block that writes "after" to "edit.txt" and "new" to "new.txt"
    Then the guard's before snapshot is a "pre_tool" snapshot listing no file of the block
    And the guard's after snapshot is a "post_tool" snapshot listing "edit.txt, new.txt"
    And the guard rolled nothing back
    And "edit.txt" in the workspace still contains "after"

    Examples:
      | style    |
      | a sync   |
      | an async |

  Scenario Outline: A guarded block that fails is snapshotted and rolled back (<style> guard)
    When <style> guard for plan "plan-1" runs a block that writes "broken" to "edit.txt" and "junk" to "junk.txt", then raises
    Then the block's own exception propagated
    And the workspace is exactly as before the guard
    And the guard's error snapshot is an "on_error" snapshot holding "broken" in "edit.txt" and "junk" in "junk.txt"
    And the guard's rollback restored "edit.txt" and removed "junk.txt"
    And the guard took no after snapshot

    Examples:
      | style    |
      | a sync   |
      | an async |

  Scenario: A guard told to keep the failed state snapshots it and leaves it
    When a sync guard for plan "plan-1" keeping the failed state runs a block that writes "broken" to "edit.txt" and "junk" to "junk.txt", then raises
    Then the block's own exception propagated
    And "edit.txt" in the workspace still contains "broken"
    And the guard's error snapshot is an "on_error" snapshot holding "broken" in "edit.txt" and "junk" in "junk.txt"
    And the guard rolled nothing back

  Scenario: A rollback that fails never hides the block's exception
    When a sync guard for plan "plan-1" runs a block that removes the workspace, then raises
    Then the block's own exception propagated, with a note that the rollback failed
    And the guard's rollback error is a WorkspaceNotFoundError

  Scenario: A guard takes only the checkpoints its triggers name
    When a sync guard for plan "plan-1" with triggers "AFTER_TOOL, on_error" keeping the failed state runs a block that writes "after" to "edit.txt" and "new" to "new.txt"
    Then the guard took no before snapshot
    And the guard's after snapshot is a "post_tool" snapshot listing "edit.txt, keep.txt, new.txt"
    And plan "plan-1" has 1 checkpoint

  Scenario Outline: A guard refuses settings that cannot work
    When I try to make a guard for plan "plan-1" with <setting>
    Then it fails with InvalidInputError naming "<culprit>"
    And plan "plan-1" has 0 checkpoints

    Examples:
      | setting                                     | culprit              |
      | triggers "before_tool, afer_tool"           | afer_tool            |
      | triggers "after_tool" and rolling back      | BEFORE_TOOL          |
      | on_error "undo"                             | undo                 |

  Scenario Outline: Triggers are parsed from names, in any case, from a list or a string
    Then the triggers <names> parse as "<parsed>"

    Examples:
      | names                                    | parsed                     |
      | "before_tool,ON_ERROR"                   | before_tool, on_error      |
      | " Before_Step , after_step ,"            | after_step, before_step    |
      | the list "on_subplan_spawn", "AFTER_TOOL" | after_tool, on_subplan_spawn |

  Scenario: An unknown trigger name is an error listing the valid ones
    When I try to parse the triggers "before_tool,on_eror"
    Then it fails with InvalidInputError naming "on_eror"
    And the error lists every trigger name

  Scenario: A guard lets a KeyboardInterrupt through and writes nothing more
    When a sync guard for plan "plan-1" runs a block that is interrupted by the user
    Then the interruption propagated
    And the guard took no after snapshot
    And the guard rolled nothing back
    And plan "plan-1" has 1 checkpoint
    And the guard takes the triggers "before_tool, after_tool, on_error"
