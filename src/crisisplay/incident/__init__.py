"""An incident on disk: the events (``events``), the hash-chained log that holds them
(``log``), the receipts that anchor it (``receipts``), the walk's state replayed from it
(``walk``), the session that records through the log (``session``) and the check of the whole
record (``evidence``); for a team, who holds the pen (``pen``) and the shifts so far
(``shifts``), the workspace shared through git (``sync``, which the session calls after
opening, handover and close: it lives here so that the session may), the copies of a log that
grew apart (``forks``), and the notifications that go out through Apprise (``notify``);
the receipts' SSH signatures, checked against ``allowed_signers`` (``signing``).

May import: the shared modules (errors, text, times, files, safefs, home, workspace, git,
person) and ``playbook``.
Never a front end, the report or the CLI.
"""
