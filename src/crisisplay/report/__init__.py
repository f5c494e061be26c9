"""After the crisis: the facts of an incident read from its log in one pass (``metrics``), one
report object (``build``), the one model of what the post-mortem says (``model``) and its
renderings (``markdown``; ``html`` with the Jinja2 templates in ``templates/``, the timeline
picture laid out by ``svg``), the walk read back stage by stage for ``log show``
(``walkthrough``), the handover brief (``handover``), and the figures across incidents
(``stats``).

May import: the shared modules, ``playbook`` and ``incident``. Never a front end or the CLI.
Nothing is imported here: ``stats`` and ``report`` load only the modules they use.
"""
