"""Validate the checker's labelled statements under data/checker/ and print their counts.

Every YAML file below data/checker/ (train, eval, any language) is read; each entry must have
the keys of docs' format (id lang region register kind verdict families has text), allowed
values only, a non-empty text, and an id unique across all files whose prefix matches its
language. Counts are printed per language, kind, verdict, family and element, and per set
(the directory a file sits in). Exit status 1 when anything is wrong.

Two things are reported but are not errors: pairs of texts that share most of their wording
(word-trigram overlap of 0.6 or more; the training set keeps some deliberate pairs that differ by
one clause and one label, which a trainer should keep in the same split), and, where a set has a
`*-hard-ids.txt` (one id a line, `#` comments), how many of its entries are hard cases.

Run: `python3 bench/corpus_check.py [ROOT]` (ROOT defaults to data/checker). Needs ruamel.yaml
(the project's .venv) or, failing that, PyYAML.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REQUIRED = ("id", "lang", "region", "register", "kind", "verdict", "families", "has", "text")
REGIONS = {
    "en": {"US", "UK", "IE", "AU", "CA", "IN", "NG"},
    "es": {"ES", "MX", "AR", "CO", "CL", "PE", "US"},
}
REGISTERS = {"formal", "informal"}
KINDS = ("holding-statement", "apology", "update", "resolution", "reply")
VERDICTS = ("good", "bad")
FAMILIES = (
    "conditional",
    "blaming-feelings",
    "agentless-passive",
    "sorry-but",
    "intent-over-impact",
    "blame-shifting",
    "minimiser",
    "any-inconvenience",
    "euphemism",
    "reframing",
    "dismissal",
    "moderation-threat",
    "canned-cliche",
    "false-promise",
)
ELEMENTS = ("acknowledgement", "responsibility", "repair", "next-update", "change", "what-to-do")
ID_RE = re.compile(r"^(en|es)-[a-z]-\d{4,}$")


def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        from ruamel.yaml import YAML
    except ImportError:
        import yaml  # PyYAML

        return yaml.safe_load(text)
    return YAML(typ="safe").load(text)


def statements(folder: Path) -> list[dict[str, Any]]:
    """Every entry of the YAML files in `folder`, in file order."""
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.yaml")):
        out.extend(load(path) or [])
    return out


def check_entry(e: Any, where: str) -> list[str]:
    if not isinstance(e, dict):
        return [f"{where}: entry is not a mapping"]
    errs = [f"{where}: missing key {k!r}" for k in REQUIRED if k not in e]
    errs += [f"{where}: unknown key {k!r}" for k in e if k not in REQUIRED]
    if errs:
        return errs
    lang = e["lang"]
    if lang not in REGIONS:
        errs.append(f"{where}: lang {lang!r}")
    elif e["region"] not in REGIONS[lang]:
        errs.append(f"{where}: region {e['region']!r} for {lang}")
    if not isinstance(e["id"], str) or not ID_RE.match(e["id"]):
        errs.append(f"{where}: id {e['id']!r} is not <lang>-<set letter>-<number>")
    elif not e["id"].startswith(f"{lang}-"):
        errs.append(f"{where}: id {e['id']!r} does not start with its lang {lang!r}")
    if e["register"] not in REGISTERS:
        errs.append(f"{where}: register {e['register']!r}")
    if e["kind"] not in KINDS:
        errs.append(f"{where}: kind {e['kind']!r}")
    if e["verdict"] not in VERDICTS:
        errs.append(f"{where}: verdict {e['verdict']!r}")
    for key, allowed in (("families", FAMILIES), ("has", ELEMENTS)):
        val = e[key]
        if not isinstance(val, list):
            errs.append(f"{where}: {key} is not a list")
            continue
        bad = [v for v in val if v not in allowed]
        if bad:
            errs.append(f"{where}: {key} has {bad}")
        if len(set(val)) != len(val):
            errs.append(f"{where}: {key} repeats a value")
    text = e["text"]
    if not isinstance(text, str) or not text.strip():
        errs.append(f"{where}: empty text")
    return errs


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def near_pairs(texts: dict[str, str], threshold: float = 0.6) -> list[tuple[str, str, float]]:
    """Pairs of ids whose texts share at least `threshold` of their word trigrams (Jaccard)."""
    sh = {i: shingles(t) for i, t in texts.items()}
    index: dict[tuple[str, ...], list[str]] = {}
    for i, s in sh.items():
        for g in s:
            index.setdefault(g, []).append(i)
    shared: Counter[tuple[str, str]] = Counter()
    for ids in index.values():
        if len(ids) > 50:  # a stock phrase, not evidence of a copy
            continue
        for x in range(len(ids)):
            for y in range(x + 1, len(ids)):
                shared[(ids[x], ids[y])] += 1
    out: list[tuple[str, str, float]] = []
    for (first, second), n in shared.items():
        jac = n / len(sh[first] | sh[second])
        if jac >= threshold:
            out.append((first, second, jac))
    return sorted(out)


def table(title: str, counter: Counter[str], order: tuple[str, ...] | None = None) -> None:
    print(f"\n{title}")
    keys = list(order) if order else sorted(counter)
    for k in keys:
        print(f"  {k:<22}{counter.get(k, 0):>6}")


def main(argv: list[str]) -> int:
    root = (
        Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "data/checker"
    )
    files = sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml"))
    if not files:
        print(f"no YAML files under {root}")
        return 1
    errors: list[str] = []
    seen: dict[str, str] = {}
    texts: dict[str, str] = {}
    by_id: dict[str, str] = {}
    groups: dict[str, dict[str, Counter[str]]] = {}
    for path in files:
        rel = path.relative_to(root)
        try:
            data = load(path)
        except Exception as exc:  # a parse error is a finding, not a crash
            errors.append(f"{rel}: cannot parse: {exc}")
            continue
        if not isinstance(data, list):
            errors.append(f"{rel}: top level is not a list")
            continue
        for i, e in enumerate(data):
            where = f"{rel}[{i}]" + (f" {e.get('id')}" if isinstance(e, dict) else "")
            errs = check_entry(e, where)
            errors += errs
            eid = e.get("id") if isinstance(e, dict) else None
            if isinstance(eid, str):
                if eid in seen:
                    errors.append(f"{where}: id also in {seen[eid]}")
                seen[eid] = str(rel)
            if errs:
                continue
            norm = " ".join(e["text"].lower().split())
            if norm in texts:
                errors.append(f"{where}: same text as {texts[norm]}")
            texts[norm] = e["id"]
            by_id[e["id"]] = e["text"]
            group = f"{e['lang']} {rel.parent}"
            c = groups.setdefault(
                group,
                {n: Counter() for n in ("kind", "verdict", "family", "element", "other")},
            )
            c["kind"][e["kind"]] += 1
            c["verdict"][e["verdict"]] += 1
            c["family"].update(e["families"])
            c["element"].update(e["has"])
            c["other"]["entries"] += 1
            c["other"][f"region {e['region']}"] += 1
            c["other"][f"register {e['register']}"] += 1
            if e["verdict"] == "good" and e["families"]:
                c["other"]["good with a family"] += 1
            if e["verdict"] == "bad" and not e["families"]:
                c["other"]["bad, no family"] += 1
    for hard_file in sorted(root.rglob("*-hard-ids.txt")):
        lines = hard_file.read_text(encoding="utf-8").splitlines()
        hard = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
        unknown = [h for h in hard if h not in seen]
        errors += [f"{hard_file.relative_to(root)}: unknown id {h}" for h in unknown]
        for h in set(hard) - set(unknown):
            e_rel = Path(seen[h])
            lang = h.split("-")[0]
            groups[f"{lang} {e_rel.parent}"]["other"]["hard cases (listed)"] += 1
    for group, c in sorted(groups.items()):
        print(f"\n=== {group}: {c['other']['entries']} entries ===")
        table("kind", c["kind"], KINDS)
        table("verdict", c["verdict"], VERDICTS)
        table("family", c["family"], FAMILIES)
        table("element", c["element"], ELEMENTS)
        table("other", c["other"])
    pairs = near_pairs(by_id)
    print(f"\nnear-identical pairs (word-trigram Jaccard >= 0.6, not an error): {len(pairs)}")
    for a, b, jac in pairs[:20]:
        print(f"  {a} ~ {b}  {jac:.2f}")
    if len(pairs) > 20:
        print(f"  ... and {len(pairs) - 20} more")
    print(f"\n{len(seen)} entries in {len(files)} files, {len(errors)} problems")
    for err in errors:
        print("  " + err)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
