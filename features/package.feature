Feature: The installed package
  rewind is quick to import (Alembic loads only when a store is opened), says its version
  once, and ships its licence.

  Scenario: Importing rewind loads no Alembic module
    Then a fresh Python process that imports rewind has loaded no Alembic module

  Scenario: The version and the licence come with the package
    Then rewind's version is the installed package's version
    And the installed package ships the MIT licence
