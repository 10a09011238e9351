Feature: Whatever callers pass, a checkpoint is stored exactly or refused clearly
  Fuzzed ids, labels, workspace references and metadata (unicode, empty and over-long text,
  NUL characters, lone surrogates, huge numbers, NaN, bytes, sets, objects): each call either
  stores a checkpoint that reads back equal, or raises InvalidInputError and stores nothing.

  Scenario: Fuzzed checkpoint fields
    Given a checkpoint service on the scenario's database
    Then 300 fuzzed checkpoints are each stored exactly or refused with InvalidInputError
