"""Starting points an agency fills in: a client overlay, a workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crisisplay.playbook.resolved import Resolved


def overlay_text(new_id: str, client: str, base: Resolved) -> str:
    """A commented client overlay on `base` that validates as it stands."""
    pb = base.playbook
    major = pb.version.split(".")[0]
    roles = base.client.role_names()
    steps = [s for _, s in pb.steps()]
    draft = next((s for s in steps if s.kind == "draft"), None)
    anchor = next((s for s in steps if s.kind in ("check", "ask")), steps[0] if steps else None)
    first_stage = pb.stages[0] if pb.stages else None
    contacts = (
        "\n".join(
            f'    - {{ name: "{c.name}", role: {c.role}, reach: "{c.reach}" }}'
            for c in base.client.contacts
        )
        or '    # - { name: Ana Ruiz, role: account-manager, reach: "+34 600 000 000" }'
    )
    lines = [
        f"# Client playbook for {client}: only what differs from '{pb.id}'.",
        "# Check it with:   crisisplay playbook validate " + f"{new_id}",
        "# See the result:  crisisplay playbook show " + f"{new_id} --resolved",
        "schema: crisisplay/v1",
        f"id: {new_id}",
        "version: 1.0.0",
        f"name: {_quote(client + ' — crisis protocol')}",
        f"language: {pb.language}",
        f"extends: {pb.id}@^{major}        # follows {pb.id} {major}.x; pin 1.2.0 to freeze",
        "",
        "client:",
        f"  name: {_quote(client)}",
        "  voice: Plain, warm, first person plural.   # how this brand speaks",
        f"  platforms: [{', '.join(base.client.platforms or ['x', 'facebook'])}]",
        "  # Who approves and who is called. Keep every role the protocol uses:",
        f"  # {', '.join(roles)}",
        "  contacts:",
        contacts,
        "  confidential_terms: []      # never to appear in a public statement",
        "  moderation:",
        "    may_hide: [insults, slurs, threats, personal data, spam]",
        "    never_hide: [criticism, complaints]",
        "  checker:",
        "    disable: []               # checker rule ids to switch off for this client",
        "    banned: []                # phrases this client never says",
        "",
    ]
    if first_stage is not None:
        lines += [
            "# Deadlines from when the crisis was first seen, by stage:",
            f"# deadlines: {{ {first_stage.id}: {first_stage.due or '15m'} }}",
        ]
    if draft is not None:
        lines += [
            "# Change fields of the base's steps, by step id:",
            "# change:",
            f"#   {draft.id}: {{ approve_by: {roles[0] if roles else 'account-manager'} }}",
        ]
    if anchor is not None:
        lines += [
            "# Add steps before or after a step of the base:",
            "# add:",
            f"#   - after: {anchor.id}",
            "#     steps:",
            f"#       - id: {new_id}-extra-check",
            "#         check: Something only this client needs.",
            "# Remove steps of the base:",
            f"# remove: [{anchor.id}]",
        ]
    lines += [
        "# Replace a template for this client (Jinja2; see docs/playbooks.md):",
        "# templates:",
        "#   update:",
        '#     default: "…"',
        '#     x: "…"',
        "",
    ]
    return "\n".join(lines)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
