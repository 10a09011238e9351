Feature: rewind serve bounds what it reads, and trusts one token in one private file
  The server that agents' HTTP hooks and MCP clients talk to gives a client a limited time
  to send its request's headers, and then its body: one that sends half of either is
  disconnected. It reads at most 1 MiB of body for MCP and 64 MiB for a hook (an agent's
  hook posts the whole tool input, a file it writes included). A request with two
  Authorization headers is refused, whatever they hold. A NUL in a hook's working directory is
  invalid input, never a crash. The token file must be a regular file of the user's, not a
  symlink, that nobody else may read; the default one lives in a directory only the user may
  enter.

  Background:
    Given a workspace with files
      | path       | content |
      | README.md  | hello   |
      | src/app.py | app     |
    And a checkpoint service on the scenario's database

  Scenario Outline: A client that sends half of its request's <part> is disconnected
    Given the server runs with the workspace as its root, waiting 1 second for headers and for a body
    When a client connects and sends half of a hook request's <part>
    Then the server closes the connection

    Examples:
      | part    |
      | headers |
      | body    |

  Scenario: A client that sends nothing is disconnected
    Given the server runs with the workspace as its root, waiting 1 second for headers and for a body
    When a client connects and sends nothing
    Then the server closes the connection

  Scenario: A client that is slow but whole is served, on a connection that stays open
    Given the server runs with the workspace as its root, waiting 1 second for headers and for a body
    When a client sends two hook requests on one connection
    Then the server answered both with 200

  Scenario Outline: A request with two Authorization headers is refused (<which>)
    Given "rewind serve" runs with the workspace as its root
    When a client posts a hook request with the Authorization headers <which>
    Then the server answered 400
    And the server's answer names "one Authorization header"
    And plan "claude-code" has 0 checkpoints

    Examples:
      | which                    |
      | a wrong one, then the token |
      | the token, then a wrong one |
      | the token twice          |

  Scenario: A hook may post a body of several MiB, as an agent writing a large file does
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts to the server the hook input of a Write of 3 MiB
    Then the server answered 200
    And plan "claude-code" has 1 checkpoints

  Scenario Outline: A body over its route's limit is refused before it is read (<route>)
    Given "rewind serve" runs with the workspace as its root
    When a client announces a body of <size> bytes to <route>
    Then the server answered 413
    And the server's answer names "larger than <limit> bytes"

    Examples:
      | route              | size     | limit    |
      | /mcp               | 1048577  | 1048576  |
      | /hooks/claude-code | 67108865 | 67108864 |

  Scenario Outline: An MCP request of 2 MiB is refused (<how>)
    Given "rewind serve" runs with the workspace as its root
    When a client posts 2 MiB to /mcp <how>
    Then the server answered 413
    And the server's answer names "larger than 1048576 bytes"

    Examples:
      | how                   |
      | with its length       |
      | streamed, unannounced |

  Scenario: A hook whose working directory holds a NUL is invalid input, and the server goes on
    Given "rewind serve" runs with the workspace as its root
    When Claude Code posts to the server a hook input whose cwd holds a NUL
    Then the server answered 422
    And the server's answer names "InvalidInputError"
    When Claude Code posts its hook input to the server as the agent does
    Then the server answered 200 with "{}"

  Scenario Outline: A token file that <what> is refused
    Given the token file "token" beside the workspace <what>
    When I try to start "rewind serve" with "--token-file {directory}/token"
    Then it fails with one line "<said>"

    Examples:
      | what                                        | said                        |
      | is a symlink to a private file of the user's | is a symlink                |
      | belongs to another user                      | belongs to another user     |
      | is a FIFO                                    | is not a regular file       |

  Scenario: The default token file is made private, in a directory only the user may enter
    When "rewind serve" runs with the workspace as its root and the default token file
    Then the default token file has mode 600, in a directory of mode 700

  Scenario: A default token directory others may enter is made private again
    Given the default token directory exists with mode 755
    When "rewind serve" runs with the workspace as its root and the default token file
    Then the default token file has mode 600, in a directory of mode 700
