"""An incident on disk: the events (``events``), the hash-chained log that holds them
(``log``), the receipts that anchor it (``receipts``), the walk's state replayed from it
(``walk``), the session that records through the log (``session``) and the check of the whole
record (``evidence``).

May import: the shared modules (errors, text, times, files, safefs, home) and ``playbook``.
Never a front end, the report or the CLI.
"""
