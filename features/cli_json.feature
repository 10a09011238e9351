Feature: Every command prints one JSON document with --json, in a stable envelope
  {"command", "status", "exit_code", "data", "timing": {"started_at", "duration_ms"}}, and on
  an error "data" is null and "error" holds the type and message. --json goes before the
  command's name or after it.

  Background:
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |

  Scenario: snapshot, list, show
    When I run "rewind --json snapshot {workspace} --plan plan-1 --label first --extra n=1"
    Then it prints one JSON envelope of "snapshot" with status "ok" and exit code 0
    And the envelope's "data.checkpoint" holds a checkpoint of plan "plan-1"
    And the envelope's "data.checkpoint.label" is "first"
    And the envelope's "data.checkpoint.metadata.extra.n" is 1
    And the envelope's "data.changes" is [{"path": "a.txt", "change": "added"}]
    When I write "changed" to "a.txt"
    And I run "rewind snapshot {workspace} --plan plan-1 --json"
    Then it prints one JSON envelope of "snapshot" with status "ok" and exit code 0
    And the envelope's "data.changes" is [{"path": "a.txt", "change": "modified"}]
    And the envelope's "data.checkpoint.parent_id" is "{first}"
    When I run "rewind list --json"
    Then it prints one JSON envelope of "list" with status "ok" and exit code 0
    And the envelope lists 2 items under "data.checkpoints"
    And the envelope's "data.checkpoints.1" holds a checkpoint of plan "plan-1"
    When I run "rewind --json show {first:unique|lower}"
    Then it prints one JSON envelope of "show" with status "ok" and exit code 0
    And the envelope's "data" holds a checkpoint of plan "plan-1"
    And the envelope's "data.checkpoint_id" is "{first}"
    And the output is a checkpoint whose "sandbox_ref" is "{workspace}"

  Scenario: diff, rollback, restore
    When the workspace is snapshotted for plan "plan-1" through the API
    And I write "changed" to "a.txt"
    And I run "rewind --json diff {first}"
    Then it prints one JSON envelope of "diff" with status "ok" and exit code 0
    And the envelope's "data.base" is "{first}"
    And the envelope's "data.target" is null
    And the envelope's "data.paths" is ["a.txt"]
    And the envelope's "data.entries.0.change" is "modified"
    And the envelope's "data.patch" is null
    When I run "rewind --json rollback {first} --dry-run"
    Then it prints one JSON envelope of "rollback" with status "ok" and exit code 0
    And the envelope's "data.dry_run" is true
    And the envelope's "data.restored" is ["a.txt"]
    And the envelope's "data.safety_checkpoint_id" is null
    When I run "rewind --json rollback {first} --yes"
    Then it prints one JSON envelope of "rollback" with status "ok" and exit code 0
    And the envelope's "data.checkpoint_id" is "{first}"
    And the envelope's "data.dry_run" is false
    And the envelope's "data.unchanged_count" is 0
    When I run "rewind --json restore {first} --into {directory}/copy"
    Then it prints one JSON envelope of "restore" with status "ok" and exit code 0
    And the envelope's "data.restored" is ["a.txt"]
    And the envelope's "data.into" is "{directory}/copy"

  Scenario: verify, clean and with a problem
    Given a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"
    When I run "rewind --json verify"
    Then it prints one JSON envelope of "verify" with status "ok" and exit code 0
    And the envelope's "data" is {"ok": true, "checked": 1, "problems": []}
    Given someone alters the stored content of "a.txt" as of "K"
    When I run "rewind verify --json {K}"
    Then it prints one JSON envelope of "verify" with status "ok" and exit code 1
    And the envelope's "data.ok" is false
    And the envelope lists 1 items under "data.problems"
    And the envelope's "data.problems.0.checkpoint_id" is "{K}"

  Scenario: stats, db current, db upgrade
    When I run "rewind --json db current"
    Then it prints one JSON envelope of "db current" with status "ok" and exit code 0
    And the envelope's "data.revision" is null
    And the envelope's "data.up_to_date" is false
    When I run "rewind db upgrade --json"
    Then it prints one JSON envelope of "db upgrade" with status "ok" and exit code 0
    And the envelope's "data.previous_revision" is null
    And the envelope's "data.up_to_date" is true
    When the workspace is snapshotted for plan "plan-1" through the API
    And I run "rewind --json stats"
    Then it prints one JSON envelope of "stats" with status "ok" and exit code 0
    And the envelope's "data.checkpoints" is 1
    And the envelope's "data.snapshots" is 1
    And the envelope's "data.plans.0.plan_id" is "plan-1"
    When I run "rewind --json stats --plan plan-1"
    Then it prints one JSON envelope of "stats" with status "ok" and exit code 0

  Scenario: A RewindError: exit code 1, data null, the error's type and message
    When I run "rewind --json list"
    Then it prints one JSON envelope of "list" with status "error" and exit code 1
    And the envelope's "error.type" is "DatabaseNotFoundError"
    When I run "rewind --json snapshot {directory}/missing --plan plan-1"
    Then it prints one JSON envelope of "snapshot" with status "error" and exit code 1
    And the envelope's "error.type" is "WorkspaceNotFoundError"
    When I run "rewind --json show 01ARZ3NDEKTSV4RRFFQ69G5FAV"
    Then it prints one JSON envelope of "show" with status "error" and exit code 1
    And the envelope's "error.type" is "CheckpointNotFoundError"
    And the envelope's "error.message" is "checkpoint '01ARZ3NDEKTSV4RRFFQ69G5FAV' does not exist"
    And the envelope's "error.checkpoint_id" is "01ARZ3NDEKTSV4RRFFQ69G5FAV"
    And the envelope's "error.retryable" is false
    And it exits with status 1 saying "error: checkpoint '01ARZ3NDEKTSV4RRFFQ69G5FAV' does not exist"

  Scenario: A usage error: exit code 2, data null, the usage error's type and message
    When I run "rewind --json snapshot"
    Then it prints one JSON envelope of "snapshot" with status "error" and exit code 2
    And the envelope's "error.type" is "MissingParameter"
    And the envelope's "error.message" mentions "PATH"
    And it exits with status 2 saying "Missing argument 'PATH'"
    When I run "rewind list --limit 0 --json"
    Then it prints one JSON envelope of "list" with status "error" and exit code 2
    When I run "rewind --json frobnicate"
    Then it prints one JSON envelope of "" with status "error" and exit code 2
    And the envelope's "error.type" is "NoSuchCommand"
    When I run "rewind --json db frobnicate"
    Then it prints one JSON envelope of "db" with status "error" and exit code 2
    When I run "rewind prune --json"
    Then it prints one JSON envelope of "prune" with status "error" and exit code 2
    And the envelope's "error.message" mentions "--keep-last"

  Scenario: A rollback not confirmed: exit code 1, data null, nothing changed
    When the workspace is snapshotted for plan "plan-1" through the API
    And I write "changed" to "a.txt"
    And I run "rewind --json rollback {first}" answering "n"
    Then it prints one JSON envelope of "rollback" with status "error" and exit code 1
    And the envelope's "error.type" is "Abort"
    And "a.txt" in the workspace still contains "changed"
