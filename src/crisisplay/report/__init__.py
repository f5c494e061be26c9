"""Post-mortem reports built from an incident's log: the facts (metrics.py), one report
object (build.py), and its renderings (markdown.py, html.py, svg.py).

Nothing is imported here: `stats` and `report` load only the modules they use.
"""
