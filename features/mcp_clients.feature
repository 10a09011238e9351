Feature: Every MCP client reads rewind's answers, its refusals included
  Agents reach rewind's MCP server through the TypeScript SDK's client (Claude Code, Gemini
  CLI and the MCP Inspector are built on it) or through the Python SDK's, over stdio
  ("rewind mcp") or streamable HTTP ("rewind serve", with its bearer token). The TypeScript
  client checks every structured result against the tool's output schema, a tool error's
  too. So a refusal is a tool error whose text is JSON naming rewind's error class, its
  message and whether a retry may help, with no structured content; and every successful
  result matches its tool's output schema.

  Background:
    Given a workspace with files
      | path       | content  |
      | README.md  | hello    |
      | src/app.py | old line |
    And a checkpoint service on the scenario's database

  Scenario Outline: The <client> client over <transport> reads each refusal as a tool error with rewind's message
    Given an MCP client of the <client> SDK connected over <transport> with the workspace as its root
    And the agent calls "snapshot" with, keeping the checkpoint as "K"
      """
      {"workspace": "{workspace}"}
      """
    Then these calls are each refused with rewind's error, which is not retryable
      | tool             | arguments                                          | error                   | culprit                    |
      | show             | {"checkpoint_id": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"}    | CheckpointNotFoundError | 01ZZZZZZZZZZZZZZZZZZZZZZZZ |
      | show             | {"checkpoint_id": "01ZZZZ"}                        | CheckpointNotFoundError | 01ZZZZ                     |
      | snapshot         | {"workspace": "/etc"}                              | OutsideRootsError       | /etc                       |
      | restore_paths    | {"checkpoint_id": "{K}", "paths": ["../x"]}        | UnsafePathError         | ../x                       |
      | restore_paths    | {"checkpoint_id": "{K}", "paths": ["/etc/passwd"]} | UnsafePathError         | /etc/passwd                |
      | list_checkpoints | {"limit": 0}                                       | InvalidInputError       | limit must be from 1       |
    When the agent calls "list_checkpoints"
    Then the result lists 1 checkpoints

    Examples:
      | client     | transport       |
      | Python     | stdio           |
      | Python     | streamable HTTP |
      | TypeScript | stdio           |
      | TypeScript | streamable HTTP |

  Scenario Outline: The <client> client over <transport> gets results that match each tool's output schema
    Given an MCP client of the <client> SDK connected over <transport> with the workspace as its root
    And the agent calls "snapshot" with, keeping the checkpoint as "K"
      """
      {"workspace": "{workspace}", "label": "first"}
      """
    And I write "new line" to "src/app.py"
    And the agent calls "snapshot" with, keeping the checkpoint as "L"
      """
      {"workspace": "{workspace}"}
      """
    Then these calls succeed, each result matching its tool's output schema
      | tool             | arguments                                                          |
      | list_checkpoints | {"workspace": "{workspace}"}                                       |
      | log              | {"workspace": "{workspace}"}                                       |
      | show             | {"checkpoint_id": "{K}"}                                           |
      | diff             | {"checkpoint_id": "{K}", "to_checkpoint_id": "{L}", "patch": true} |
      | diff             | {"checkpoint_id": "{K}"}                                           |
      | read_file        | {"checkpoint_id": "{K}", "path": "src/app.py"}                     |
      | rollback         | {"checkpoint_id": "{K}"}                                           |
      | restore_paths    | {"checkpoint_id": "{K}", "paths": ["src"]}                         |
      | verify           | {}                                                                 |
      | verify           | {"checkpoint_id": "{L}"}                                           |
      | stats            | {}                                                                 |

    Examples:
      | client     | transport       |
      | Python     | stdio           |
      | TypeScript | stdio           |
      | TypeScript | streamable HTTP |

  Scenario: The TypeScript client's calls at once each get their own answer
    Given an MCP client of the TypeScript SDK connected over stdio with the workspace as its root
    And the agent calls "snapshot" with, keeping the checkpoint as "K"
      """
      {"workspace": "{workspace}"}
      """
    When the agent calls these at once
      | tool     | arguments                                       |
      | snapshot | {"workspace": "{workspace}", "label": "one"}    |
      | show     | {"checkpoint_id": "{K}"}                        |
    Then every call at once succeeded
