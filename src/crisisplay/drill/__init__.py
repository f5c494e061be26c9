"""Drills: a scenario played against a simulated clock while the trainee walks the playbook.

`scenario` holds the format and its loader, `clock` the simulated clock, `state` what a
drill's log says happened, `score` the scoring and the debrief, `runner` the interactive
drill and `scripted` the `--answers` one. Importing this package is free: every module is
imported where it is used.

May import: the shared modules, ``check``, ``playbook``, ``incident`` and ``frontends`` (a
drill is the real walk on a scenario's clock). Never the report or the CLI.
"""
