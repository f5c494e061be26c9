"""Playbooks: the ``crisisplay/v1`` format (``model``), read with every value's position
(``yamlfile``) and checked as a whole (``validate``, ``checks``), client overlays resolved
(``library`` → ``resolved``), templates rendered in a sandbox (``templates``) and checked by
the statement checker (``template_check``), and the commands' helpers (``diff``,
``scaffold``, ``upgrade``, ``clients``, ``placeholders``).

May import: the shared modules and ``check``. Never an incident, a front end, the report or
the CLI.
"""
