"""An incident on disk: the events (``events``), the hash-chained log that holds them
(``log``), the receipts that anchor it (``receipts``), the walk's state replayed from it
(``walk``), the session that records through the log (``session``), the check of the whole
record (``evidence``), who holds the incident and the shifts so far (``shifts``), and the
notifications that go out through Apprise (``notify``).

May import: the shared modules (errors, text, times, files, safefs, home, workspace) and
``playbook``.
Never a front end, the report or the CLI.
"""
