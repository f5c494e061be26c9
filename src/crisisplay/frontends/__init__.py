"""The ways a person walks an incident: at a terminal (``interactive``, with its prompts) or
from an answers file (``answers`` reads and plans it, ``scripted`` records it).

May import: the shared modules, ``playbook``, ``incident`` and ``check``. Never the CLI or
the report. Drills build on these front ends, not the other way round.
"""
