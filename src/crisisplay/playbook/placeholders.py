"""Contacts nobody filled in: "(set in the client's playbook)", "TBD", "+34 600 000 000".

A placeholder is never offered as an answer (an approver, a way to reach someone), and
`playbook validate` warns about a client playbook that still has one.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crisisplay.errors import Problem
    from crisisplay.playbook.library import Resolved

_NAME = re.compile(
    r"\(set in the client's playbook\)|\(se define en el playbook del cliente\)"
    r"|\bTBD\b|\bTBC\b|\bTODO\b|\bpor definir\b|\bname surname\b|\bnombre apellido\b"
    r"|\bfirst last\b|\bjohn doe\b|\bjane doe\b|\bfulano\b|^\s*\?*\s*$|^\s*(x+|-+|…|\.\.\.)\s*$",
    re.IGNORECASE,
)
_REACH = re.compile(
    r"set in the client's playbook|se define en el playbook del cliente|\bTBD\b|\bTODO\b"
    r"|\bexample\.(com|org|net)\b|\+?\d{1,3}[\s-]?[0-9]00[\s-]?000[\s-]?000\b"
    r"|^\s*\+?[0\s-]+$|\b(5{3}[\s-]?0{3,4}|555[\s-]?\d{4})\b",
    re.IGNORECASE,
)


def placeholder_name(name: str | None) -> bool:
    return name is None or bool(_NAME.search(name))


def placeholder_reach(reach: str | None) -> bool:
    return bool(reach) and bool(_REACH.search(str(reach)))


def real_names(contacts: list[object], role: str | list[str] | None) -> list[str]:
    """Names of the contacts with `role` (or one of the roles) that someone filled in."""
    roles = [role] if isinstance(role, str) else list(role or [])
    return [
        str(getattr(c, "name", ""))
        for c in contacts
        if getattr(c, "role", None) in roles and not placeholder_name(getattr(c, "name", None))
    ]


def contact_warnings(resolved: Resolved) -> list[Problem]:
    """`playbook validate` warnings: contacts a client playbook still has as placeholders
    (a base with no client of its own is meant to have them, and the shipped examples are
    examples: an agency's copy of one is warned about)."""
    from crisisplay.errors import Problem
    from crisisplay.home import shipped_root

    if resolved.path.resolve().is_relative_to(shipped_root().resolve()):
        return []

    client = resolved.client
    base = resolved.lineage[1]["id"] if len(resolved.lineage) > 1 else None
    if base is None and client.name in ("the client", "el cliente", ""):
        return []
    where: Any = resolved.origins.client.get("contacts")
    top = str(resolved.path)
    own = where is not None and where[0].file == top
    out = []
    inherited = []
    for n, c in enumerate(client.contacts):
        what = []
        if placeholder_name(c.name):
            what.append(f"name “{c.name}”")
        if placeholder_reach(c.reach):
            what.append(f"reach “{c.reach}”")
        if not what:
            continue
        if not own:
            inherited.append(c.role)
            continue
        message = (
            f"client.contacts: the {c.role} contact's {' and '.join(what)} "
            f"{'is a placeholder' if len(what) == 1 else 'are placeholders'}: write the real one"
        )
        out.append(where[0].problem((*where[1], n), message))
    if inherited:
        out.append(
            Problem(
                top,
                1,
                1,
                f"client.contacts: none of this client's own; {base or 'the base'}'s "
                f"placeholders stand in for {', '.join(inherited)}: add this client's "
                "contacts under client.contacts",
            )
        )
    return out
