"""After the crisis: the facts of an incident read from its log in one pass (``metrics``), one
report object (``build``) and its renderings (``markdown``, ``html``, ``svg``), and the
figures across incidents (``stats``).

May import: the shared modules, ``playbook`` and ``incident``. Never a front end or the CLI.
Nothing is imported here: ``stats`` and ``report`` load only the modules they use.
"""
