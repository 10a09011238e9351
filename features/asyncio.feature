Feature: The asyncio service never holds up the event loop, and a cancelled call is never half done
  Orchestration code is mostly asyncio. AsyncCheckpointService offers every use case as a
  coroutine; the work runs in worker threads, so other tasks of the loop go on meanwhile.
  (Every other scenario runs against it too, with -D service=async.)

  Scenario: The event loop goes on while a snapshot is in progress
    Given a workspace with 1000 files of 4 KiB
    And a checkpoint service on the scenario's database
    When an async service takes the first snapshot while a heartbeat task ticks
    Then the heartbeat ticked while the snapshot was scanning, with the garbage collector paused
    And the garbage collector is on again once the snapshot is done
    And plan "plan-1" has 1 checkpoint

  Scenario: Cancelling a task that awaits a snapshot lets the snapshot finish
    Given a workspace with files
      | path      | content |
      | one.txt   | 1       |
      | sub/2.txt | 2       |
    And a checkpoint service on the scenario's database
    When I cancel a task awaiting an async snapshot of plan "plan-1" once its scan has begun
    Then the task was cancelled and the async service closed once the call had finished
    And plan "plan-1" has 1 checkpoint
    And the newest checkpoint of plan "plan-1" holds the workspace as it is

  Scenario: Cancelling a task that awaits a rollback lets the rollback finish
    Given a workspace with files
      | path      | content |
      | one.txt   | 1       |
      | sub/2.txt | 2       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    And I write "changed" to "one.txt"
    And I write "new" to "new.txt"
    When I cancel a task awaiting an async rollback to "K" once its scan has begun
    Then the task was cancelled and the async service closed once the call had finished
    And the workspace is exactly as when "K" was taken
    And plan "plan-1" has 2 checkpoints
