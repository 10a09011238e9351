Feature: The command names checkpoints as people think of them, in the workspace it is run in
  Run from any directory inside a workspace, rewind finds that workspace's history (the
  nearest directory at or above it that the store has snapshots of, as git finds .git).
  There latest (or @) is the newest snapshot, ~N (or @~N, which no shell expands) the one N
  back along its lineage, NAME~N N back from any other name; a label names the newest
  checkpoint with it; the short id (the first column of rewind list) and the start of an id
  name one checkpoint. show, diff, rollback, restore and verify take every one of them.

  Background:
    Given a workspace with files
      | path     | content |
      | a.txt    | one     |
      | src/b.py | beta    |
    When I run "rewind snapshot {workspace} --label first"
    And I write "two" to "a.txt"
    And I run "rewind snapshot {workspace} --label second"
    And I write "three" to "a.txt"
    And I run "rewind snapshot {workspace} --label third"

  Scenario: show finds the workspace from a subdirectory and takes latest, @, ~N, a label and a short id
    When I run "rewind show latest" in the workspace's directory "src"
    Then the output contains "checkpoint   {last}"
    When I run "rewind show @" in the workspace's directory "src"
    Then the output contains "label        third"
    When I run "rewind show ~1" in the workspace's directory "src"
    Then the output contains "label        second"
    When I run "rewind show @~2" in the workspace's directory "src"
    Then the output contains "checkpoint   {first}"
    When I run "rewind show second~1" in the workspace's directory "src"
    Then the output contains "checkpoint   {first}"
    When I run "rewind show first" in the workspace's directory "src"
    Then the output contains "checkpoint   {first}"
    When I run "rewind show {first:short}" in the workspace's directory "src"
    Then the output contains "checkpoint   {first}"
    When I run "rewind --json show {last:short|lower}" in the workspace's directory "src"
    Then the envelope's "data.checkpoint_id" is "{last}"
    And the envelope's "data.plan_id" is "default"

  Scenario: diff takes names on both sides
    When I run "rewind diff ~2 latest" in the workspace's directory "src"
    Then it prints the lines
      """
      modified a.txt
      """
    When I write "live" to "a.txt"
    And I run "rewind diff first --patch" in the workspace's directory "src"
    Then the output contains "-one"
    And the output contains "+live"
    When I run "rewind diff {first:short} second --exit-code" in the workspace's directory "src"
    Then it exits with status 1

  Scenario: rollback takes ~2, latest~1 undoes it through its safety checkpoint, and a label and short id work too
    When I run "rewind rollback ~2 --yes --quiet" in the workspace's directory "src"
    Then the output contains "1 restored, 0 removed, 1 unchanged"
    And "a.txt" in the workspace still contains "one"
    When I run "rewind rollback latest~1 --yes --quiet" in the workspace's directory "src"
    Then "a.txt" in the workspace still contains "three"
    When I run "rewind rollback second --yes --quiet" in the workspace's directory "src"
    Then "a.txt" in the workspace still contains "two"
    When I run "rewind rollback {last:short} --yes --quiet" in the workspace's directory "src"
    Then "a.txt" in the workspace still contains "three"
    When I run "rewind verify ~1" in the workspace's directory "src"
    Then the output contains "1 checkpoint checked, 0 problems"
    When I run "rewind restore first --into {directory}/copy --quiet" in the workspace's directory "src"
    Then the file "copy/a.txt" beside the workspace holds "one"

  Scenario: Outside every workspace, latest needs --workspace, given before or after the command
    When I run "rewind show latest"
    Then it fails with one line "'latest' counts from the newest snapshot of a workspace, and no workspace was given"
    When I run "rewind rollback ~1 --yes"
    Then it fails with one line "no workspace was given"
    And "a.txt" in the workspace still contains "three"
    When I run "rewind --workspace {workspace} show latest"
    Then the output contains "checkpoint   {last}"
    When I run "rewind show @~2 --workspace {workspace}"
    Then the output contains "checkpoint   {first}"
    When I run "rewind show {first:short}"
    Then the output contains "checkpoint   {first}"

  Scenario: From a directory removed meanwhile, an id still names its checkpoint, and latest needs --workspace
    When I run "sh -c 'mkdir {directory}/gone && cd {directory}/gone && rmdir {directory}/gone && rewind show {first:short}'"
    Then the output contains "checkpoint   {first}"
    When I run "sh -c 'mkdir {directory}/gone && cd {directory}/gone && rmdir {directory}/gone && rewind show latest'"
    Then it fails with one line "no workspace was given"

  Scenario: A name that goes back too far, or names nothing, is one error line saying why
    When I run "rewind show ~3" in the workspace's directory "src"
    Then it fails with one line "checkpoint '~3' does not exist: {last} has 2 checkpoints before it"
    When I run "rewind show fourth" in the workspace's directory "src"
    Then it fails with one line "checkpoint 'fourth' does not exist: no checkpoint of workspace {workspace} is labelled so"
    When I run "rewind --workspace {directory} show latest"
    Then it fails with one line "checkpoint 'latest' does not exist: workspace {directory} has no snapshot"

  Scenario: The help says what a plan and a decision are, and how to name a checkpoint
    When I run "rewind snapshot --help"
    Then the output contains "A plan is"
    And the output contains "one piece of work"
    And the output contains "decision is one step of a plan"
    And the output contains "[default: default]"
    When I run "rewind --help"
    Then the output contains "latest"
    And the output contains "short id"
