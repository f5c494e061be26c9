"""Contacts nobody filled in: "(set in the client's playbook)", "TBD", "+34 600 000 000".

A placeholder is never offered as an answer (an approver, a way to reach someone), and
`playbook validate` warns about a client playbook that still has one.
"""

from __future__ import annotations

import re

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
