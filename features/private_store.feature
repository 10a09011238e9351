Feature: The store lies outside every workspace, private to its user
  By default the command, the agents' hooks and the service keep one store per user,
  $XDG_DATA_HOME/rewind/rewind.db (else ~/.local/share/rewind/rewind.db), holding every
  workspace's history, so an agent's own commands in a workspace (git clean, git stash,
  git add -A) can neither erase nor publish it. Its directory is 0700 and its files 0600
  whatever the umask; none of them is opened through a symlink, and one that another user
  owns is refused, naming it. A store named by URL or --db may lie anywhere, a workspace
  included: it is never tracked, and the directory holding it, when rewind makes it or when
  it is a .rewind, holds a .gitignore of "*" so that git add -A leaves it out.

  Background:
    Given a workspace with files
      | path     | content |
      | a.txt    | alpha   |
      | src/b.py | beta    |
    And the umask is 022

  Scenario: With no database setting, the command keeps its store in the user's data directory
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    Then it exits with status 0
    When I run "rewind list" in the workspace without a database setting
    Then the output contains "plan-1"
    And the user's store holds 1 checkpoint of plan "plan-1"
    And the user's store directory has mode 700 and its files "rewind.db" mode 600
    And nothing exists at "workspace/.rewind" beside the workspace

  Scenario: Opened with no URL, a service keeps its store in the user's data directory, each file 0600
    When a checkpoint service opened with no URL snapshots the workspace for plan "plan-1"
    Then the user's store directory has mode 700 and its files "rewind.db, rewind.db-shm, rewind.db-wal" mode 600
    And the user's store holds 1 checkpoint of plan "plan-1"
    And nothing exists at "workspace/.rewind" beside the workspace

  Scenario: A store named by URL leaves the user's data directory alone
    When I run "rewind snapshot {workspace} --plan plan-1"
    Then it exits with status 0
    And the user's store directory does not exist

  Scenario: An agent's git clean, git stash and git add -A neither erase nor publish the store
    Given the workspace is a git repository whose files are committed
    And I write "untracked work" to "notes.txt"
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    And the agent runs "git clean -fdx" in the workspace
    Then nothing exists at "workspace/notes.txt" beside the workspace
    When I run "rewind rollback {last} --yes" in the workspace without a database setting
    Then it exits with status 0
    And "notes.txt" in the workspace still contains "untracked work"
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    And the agent runs "git stash -u" in the workspace
    Then nothing exists at "workspace/notes.txt" beside the workspace
    When I run "rewind rollback {last} --yes" in the workspace without a database setting
    Then it exits with status 0
    And "notes.txt" in the workspace still contains "untracked work"
    When the agent runs "git add -A && git commit -qm work" in the workspace
    Then git in the workspace tracks exactly "a.txt, notes.txt, src/b.py"

  Scenario: A .rewind symlink a cloned repository planted is never written through by default
    Given the workspace's ".rewind" is a symlink to the new directory "elsewhere" beside it
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    Then it exits with status 0
    And the directory "elsewhere" beside the workspace is empty

  Scenario: A store named through a planted .rewind symlink is refused, naming it
    Given the workspace's ".rewind" is a symlink to the new directory "elsewhere" beside it
    When I try to open the database "sqlite:///{workspace}/.rewind/rewind.db"
    Then it fails with InsecureFileError naming "{workspace}/.rewind is a symlink"
    And the directory "elsewhere" beside the workspace is empty
    When I run "rewind --db {workspace}/.rewind/rewind.db snapshot {workspace} --plan plan-1"
    Then it exits with status 1 saying "{workspace}/.rewind is a symlink"
    And the directory "elsewhere" beside the workspace is empty

  Scenario Outline: A dangling symlink named as the store (<store>) is refused, and nothing is made at its target
    Given "<store>" beside the workspace is a symlink to "target.db", which does not exist
    When I try to open the database "sqlite:///{directory}/<store>"
    Then it fails with InsecureFileError naming "{directory}/<store> is a symlink"
    And nothing exists at "target.db" beside the workspace

    Examples:
      | store                       |
      | mine/rewind.db              |
      | workspace/.rewind/rewind.db |

  Scenario Outline: The user's store <what> is refused, naming it
    Given the user's store <what>
    When I try to open the store with no URL
    Then it fails with InsecureFileError naming <culprit>, which "<why>"

    Examples:
      | what                                                | culprit                    | why                            |
      | directory is a symlink to a new directory beside it | the user's store directory | is a symlink                   |
      | directory belongs to another user                   | the user's store directory | belongs to another user        |
      | is a symlink to a file beside it                    | the user's store           | is a symlink                   |
      | belongs to another user                             | the user's store           | belongs to another user        |
      | has a -wal file that belongs to another user        | the user's store's -wal    | belongs to another user        |
      | directory is a file                                 | the user's store directory | is not a directory             |

  Scenario: A user's store others could read is made private again, and that is said once
    When I run "rewind snapshot . --plan plan-1" in the workspace without a database setting
    And the user's store directory is given mode 755 and its database mode 644
    And I run "rewind list" in the workspace without a database setting
    Then the output contains "plan-1"
    And it printed "could be read by others (mode 644); now 600" on stderr 1 times
    And it printed "could be read by others (mode 755); now 700" on stderr 1 times
    And the user's store directory has mode 700 and its files "rewind.db" mode 600

  Scenario Outline: A store asked for in the workspace's <where> works, is never tracked, and git add -A leaves it out
    Given the workspace is a git repository whose files are committed
    When I run "rewind --db {workspace}/<directory>/rewind.db snapshot {workspace} --plan plan-1"
    Then it exits with status 0
    And the directory "<directory>" in the workspace holds a .gitignore of "*"
    When I write "changed" to "a.txt"
    And I run "rewind --db {workspace}/<directory>/rewind.db snapshot {workspace} --plan plan-1"
    Then it prints a new checkpoint id, then the lines
      """
      modified a.txt
      0 added, 1 modified, 0 deleted
      """
    When the agent runs "git add -A && git commit -qm work" in the workspace
    Then git in the workspace tracks exactly "a.txt, src/b.py"
    And the file "workspace/<directory>/rewind.db" beside the workspace has mode 600

    Examples:
      | where              | directory  |
      | .rewind directory  | .rewind    |
      | new directory      | store/deep |

  Scenario: A store asked for in a directory the user keeps gets no .gitignore of rewind's
    When I run "rewind --db {workspace}/src/rewind.db snapshot {workspace} --plan plan-1"
    Then it exits with status 0
    And nothing exists at "workspace/src/.gitignore" beside the workspace
    And the file "workspace/src/rewind.db" beside the workspace has mode 600

  Scenario Outline: A store whose <what> cannot be made fails with DatabaseUnavailableError
    Given a directory "locked" beside the workspace that only root may write
    And the directory "locked/.rewind" belongs to user nobody, who may not write it either
    And the scenario goes on as user nobody
    When I try to open the database "sqlite:///{directory}/locked/<store>"
    Then it fails with DatabaseUnavailableError naming "<named>"
    And the directory "locked/.rewind" beside the workspace is empty

    Examples:
      | what       | store             | named                                                  |
      | directory  | new/rewind.db     | cannot create the directory of database sqlite:///{directory}/locked/new/rewind.db |
      | .gitignore | .rewind/rewind.db | cannot write {directory}/locked/.rewind/.gitignore     |
      | database   | rewind.db         | cannot create database sqlite:///{directory}/locked/rewind.db |

  Scenario: A relative XDG_DATA_HOME is ignored, as the XDG specification says
    When I run "rewind snapshot {workspace} --quiet" with XDG_DATA_HOME "relative/data" and a home of the scenario's
    Then it exits with status 0
    And the scenario's home holds the user's store under ".local/share/rewind"

  Scenario: A data directory rewind cannot make is refused, naming it
    When I run "rewind snapshot {workspace} --quiet" with XDG_DATA_HOME "{workspace}/a.txt/data" and a home of the scenario's
    Then it exits with status 1 saying "cannot be made"
