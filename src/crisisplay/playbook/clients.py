"""Clients: finding a client's playbook, and the statement checker's settings for it.

A client profile gives the confidential terms and the ``checker`` overlay (rules
switched off, banned phrases). An agency's workspace may hold its own rule files in
``<home>/checker/`` (``common.yaml``, ``en.yaml``, ``es.yaml``…, in the format of
``check/rules.py``), which add to or replace the shipped rules.

Nothing from the checker is imported at module level: `playbook validate` reads
these settings on every run, and only needs the checker itself when its cached
results are out of date.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from crisisplay.errors import CrisisplayError
from crisisplay.home import CHECKER_DIR

if TYPE_CHECKING:
    from crisisplay.check import CheckProfile
    from crisisplay.home import Home
    from crisisplay.playbook.library import Library
    from crisisplay.playbook.resolved import Resolved

SHIPPED_RULES = Path(__file__).resolve().parent.parent / "check" / "rules"
NO_CLIENT = "the client"  # the model's default name: a playbook for no client in particular


def profile_settings(client: Any) -> dict[str, list[str]]:
    """The checker settings of a client profile (``playbook.model.Client``), as plain data."""
    return {
        "confidential_terms": list(client.confidential_terms),
        "disable": list(client.checker.disable),
        "banned": list(client.checker.banned),
    }


def profile_of(client: Any) -> CheckProfile:
    """The checker settings of a client profile, with its voice (``client.voice``)."""
    from crisisplay.check import CheckProfile

    voice = client.voice.model_dump(exclude={"description"})
    return CheckProfile(**profile_settings(client), voice=voice)


def workspace_rules_dirs(home: Home) -> list[Path]:
    folder = home.root / CHECKER_DIR
    return [folder] if folder.is_dir() else []


def rule_languages(extra_dirs: list[Path]) -> list[str]:
    """Languages that have rules: the shipped ones and any a workspace adds."""
    langs = set()
    for folder in (SHIPPED_RULES, *extra_dirs):
        for path in folder.glob("*.yaml"):
            if path.stem != "common":
                langs.add(path.stem.lower())
    return sorted(langs)


def primary_language(tag: str) -> str:
    """`es-MX` -> `es`: rule files are per primary language."""
    return (tag or "en").strip().replace("_", "-").split("-")[0].lower()


class ClientEntry(NamedTuple):
    slug: str
    name: str
    language: str
    playbook_id: str
    path: Path


def client_entries(lib: Library) -> list[ClientEntry]:
    """Every playbook that names a real client, with the client's slug."""
    from crisisplay.errors import PlaybookError
    from crisisplay.text import slugify

    out = []
    for e in lib.entries():
        if not e.client or e.client == NO_CLIENT:
            continue
        slug = ""
        try:
            data = lib.locate(e.path).data
            raw = data.get("client") if isinstance(data, dict) else None
            slug = str(raw.get("slug") or "") if isinstance(raw, dict) else ""
        except PlaybookError:
            pass
        # A base protocol names a placeholder client ("el cliente"); a client's own
        # playbook is an overlay on a base, or gives the client a slug.
        if e.extends or slug:
            out.append(ClientEntry(slug or slugify(e.client), e.client, e.language, e.id, e.path))
    return out


def client_playbook(lib: Library, ref: str, lang: str | None = None) -> Resolved:
    """The playbook of client ``ref``: its slug, its playbook's id, or its name.

    Tried in that order, then a slug or name that starts with ``ref-``; when a
    client's name fits several playbooks (one per language), ``lang`` picks.
    """
    from crisisplay.text import slugify

    wanted = slugify(ref)
    entries = client_entries(lib)
    found: list[ClientEntry] = []
    for test in (
        lambda c: c.slug == wanted,
        lambda c: c.playbook_id == wanted,
        lambda c: slugify(c.name) == wanted,
        lambda c: c.slug.startswith(wanted + "-") or slugify(c.name).startswith(wanted + "-"),
    ):
        found = [c for c in entries if test(c)]
        if found:
            break
    if len(found) > 1 and lang:
        same = [c for c in found if primary_language(c.language) == primary_language(lang)]
        found = same or found
    if not found:
        known = ", ".join(f"{c.slug} ({c.name}, {c.language})" for c in entries)
        raise CrisisplayError(
            f"No client '{ref}' was found.",
            f"Known clients: {known or 'none'}. A client is the `client:` of a playbook "
            "(see `crisisplay playbook list`).",
        )
    if len(found) > 1:
        listed = ", ".join(f"{c.slug} ({c.language}, playbook {c.playbook_id})" for c in found)
        raise CrisisplayError(
            f"'{ref}' fits {len(found)} clients' playbooks: {listed}.",
            "Name one by its slug, or add --lang.",
        )
    # Only the profile is needed: the whole-protocol checks are `playbook validate`'s job.
    return lib.load(str(found[0].path), check=False)
