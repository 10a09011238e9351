Feature: rewind's temporary files cannot be mistaken for a user's files
  A restore writes each file to a temporary file beside it, named with a prefix that holds a
  digest of the workspace's path, then renames it into place. Only names with that prefix are
  treated as leftovers of an interrupted restore: a user's file or directory whose name merely
  starts with ".rewind-tmp-" is an ordinary path, snapshotted, restored and never deleted.

  Scenario: Files and directories named like temporaries are the user's
    Given a workspace with files
      | path                       | content          |
      | .gitignore                 | .rewind-tmp-log  |
      | .rewind-tmp-notes.txt      | mine             |
      | .rewind-tmp-dir/inside.txt | in a directory   |
      | .rewind-tmp-log            | ignored, mine    |
      | app.py                     | app              |
    And a checkpoint service on the scenario's database
    When I snapshot the workspace for plan "plan-1" as "K"
    Then checkpoint "K" lists the changed paths ".gitignore, .rewind-tmp-dir/inside.txt, .rewind-tmp-notes.txt, app.py"
    When I write "changed" to ".rewind-tmp-notes.txt"
    And I write "changed" to ".rewind-tmp-dir/inside.txt"
    And I write "changed" to "app.py"
    And I roll back to "K" as a dry run
    Then the dry run restores ".rewind-tmp-dir/inside.txt, .rewind-tmp-notes.txt, app.py" and removes "nothing"
    When I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    When I roll back to the safety checkpoint of that rollback
    And I roll back to "K"
    Then the workspace is exactly as when "K" was taken
    And the next snapshot of the workspace lists no change
