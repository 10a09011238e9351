Feature: A server acts on its roots and what lies below them, never on a directory that only starts alike
  `rewind mcp --root DIR` acts on DIR and the directories below it. A directory beside it
  whose name merely begins with DIR's name (`/x/ws-evil` beside the root `/x/ws`) is outside:
  every tool refuses it with OutsideRootsError naming it, finds none of its checkpoints, and
  never lists them, whether the root was given with a trailing slash or without one.

  Background:
    Given a workspace with files
      | path       | content |
      | notes.txt  | one     |
      | src/app.py | app     |
    And a directory "workspace-evil" beside the workspace holds "secret.txt"
    And a checkpoint service on the scenario's database
    And I snapshot the directory "workspace-evil" beside the workspace for plan "agent" as "E"

  Scenario Outline: The root <given> admits itself and what lies below it, and refuses a directory named like it
    Given an MCP client that started "rewind mcp" with the root <given>
    When the agent asks for a snapshot of "{workspace}"
    Then that call succeeded
    When the agent asks for a snapshot of "{workspace}/src"
    Then that call succeeded
    When the agent asks for a snapshot of "{workspace}-evil"
    Then that call failed with OutsideRootsError naming "{workspace}-evil"
    When the agent asks for a snapshot of "{workspace}-evil/"
    Then that call failed with OutsideRootsError naming "{workspace}-evil"
    And the directory "workspace-evil" beside the workspace is exactly as it was
    And the store holds no checkpoint of the directory "workspace-evil" but "E"

    Examples:
      | given            |
      | "{workspace}"    |
      | "{workspace}/"   |

  Scenario: A checkpoint of the directory named like the root is out of every tool's reach
    Given an MCP client that started "rewind mcp" with the root "{workspace}"
    And the agent asks for a snapshot of "{workspace}"
    When the agent calls each tool with checkpoint "E"
      | tool          | arguments                                              |
      | show          | {"checkpoint_id": "{E}"}                               |
      | diff          | {"checkpoint_id": "{E}"}                               |
      | read_file     | {"checkpoint_id": "{E}", "path": "secret.txt"}         |
      | rollback      | {"checkpoint_id": "{E}", "confirm": true}              |
      | restore_paths | {"checkpoint_id": "{E}", "paths": ["secret.txt"], "confirm": true} |
    Then each call failed with CheckpointNotFoundError naming "{E}"
    When the agent calls each tool with checkpoint "E"
      | tool             | arguments                             |
      | list_checkpoints | {"workspace": "{workspace}-evil"}     |
      | log              | {"workspace": "{workspace}-evil"}     |
    Then each call failed with OutsideRootsError naming "{workspace}-evil"
    When the agent lists every checkpoint it may see
    Then the agent sees 1 checkpoint, and not "E"
    And the directory "workspace-evil" beside the workspace is exactly as it was
