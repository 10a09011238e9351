Feature: The database drivers' warnings stay off standard error unless logging is configured
  When a connection dies, psycopg and SQLAlchemy's pool log a warning beside the error rewind
  raises. In a process that did not configure logging, Python would print those records on
  stderr as a second, unformatted report; rewind keeps them quiet there, and a process that
  configured logging still receives every one of them.

  Scenario: Logging not configured: only rewind speaks
    When a process using rewind hears the database drivers warn, with logging not configured
    Then its standard error is empty

  Scenario: Logging configured: the application still gets the drivers' records
    When a process using rewind hears the database drivers warn, with logging configured
    Then its standard error holds the drivers' warnings, "logged: psycopg: error ignored" and "logged: sqlalchemy.pool.impl.QueuePool: Exception during reset"
