Feature: A watching service looks only at what the kernel says changed
  A long-lived service opened with watch=True watches each workspace it snapshots (inotify).
  While it has watched a workspace without a gap since its own last scan, the next snapshot
  looks only at the paths the kernel reported; anything the watch cannot vouch for makes it
  scan the whole workspace, as without a watcher, and the reason is counted. These services
  are paranoid: each watched snapshot is compared with a full scan, and any difference fails.

  Background:
    Given a workspace with files
      | path               | content   |
      | README.md          | hello     |
      | src/app.py         | app       |
      | src/lib/util.py    | util      |
      | docs/guide/intro.md | intro    |
    And a checkpoint service on the scenario's database that watches paranoidly
    And I snapshot the workspace for plan "plan-1" as "K"

  Scenario: Changes, additions, removals, modes and symlinks are seen through the watch
    Given I write "changed" to "src/app.py"
    And I write "new" to "src/new.py"
    And I delete "README.md"
    And I make "src/lib/util.py" executable
    And "latest" in the workspace links to "src/app.py"
    When I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "README.md, latest, src/app.py, src/lib/util.py, src/new.py"
    And checkpoint "L" holds exactly the files of the workspace
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1"

  Scenario: Nothing changed, nothing looked at
    When I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" has "K" as its parent and lists no change
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1"

  Scenario: A new directory is walked whole, and watched from then on
    Given I write "deep" to "a/b/c/deep.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "deeper" to "a/b/c/d/deeper.txt"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "L" lists the changed paths "a/b/c/deep.txt"
    And checkpoint "M" lists the changed paths "a/b/c/d/deeper.txt"
    And checkpoint "M" holds exactly the files of the workspace
    And the watcher counted 2 watched snapshots and the full scans "first scan: 1"

  Scenario: A directory renamed inside the workspace keeps its paths right
    Given I rename "src" to "source"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "moved" to "source/lib/util.py"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "L" lists the changed paths "source/app.py, source/lib/util.py, src/app.py, src/lib/util.py"
    And checkpoint "M" lists the changed paths "source/lib/util.py"
    And checkpoint "M" holds exactly the files of the workspace
    And the watcher counted 2 watched snapshots and the full scans "first scan: 1"

  Scenario: A directory moved out of the workspace and back in
    Given I move "docs" out of the workspace
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed outside" to "guide/intro.md" in the moved-out directory
    And I move the moved-out directory back into the workspace as "manual"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "L" lists the changed paths "docs/guide/intro.md"
    And checkpoint "M" lists the changed paths "manual/guide/intro.md"
    And checkpoint "M" holds exactly the files of the workspace
    And the watcher counted 2 watched snapshots and the full scans "first scan: 1"

  Scenario: Ignored trees are neither watched nor recorded
    Given I write "node_modules/" to ".gitignore"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "dependency" to "node_modules/left-pad/index.js"
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" lists the changed paths "src/app.py"
    And the service watches 5 directories
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, ignore file changed: 1"

  Scenario: An overflowing event queue makes the next snapshot scan everything
    Given more changes than the kernel's event queue holds, ending with "src/app.py" changed
    When I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "src/app.py"
    And checkpoint "L" holds exactly the files of the workspace
    And the watcher counted 0 watched snapshots and the full scans "first scan: 1, event queue overflowed: 1"

  Scenario: A workspace removed and made again is scanned whole
    Given the workspace directory is removed and made again with "fresh.txt"
    When I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "README.md, docs/guide/intro.md, fresh.txt, src/app.py, src/lib/util.py"
    And checkpoint "L" holds exactly the files of the workspace
    And the watcher counted 0 watched snapshots and the full scans "first scan: 1, workspace moved or deleted: 1"

  Scenario: A snapshot by another service breaks the chain
    Given another service on the scenario's database snapshots the workspace for plan "plan-1"
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-1" as "L"
    Then checkpoint "L" lists the changed paths "src/app.py"
    And the watcher counted 0 watched snapshots and the full scans "first scan: 1, head moved: 1"

  Scenario: A rollback's safety snapshot and the snapshots after it are watched
    Given I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "unsaved" to "README.md"
    And I roll back to "K"
    And I write "after the rollback" to "src/lib/util.py"
    When I snapshot the workspace for plan "plan-1" as "M"
    And I write "watched again" to "README.md"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then the rollback's safety checkpoint lists the changed paths "README.md"
    And checkpoint "M" lists the changed paths "src/lib/util.py"
    And checkpoint "N" lists the changed paths "README.md"
    And checkpoint "N" holds exactly the files of the workspace
    And the watcher counted 4 watched snapshots and the full scans "first scan: 1"

  Scenario: Directories a rollback makes and removes are watched like any others
    Given I delete "docs"
    And I write "made" to "made/deep/new.txt"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I roll back to "K"
    And I write "changed after the rollback" to "docs/guide/intro.md"
    When I snapshot the workspace for plan "plan-1" as "M"
    And I write "changed again" to "docs/guide/intro.md"
    And I write "made again" to "made/again.txt"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then checkpoint "M" lists the changed paths "docs/guide/intro.md"
    And checkpoint "N" lists the changed paths "docs/guide/intro.md, made/again.txt"
    And checkpoint "N" holds exactly the files of the workspace
    And the watcher counted 4 watched snapshots and the full scans "first scan: 1"

  Scenario: Paths put back by restore_paths are seen through the watch
    Given I write "changed" to "src/app.py"
    And I write "changed" to "README.md"
    And I snapshot the workspace for plan "plan-1" as "L"
    When I restore "src/app.py" of "K"
    And I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" lists the changed paths "src/app.py"
    And checkpoint "M" holds exactly the files of the workspace
    And the watcher counted 3 watched snapshots and the full scans "first scan: 1"

  Scenario: A rollback by another service breaks the chain
    Given I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "L"
    And another service on the scenario's database rolls back to "K"
    And I write "changed after" to "README.md"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "M" lists the changed paths "README.md"
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, head moved: 1"

  Scenario: A new hard link makes a full scan, and writes through either name are seen
    Given I hard-link "src/app-copy.py" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I append " and more" to "src/app-copy.py"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "L" lists the changed paths "src/app-copy.py"
    And checkpoint "M" lists the changed paths "src/app-copy.py, src/app.py"
    And checkpoint "M" holds exactly the files of the workspace
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, new hard link: 1"

  Scenario: A write through mmap, which inotify never reports, fails a paranoid snapshot
    Given I overwrite "src/app.py" in place through mmap
    When I try to snapshot the workspace for plan "plan-1"
    Then it fails with WatchDivergenceError naming "src/app.py"
    And the store is unchanged

  Scenario: The safety net's full scan catches what the watch cannot see
    Given a checkpoint service on the scenario's database that watches, scanning in full after every 1 watched snapshot
    And I snapshot the workspace for plan "plan-1" as "L"
    And I overwrite "src/app.py" in place through mmap
    When I snapshot the workspace for plan "plan-1" as "M"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then checkpoint "M" has "L" as its parent and lists no change
    And checkpoint "N" lists the changed paths "src/app.py"
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, safety net: watched snapshots: 1"

  Scenario: A rollback that keeps what its checkpoint ignored makes the next snapshot scan everything
    Given I write "node_modules/" to ".gitignore"
    And I write "dependency" to "node_modules/left-pad/index.js"
    And I snapshot the workspace for plan "plan-1" as "L"
    And I delete ".gitignore"
    And I snapshot the workspace for plan "plan-1" as "M"
    When I roll back to "L"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then the rollback kept "node_modules/left-pad/index.js" because "L" ignores them
    And checkpoint "N" has "L" as its parent and lists no change
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, ignore file changed: 2, rollback left untracked files: 1"

  Scenario: A write the watch never saw, through a hard link made from outside, is in the rollback's safety checkpoint
    Given a checkpoint service on the scenario's database that watches, with no safety net, whose clock runs 1 hour ahead
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I hard-link "src/app.py" from outside the workspace as "app-elsewhere.py"
    And I write "written through the outside name" in place to "app-elsewhere.py" outside the workspace
    And I note the workspace's files
    When I roll back to "K"
    Then "src/app.py" in the workspace still contains "app"
    When I roll back to the safety checkpoint of that rollback
    Then the workspace's files are exactly as noted
    And "src/app.py" in the workspace still contains "written through the outside name"
    And the next snapshot of the workspace lists no change
    And the watcher counted 3 watched snapshots and the full scans "first scan: 1, change the watch missed: 1"

  Scenario: A rollback refused after it saw a write the watch missed makes the next snapshot scan everything
    Given a checkpoint service on the scenario's database that watches, with no safety net
    And I snapshot the workspace for plan "plan-1" as "L"
    And I delete "README.md"
    And ".rewindignore" in the workspace contains "README.md"
    And "README.md" in the workspace contains "precious, ignored"
    And I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I hard-link "src/app.py" from outside the workspace as "app-elsewhere.py"
    And I write "written through the outside name" in place to "app-elsewhere.py" outside the workspace
    When I try to roll back to "K"
    And I snapshot the workspace for plan "plan-1" as "N"
    Then it fails with RestoreConflictError naming "{workspace}/README.md"
    And checkpoint "N" lists the changed paths "src/app.py"
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, ignore file changed: 1, change the watch missed: 1"

  Scenario: A write through mmap the watch never saw is in the rollback's safety checkpoint
    Given a checkpoint service on the scenario's database that watches, with no safety net
    And I snapshot the workspace for plan "plan-1" as "L"
    And I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-1" as "M"
    And I overwrite "src/app.py" in place through mmap
    And I note the workspace's files
    When I roll back to "K"
    And I roll back to the safety checkpoint of that rollback
    Then the workspace's files are exactly as noted

  Scenario: Reaching the watch limit stops watching that workspace, and snapshots stay exact
    Given the kernel refuses new watches
    And I write "new" to "src/new/module.py"
    And I snapshot the workspace for plan "plan-1" as "L"
    And the kernel accepts new watches again
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-1" as "M"
    Then checkpoint "L" lists the changed paths "src/new/module.py"
    And checkpoint "M" lists the changed paths "src/app.py"
    And checkpoint "M" holds exactly the files of the workspace
    And the service watches 0 directories
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1, watch limit reached: 1"

  Scenario: A service watches at most its limit of workspaces, those it snapshotted last
    Given a checkpoint service on the scenario's database that watches paranoidly at most 2 workspaces
    And I snapshot the workspace for plan "plan-1" as "A1"
    And I snapshot the workspace for plan "plan-2" as "B1"
    And I snapshot the workspace for plan "plan-1" as "A2"
    And I snapshot the workspace for plan "plan-3" as "C1"
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-1" as "A3"
    And I snapshot the workspace for plan "plan-2" as "B2"
    Then checkpoint "A3" lists the changed paths "src/app.py"
    And checkpoint "B2" lists the changed paths "src/app.py"
    And checkpoint "B2" holds exactly the files of the workspace
    And the service watches 2 workspaces
    And the watcher counted 2 watched snapshots and the full scans "first scan: 3, watch closed for a newer workspace (max_workspaces): 1"

  Scenario: A kernel out of inotify instances makes snapshots scan until it gives one again
    Given the kernel gives no more inotify instances
    And I snapshot the workspace for plan "plan-2" as "B1"
    And I write "changed" to "src/app.py"
    And I snapshot the workspace for plan "plan-2" as "B2"
    And the kernel gives inotify instances again
    And I snapshot the workspace for plan "plan-2" as "B3"
    And I write "again" to "src/app.py"
    When I snapshot the workspace for plan "plan-2" as "B4"
    Then checkpoint "B2" lists the changed paths "src/app.py"
    And checkpoint "B4" lists the changed paths "src/app.py"
    And checkpoint "B4" holds exactly the files of the workspace
    And the service watches 2 workspaces
    And the watcher counted 1 watched snapshot and the full scans "first scan: 2, inotify could not start (Too many open files): 2"

  Scenario: A workspace on an overlay file system is scanned, not watched
    Given a workspace on an overlay file system
    And a checkpoint service on the scenario's database that watches paranoidly
    And I snapshot the workspace for plan "plan-2" as "O"
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-2" as "P"
    Then checkpoint "P" lists the changed paths "src/app.py"
    And the service watches 0 directories
    And the watcher counted 0 watched snapshots and the full scans "network or overlay file system (overlay): 2"

  Scenario: A workspace on an overlay file system is watched when the caller allows it
    Given a workspace on an overlay file system
    And a checkpoint service on the scenario's database that watches paranoidly, even remote file systems
    And I snapshot the workspace for plan "plan-2" as "O"
    And I write "changed" to "src/app.py"
    When I snapshot the workspace for plan "plan-2" as "P"
    Then checkpoint "P" lists the changed paths "src/app.py"
    And checkpoint "P" holds exactly the files of the workspace
    And the watcher counted 1 watched snapshot and the full scans "first scan: 1"

  Scenario: A service refuses a watch setting that is not one
    When I try to open a checkpoint service on the scenario's database watching "always"
    Then it fails with InvalidInputError naming "always"
