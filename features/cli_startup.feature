Feature: The command starts fast: it loads the library only for what a command needs
  rewind --help loads Click and rewind's command line, --version not even that, and neither the library: no
  SQLAlchemy, Alembic, Pydantic or Rich. A read on a store already at the newest schema
  revision loads no Alembic (one SELECT of the version table says the store needs no
  upgrade), no part of the workspace package and none of the use cases that write. The
  scenarios list the modules a run imports (PYTHONPROFILEIMPORTTIME); they time nothing.

  Scenario Outline: "rewind <arguments>" loads no part of the library
    When I run "rewind <arguments>", listing the modules it imports
    Then it exits with status 0
    And its imports leave out sqlalchemy, alembic, pydantic, pydantic_core, rich
    And its only modules of rewind are the command line's and errors, _private, _manifest

    Examples:
      | arguments      |
      | --help         |
      | show --help    |
      | db --help      |

  Scenario: "rewind --version" loads not even Click, and names this rewind's version
    When I run "rewind --version", listing the modules it imports
    Then it exits with status 0
    And its imports leave out click, rewind.cli
    And it printed this rewind's version as Click prints a version

  Scenario: A read on a store at the newest revision loads no Alembic, and nothing that writes
    Given a workspace with files
      | path  | content |
      | a.txt | alpha   |
    And the workspace is snapshotted for plan "plan-1" through the API
    When I run "rewind list", listing the modules it imports
    Then it exits with status 0
    And its imports include sqlalchemy and pydantic
    And its imports leave out alembic, rewind.workspace, rewind._ops.snapshot, rewind._ops.rollback, rewind._ops.compare, rewind._guard
    When I run "rewind show {last}", listing the modules it imports
    Then it exits with status 0
    And its imports leave out alembic, rewind.workspace, rewind._ops.snapshot, rewind._ops.rollback

  Scenario: A store at an older revision is still upgraded when a read opens it
    Given the database was created at schema revision "0001"
    When I run "rewind list", listing the modules it imports
    Then it exits with status 0
    And its imports include alembic
    And the upgraded schema matches the ORM tables

  Scenario: The newest revision read from the migration files is Alembic's head
    Then the newest revision read from the migration files is the head Alembic finds

  Scenario: Migration files it cannot read plainly leave the decision to Alembic
    Then the newest revision read from a copy of the migrations with a revision file naming none is none
    And the newest revision read from a copy of the migrations with two heads is none
