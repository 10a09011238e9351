Feature: A LangGraph thread travels back in time with its files
  WorkspaceSaver wraps a LangGraph checkpointer: with every graph checkpoint it stores, it
  snapshots the workspace, so going back to a graph checkpoint brings back its files too.

  Scenario Outline: Back to each step of a graph run, the state and the files are as they were there (<style>)
    Given a checkpoint service on the scenario's database
    When a three-step graph whose nodes write files runs <style> with a WorkspaceSaver, durability "sync"
    Then going back to each of its checkpoints restores the graph's state and the files of that step
    And each workspace snapshot names its thread and graph checkpoint

    Examples:
      | style                                  |
      | synchronously                          |
      | with asyncio                           |
      | with asyncio over the synchronous service |

  Scenario: Everything but storing a checkpoint is the wrapped saver's own
    Given a checkpoint service on the scenario's database
    When a three-step graph whose nodes write files runs synchronously with a WorkspaceSaver, durability "sync"
    Then the WorkspaceSaver answers every other call, sync and async, as the saver it wraps

  Scenario: A graph run with LangGraph's default durability is refused before anything is stored
    Given a checkpoint service on the scenario's database
    When a three-step graph whose nodes write files runs synchronously with a WorkspaceSaver, durability "default"
    Then it fails with UnsupportedDurabilityError naming "durability='async'"
    And plan "thread-1" has 0 checkpoints

  Scenario: A graph checkpoint without a workspace snapshot is not found
    Given a checkpoint service on the scenario's database
    When I look up the files of a graph checkpoint that was never stored
    Then no workspace snapshot is found for it
    And restoring its files fails with NotFoundError naming "thread-9"

  Scenario: The LangGraph example travels back to step 2
    When I run "python {repository}/examples/langgraph_time_travel.py --db {database}"
    Then the output contains "files now:   ['PLAN.md', 'app.py', 'test_app.py']"
    And the output contains "back to step 2: restored [] removed ['test_app.py']"
    And the output contains "graph state: {'steps': ['plan', 'code']}"
    And the output contains "files there: ['PLAN.md', 'app.py']"

  Scenario: Called directly, outside any graph run, the saver stores and snapshots
    Given a checkpoint service on the scenario's database
    When I store a graph checkpoint through a WorkspaceSaver myself, outside any graph run
    Then its workspace snapshot is found by its config, with and without asyncio
    And a config without a thread_id is refused with InvalidInputError naming "thread_id"
    And with asyncio, a graph checkpoint that was never stored has no snapshot and restoring its files fails with NotFoundError

  Scenario Outline: Every entry point of a WorkspaceSaver checks its config before the wrapped saver sees it (<config>)
    Given a checkpoint service on the scenario's database
    When I store a graph checkpoint through a WorkspaceSaver myself, outside any graph run
    Then every entry point of the saver refuses <config> with InvalidInputError naming "<culprit>"
    And the store holds what it held before

    Examples:
      | config                           | culprit       |
      | no config                        | mapping       |
      | a config that is text            | mapping       |
      | a config without configurable    | thread_id     |
      | a configurable that is a list    | configurable  |
      | a thread_id that is a number     | thread_id     |
      | an empty thread_id               | thread_id     |
      | a checkpoint_id that is a number | checkpoint_id |
      | a checkpoint_ns that is a list   | checkpoint_ns |
