Feature: Bad input gets a clear error and changes nothing
  Every refusal is a RewindError subclass whose message names the culprit, and the store is
  exactly as it was before.

  Background:
    Given a workspace with files
      | path    | content |
      | one.txt | 1       |
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "first"

  Scenario: An unknown checkpoint id
    When I try to get checkpoint "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    Then it fails with CheckpointNotFoundError naming "01ARZ3NDEKTSV4RRFFQ69G5FAV"

  Scenario: A checkpoint id that is not a ULID
    When I try to get checkpoint "../../etc/passwd"
    Then it fails with InvalidCheckpointIdError naming "../../etc/passwd"

  Scenario: A workspace that does not exist
    When I try to snapshot the path "nowhere" for plan "plan-1"
    Then it fails with WorkspaceNotFoundError naming "{directory}/nowhere"
    And the store is unchanged

  Scenario: A file given as the workspace
    Given a plain file "notes.txt" beside the workspace
    When I try to snapshot the path "notes.txt" for plan "plan-1"
    Then it fails with WorkspaceNotADirectoryError naming "{directory}/notes.txt"
    And the store is unchanged

  Scenario Outline: A <what> in the workspace that cannot be read
    Given "<path>" in the workspace contains "top secret"
    And "<unreadable>" in the workspace cannot be read
    When I try to snapshot the workspace for plan "plan-1" as an unprivileged user
    Then it fails with UnreadablePathError naming "{workspace}/<unreadable>"
    And the store is unchanged

    Examples:
      | what        | path               | unreadable |
      | file        | secret.txt         | secret.txt |
      | ignore file | .gitignore         | .gitignore |
      | directory   | private/secret.txt | private    |

  Scenario Outline: A metadata value that is not JSON
    When I try to snapshot the workspace for plan "plan-1" with <value> in extra key "culprit"
    Then it fails with InvalidMetadataError naming "extra.culprit"
    And the store is unchanged

    Examples:
      | value            |
      | a set            |
      | bytes            |
      | an object        |
      | NaN              |
      | a non-string key |

  Scenario: Extra keys that rewind reserves for the diff metadata
    When I try to snapshot the workspace for plan "plan-1" with the reserved extra key "diff_paths"
    Then it fails with InvalidMetadataError naming "diff_paths"
    And the store is unchanged

  Scenario: Invalid checkpoint fields
    When I try to create a checkpoint for plan "plan-1" with label of 5000 characters
    Then it fails with InvalidInputError naming "label"
    When I try to create a checkpoint for plan "plan-1" with the metadata field "colour"
    Then it fails with InvalidMetadataError naming "colour"
    When I try to create a checkpoint for plan "plan-1" of type "yolo"
    Then it fails with InvalidInputError naming "yolo"
    And the store is unchanged

  Scenario: Invalid listing filters
    When I try to list checkpoints with limit 0
    Then it fails with InvalidInputError naming "0"
    When I try to list checkpoints with before "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    Then it fails with CheckpointNotFoundError naming "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    When I try to list checkpoints with checkpoint_type "sometimes"
    Then it fails with InvalidInputError naming "sometimes"
    When I try to list checkpoints before a moment without a time zone
    Then it fails with InvalidInputError naming "timezone-aware"

  Scenario: Diffing a checkpoint that records no files
    Given a "manual" checkpoint for plan "plan-1" and decision "d-1" as "note"
    When I try to diff checkpoint "note" with the live workspace
    Then it fails with InvalidInputError naming "{note}"

  Scenario: Comparing with a workspace that has gone away
    When the workspace directory is removed
    And I try to diff checkpoint "first" with the live workspace
    Then it fails with WorkspaceNotFoundError naming "{workspace}"

  Scenario Outline: A malformed or unsupported database URL
    When I try to open the database "<url>"
    Then it fails with DatabaseURLError naming "<culprit>"

    Examples:
      | url                     | culprit                 |
      | no-such-scheme:x        | no-such-scheme:x        |
      | mysql://root@localhost/x | mysql://root@localhost/x |
      | sqlite+nodriver:///x.db | sqlite+nodriver:///x.db |
      | sqlite:///x.db?lock_timeout=soon | lock_timeout |
      | sqlite:///x.db?lock_timeout=inf  | lock_timeout |
      | sqlite://?lock_timeout=1e300     | lock_timeout |
      | sqlite:///a%00b.db               | NUL          |
      | sqlite:///\udcff.db              | not plain text |
      | sqlite:///x.db?foo=bar           | accepted: lock_timeout, mode, synchronous |
      | sqlite:///x.db?synchronous=off   | the levels are full and normal |
      | postgresql://u@127.0.0.1:9/x?synchronous=normal | synchronous    |
      | sqlite:///x.db?lock_timeout=1&lock_timeout=2 | more than once     |
      | sqlite:///x.db?timeout=5         | the option(s) timeout        |
      | sqlite:///x.db?mode=rwc          | the only mode is ro          |
      | sqlite://?mode=ro                | in-memory                    |
      | postgresql://u@127.0.0.1:9/x?sslmod=require | sslmode           |

  Scenario: Without the PostgreSQL extra, a PostgreSQL URL says which extra to install
    When a Python process without psycopg opens the database "postgresql://rewind@127.0.0.1:9/x"
    Then it printed "DatabaseURLError: database URL 'postgresql://rewind@127.0.0.1:9/x' needs psycopg 3" and nothing on its standard error
    And the output contains ".[postgres]"

  Scenario: A checkpoint validated from a mapping without its fields names each field once
    When I try to validate a Checkpoint from an empty mapping
    Then it fails with InvalidValueError naming "checkpoint_id: Field required"
    And the error says "invalid Checkpoint" once
    And the error comes back equal from pickle and from copy, its data included

  Scenario: A workspace path that no database can store
    When I try to snapshot the workspace path with the undecodable byte "\xff" for plan "plan-1"
    Then it fails with InvalidInputError naming "not valid Unicode"
    And the store is unchanged

  Scenario: Arguments of the wrong kind or out of range
    When I try to list checkpoints with limit 9223372036854775808
    Then it fails with InvalidInputError naming "limit"
    When I try to create a checkpoint for plan "plan-1" with the metadata "not a mapping"
    Then it fails with InvalidMetadataError naming "mapping"
    When I try to snapshot the workspace None for plan "plan-1"
    Then it fails with InvalidInputError naming "not a path"
    When I try to restore the first snapshot into a path holding a NUL
    Then it fails with InvalidInputError naming "NUL"
    When I try to open the existing database at a path of 6000 characters
    Then it fails with DatabaseNotFoundError naming "nothing was created"

  Scenario: Listing before a moment earlier than any checkpoint finds none
    When I list checkpoints before 1969-12-31
    Then the listing is empty

  Scenario: Listing filters that no database can store
    When I try to list checkpoints with plan_id "p\udcff"
    Then it fails with InvalidInputError naming "plan_id"
    When I try to list checkpoints with decision_id "d\x00"
    Then it fails with InvalidInputError naming "NUL"
    When I try to list checkpoints with sandbox_ref "/tmp/w\x00"
    Then it fails with InvalidInputError naming "sandbox_ref"

  Scenario: An unreachable database
    When I try to open the database "postgresql://rewind:secret@127.0.0.1:9/nowhere"
    Then it fails with DatabaseUnavailableError naming "127.0.0.1:9/nowhere"

  Scenario: A database file in a directory that cannot be created
    Given a plain file "blocker" beside the workspace
    When I try to open the database "sqlite:///{directory}/blocker/rewind.db"
    Then it fails with DatabaseUnavailableError naming "{directory}/blocker/rewind.db"
