Feature: A rollback never touches what its checkpoint ignored, nor git's directories
  The checkpoint a rollback goes back to did not track the paths its own ignore files
  (.gitignore and .rewindignore, at any depth) ignored, nor anything under .git: it holds no
  copy of them. So a rollback, restore_paths and their dry runs leave such paths exactly as
  they are, even when the agent deleted the ignore file since and they are tracked now, and
  the result lists them as kept, with the reason.

  Background:
    Given a workspace with files
      | path                               | content          |
      | .env                               | API_KEY=secret   |
      | node_modules/left-pad/index.js     | module.exports=1 |
      | node_modules/left-pad/package.json | {}               |
      | src/app.py                         | app              |
    And "node_modules/.bin/left-pad" in the workspace links to "../left-pad/index.js"
    And ".gitignore" in the workspace contains ".env\nnode_modules/\n"
    And a checkpoint service on the scenario's database
    And I snapshot the workspace for plan "plan-1" as "K"

  Scenario: The agent deletes .gitignore; rolling back restores it and keeps what it ignored
    Given I delete ".gitignore"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed" to "src/app.py"
    And I note the workspace's files
    When I roll back to "K"
    Then the rollback restored ".gitignore, src/app.py" and removed "nothing"
    And the rollback kept ".env, node_modules/.bin/left-pad, node_modules/left-pad/index.js, node_modules/left-pad/package.json" because "K" ignores them
    And ".env" in the workspace still contains "API_KEY=secret"
    And "node_modules/left-pad/index.js" in the workspace still contains "module.exports=1"
    And the next snapshot of the workspace lists no change

  Scenario: The rollback that kept them is undone through its safety checkpoint
    Given I delete ".gitignore"
    And I note the workspace's files
    When I roll back to "K"
    And I roll back to the safety checkpoint of that rollback
    Then the workspace's files are exactly as noted
    And the rollback restored "nothing" and removed ".gitignore"
    And the rollback kept nothing
    And the next snapshot of the workspace lists no change

  Scenario: An edit to a kept file after the rollback is never overwritten by its undo
    Given I delete ".gitignore"
    When I roll back to "K"
    And I write "API_KEY=SECRET" to ".env"
    And I note the workspace's files
    And I try to roll back to the safety checkpoint of that rollback
    Then it fails with RestoreConflictError naming "{workspace}/.env"
    And the workspace's files are exactly as noted

  Scenario: A dry run lists what it would keep, and the rollback keeps exactly that
    Given I delete ".gitignore"
    And I note the workspace's files
    When I roll back to "K" as a dry run
    Then the workspace's files are exactly as noted
    And the dry run keeps ".env, node_modules/.bin/left-pad, node_modules/left-pad/index.js, node_modules/left-pad/package.json" because "K" ignores them
    When I roll back to "K"
    Then the rollback did exactly what the dry run announced

  Scenario: A nested ignore file's rules are the checkpoint's too
    Given "build/.gitignore" in the workspace contains "*.o\n"
    And "build/main.c" in the workspace contains "int main;"
    And "build/main.o" in the workspace contains "object"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I delete "build/.gitignore"
    And I snapshot the workspace for plan "plan-1" as "N"
    When I roll back to "M"
    Then the rollback restored "build/.gitignore" and removed "nothing"
    And the rollback kept "build/main.o" because "M" ignores them
    And "build/main.o" in the workspace still contains "object"

  Scenario: A .rewindignore's rules, and its exceptions to .gitignore, are the checkpoint's too
    Given ".gitignore" in the workspace contains "*.log\n"
    And ".rewindignore" in the workspace contains "!keep.log\nscratch/\n"
    And "keep.log" in the workspace contains "kept"
    And "debug.log" in the workspace contains "debug"
    And "scratch/notes.txt" in the workspace contains "notes"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I delete ".gitignore"
    And I delete ".rewindignore"
    And I write "changed" to "keep.log"
    When I roll back to "M"
    Then the rollback restored ".gitignore, .rewindignore, keep.log" and removed "nothing"
    And the rollback kept "debug.log, scratch/notes.txt" because "M" ignores them
    And the next snapshot of the workspace lists no change

  Scenario: restore_paths of a directory the checkpoint ignored keeps all of it
    Given I delete ".gitignore"
    And I snapshot the workspace for plan "plan-1" as "L"
    When I restore "node_modules, src" of "K"
    Then the rollback restored "nothing" and removed "nothing"
    And the rollback kept "node_modules/.bin/left-pad, node_modules/left-pad/index.js, node_modules/left-pad/package.json" because "K" ignores them
    And "node_modules/left-pad/index.js" in the workspace still contains "module.exports=1"

  Scenario: restore_paths as a dry run lists what it would keep
    Given I delete ".gitignore"
    When I restore ".env, .gitignore" of "K" as a dry run
    Then the dry run restores ".gitignore" and removes "nothing"
    And the dry run keeps ".env" because "K" ignores them

  Scenario: A git repository the agent cloned inside the workspace keeps its .git
    Given "vendor/lib/index.js" in the workspace contains "lib"
    And "vendor/lib/.git/HEAD" in the workspace contains "ref: refs/heads/main"
    And "vendor/lib/.git/objects/ab/cdef" in the workspace contains "object"
    When I roll back to "K"
    Then the rollback restored "nothing" and removed "vendor/lib/index.js"
    And the rollback kept "vendor/lib/.git" because it is git's
    And "vendor/lib/.git/HEAD" in the workspace still contains "ref: refs/heads/main"
    And "vendor/lib/.git/objects/ab/cdef" in the workspace still contains "object"
