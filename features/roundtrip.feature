Feature: Any tree round-trips exactly
  For many generated trees (names with spaces and unicode, nested directories, empty files,
  permission bits, relative and dangling symlinks), rolling back to a snapshot, or restoring
  it elsewhere, reproduces that tree exactly.

  Scenario: Generated trees survive rollback and restore
    Given a checkpoint service on the scenario's database
    Then rolling back and restoring 100 generated pairs of trees reproduces each exactly
