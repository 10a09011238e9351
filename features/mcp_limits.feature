Feature: The MCP server reads only what it answers, and speaks only of its roots
  An agent's read_file and diff take max_bytes, from 1 byte to 16 MiB: read_file reads only
  the stored chunks those first bytes need, and diff builds its patch only that far, so a
  huge file costs the server what the answer holds. A path holding a NUL is invalid input.
  A server started with --root speaks only of the workspaces under its roots: a checkpoint of
  another workspace is as if it did not exist, an ambiguous id prefix lists only candidates
  under the roots, stats count only them and verify checks only them.

  Background:
    Given a workspace with files
      | path       | content  |
      | README.md  | hello    |
      | src/app.py | old line |
    And a checkpoint service on the scenario's database
    And an MCP client that started "rewind mcp" with the workspace as its root
    And the agent calls "snapshot" with, keeping the checkpoint as "K"
      """
      {"workspace": "{workspace}"}
      """

  Scenario: read_file reads only the chunks its first bytes need
    Given "big.bin" in the workspace holds 3 MiB of random bytes
    And the agent calls "snapshot" with, keeping the checkpoint as "B"
      """
      {"workspace": "{workspace}"}
      """
    And someone damages every stored chunk but the first of "big.bin" as of "B"
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{B}", "path": "big.bin", "max_bytes": 1000}
      """
    Then the result holds the first 1000 bytes of "big.bin" as of "B", in base64
    And the result's "size" is 3145728
    And the result's "truncated" is true
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{B}", "path": "big.bin", "max_bytes": 16777216}
      """
    Then the tool failed with CorruptStoreError naming "damaged", which is not retryable

  Scenario: A whole file is read, and checked, when max_bytes holds it
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{K}", "path": "src/app.py", "max_bytes": 8}
      """
    Then the result's "text" is "old line"
    And the result's "truncated" is false
    And the result's "size" is 8

  Scenario: A text cut inside a character comes back as text, without that character
    Given I write "héllo wörld" to "README.md"
    And the agent calls "snapshot" with, keeping the checkpoint as "U"
      """
      {"workspace": "{workspace}"}
      """
    When the agent calls "read_file" with
      """
      {"checkpoint_id": "{U}", "path": "README.md", "max_bytes": 2}
      """
    Then the result's "text" is "h"
    And the result's "truncated" is true
    When the agent calls "diff" from "K" to "U" with a patch cut inside its first "ö"
    Then the patch in the result is the patch from "K" to "U" up to its first "ö"
    And the result's "truncated" is true

  Scenario: diff builds the patch only as far as max_bytes, reading no file past it
    Given I write "new line" to "src/app.py"
    And I write "changed" to "README.md"
    And the agent calls "snapshot" with, keeping the checkpoint as "L"
      """
      {"workspace": "{workspace}"}
      """
    And someone damages every stored chunk of "src/app.py" as of "L"
    When the agent calls "diff" with
      """
      {"checkpoint_id": "{K}", "to_checkpoint_id": "{L}", "patch": true, "max_bytes": 20}
      """
    Then the result's "patch" is "--- a/README.md\n+++ "
    And the result's "truncated" is true
    And the result's "changes" lists "README.md, src/app.py"
    When the agent calls "diff" with
      """
      {"checkpoint_id": "{K}", "to_checkpoint_id": "{L}", "patch": true}
      """
    Then the tool failed with CorruptStoreError naming "damaged", which is not retryable

  Scenario: A patch that fits in max_bytes is whole
    Given I write "new line" to "src/app.py"
    When the agent calls "diff" with
      """
      {"checkpoint_id": "{K}", "patch": true, "max_bytes": 16777216}
      """
    Then the result's "truncated" is false
    And the result's "patch" contains "+new line"

  Scenario Outline: max_bytes of <value> is refused
    When the agent calls "<tool>" with
      """
      {"checkpoint_id": "{K}", <arguments>, "max_bytes": <value>}
      """
    Then the tool failed with InvalidInputError naming "max_bytes must be from 1 to 16777216", which is not retryable

    Examples:
      | tool      | arguments             | value    |
      | read_file | "path": "README.md"   | 0        |
      | read_file | "path": "README.md"   | -1       |
      | read_file | "path": "README.md"   | 16777217 |
      | diff      | "patch": true         | 0        |
      | diff      | "patch": true         | -5       |
      | diff      | "patch": true         | 16777217 |

  Scenario Outline: A NUL in <what> is invalid input
    When the agent calls "<tool>" with
      """
      <arguments>
      """
    Then the tool failed with InvalidInputError naming "NUL", which is not retryable
    When the agent calls "list_checkpoints"
    Then the result lists 1 checkpoints

    Examples:
      | what                     | tool             | arguments                                                     |
      | a workspace              | snapshot         | {"workspace": "{workspace}\u0000/x"}                          |
      | a listed workspace       | list_checkpoints | {"workspace": "{workspace}\u0000"}                            |
      | a path to read           | read_file        | {"checkpoint_id": "{K}", "path": "src/\u0000app.py"}          |
      | a path to put back       | restore_paths    | {"checkpoint_id": "{K}", "paths": ["README.md", "a\u0000b"]}  |
      | the workspace to restore | restore_paths    | {"checkpoint_id": "{K}", "paths": ["x"], "workspace": "\u0000"} |

  Scenario: A checkpoint of a workspace outside the roots is as if it did not exist
    Given another workspace "outside" snapshotted for plan "elsewhere" as "O"
    When the agent calls "show" with
      """
      {"checkpoint_id": "{O}"}
      """
    Then the tool failed with CheckpointNotFoundError naming "{O}", which is not retryable
    And the refusal does not name "outside"

  Scenario: An ambiguous prefix lists only the candidates under the roots
    Given another workspace "outside" snapshotted for plan "elsewhere" as "O"
    And I write "new line" to "src/app.py"
    And the agent calls "snapshot" with, keeping the checkpoint as "L"
      """
      {"workspace": "{workspace}"}
      """
    When the agent calls "show" with the prefix that "K", "L" and "O" share
    Then the tool failed with AmbiguousCheckpointIdError naming "{K}", which is not retryable
    And the refusal names "{L}"
    And the refusal does not name "{O}"

  Scenario: A prefix that only one checkpoint under the roots has is that checkpoint
    Given another workspace "outside" snapshotted for plan "elsewhere" as "O"
    When the agent calls "show" with the prefix that "K" and "O" share
    Then the result's "checkpoint_id" is "{K}"

  Scenario: stats count and verify checks only what lies under the roots
    Given another workspace "outside" snapshotted for plan "elsewhere" as "O"
    And someone damages every stored chunk of "other.txt" as of "O"
    When the agent calls "stats"
    Then the result's "checkpoints" is 1
    And the result's "snapshots" is 1
    And the result's "blobs" is 2
    And the result's "plans" names only the plan "agent"
    When the agent calls "verify"
    Then the result's "ok" is true
    And the result's "checked" is 1
