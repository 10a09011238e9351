Feature: A watched snapshot always records what a full scan records
  A state machine performs random file-system operations on a workspace (writes, renames over
  files, hard links, mode changes, symlink swaps, directories made, removed and moved within,
  out of and into the tree, ignore-file edits, bursts that overflow the kernel's queue,
  rollbacks) and, between them, snapshots it through a watching service and through a
  scanning one. Their trees and their changes must be equal after every step. One operation
  writes through a hard link made from outside the tree, which no watch hears of, then rolls
  back and undoes the rollback: the rollback's safety checkpoint must hold that write, and the
  undo put it back. `nox -s soak` runs it for longer.

  Scenario: Random file-system operations never make a watched snapshot miss a change
    Given a checkpoint service on the scenario's database that watches, and one that scans
    Then 25 random runs of file-system operations give watched snapshots equal to full scans
