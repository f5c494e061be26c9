"""How well `voice.address` tells tú from usted, on the checker's labelled Spanish statements.

Each statement in data/checker (train and eval) carries a `register`: formal (usted) or
informal (tú, vosotros, vos). For a brand that addresses people as usted, an informal
statement should be flagged and a formal one not; and the other way round. Run:

    .venv/bin/python bench/voice_address.py
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from crisisplay.check.voice import VoiceRules, voice_findings

DATA = Path(__file__).resolve().parents[1] / "data" / "checker"


def statements() -> list[tuple[str, str]]:
    yaml = YAML(typ="safe")
    out = []
    for path in sorted(DATA.glob("*/*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"))
        for e in entries if isinstance(entries, list) else []:
            if isinstance(e, dict) and e.get("lang") == "es" and e.get("register"):
                out.append((str(e["register"]), str(e.get("text") or "")))
    return out


def main() -> None:
    rows = statements()
    for address, expected in (("usted", "informal"), ("tú", "formal")):
        rules = VoiceRules(address=address)
        flagged = {"formal": 0, "informal": 0}
        total = {"formal": 0, "informal": 0}
        for register, text in rows:
            total[register] = total.get(register, 0) + 1
            if any(f.rule == "voice.address" for f in voice_findings(text, rules, "es")):
                flagged[register] = flagged.get(register, 0) + 1
        other = "formal" if expected == "informal" else "informal"
        print(
            f"address {address}: {flagged[expected]}/{total[expected]} {expected} statements "
            f"flagged; {flagged[other]}/{total[other]} {other} statements flagged (false alarms)"
        )


if __name__ == "__main__":
    main()
