"""Measure the statement checker on an evaluation set (never tuned on).

    make eval-checker                       data/checker/eval/, the checker as shipped
    make eval-checker ARGS="--set eval-2"   data/checker/eval-2/
    make eval-checker ARGS=--rules-only     the rules alone
    make eval-checker ARGS=--no-verdict     rules and judge, without the judge's verdict

Prints, for English, Spanish and both: bad statements flagged (any error or warning) and
flagged as an error; good statements with no error and with no finding at all; then
precision and recall per non-apology family and per missing element.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corpus_check import statements  # noqa: E402

from crisisplay.check import ELEMENT_OF_RULE, KIND_NEEDS, KINDS, check_statement  # noqa: E402

SETS = ROOT / "data" / "checker"
NEEDS = KIND_NEEDS


def ratio(n: int, d: int) -> str:
    return f"{n / d:5.2f} ({n}/{d})" if d else "    –"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules-only", action="store_true", help="leave the learned judge out")
    parser.add_argument(
        "--no-verdict",
        action="store_true",
        help="leave the judge's verdict on the whole statement out",
    )
    parser.add_argument(
        "--set", default="eval", help="which set under data/checker/ (eval, eval-2 … eval-5)"
    )
    args = parser.parse_args()
    EVAL = SETS / args.set
    if args.set == "train" or not EVAL.is_dir():
        parser.error(f"no evaluation set {EVAL.relative_to(ROOT)}")
    import crisisplay.check.judge as judge

    if args.rules_only:
        judge.MODEL = ROOT / "no-judge"  # load() finds nothing: the rules alone
    elif args.no_verdict:
        import dataclasses

        shipped = judge.load()
        assert shipped is not None
        never = {"warn": 2.0, "error": 2.0, "quiet": -1.0}  # the verdict never speaks
        labels = tuple(
            dataclasses.replace(lab, **never) if lab.kind == "verdict" else lab
            for lab in shipped.labels
        )
        without = dataclasses.replace(shipped, labels=labels)
        judge.load = lambda: without  # type: ignore[assignment]
    data = statements(EVAL)
    rows: list[tuple[dict[str, Any], list[Any]]] = []
    for d in data:
        kind = d.get("kind") if d.get("kind") in KINDS else None
        rows.append((d, check_statement(d["text"], lang=d["lang"], kind=kind)))

    print(f"{len(data)} statements in {EVAL.relative_to(ROOT)}\n")
    print(
        f"{'':10} {'bad flagged':>16} {'bad as error':>16} {'good no error':>16} "
        f"{'good no finding':>16}"
    )
    for lang in ("en", "es", None):
        sel = [(d, f) for d, f in rows if lang is None or d["lang"] == lang]
        bad = [f for d, f in sel if d["verdict"] == "bad"]
        good = [f for d, f in sel if d["verdict"] == "good"]
        flagged = sum(1 for f in bad if any(x.severity in ("error", "warning") for x in f))
        as_error = sum(1 for f in bad if any(x.severity == "error" for x in f))
        no_error = sum(1 for f in good if not any(x.severity == "error" for x in f))
        no_finding = sum(1 for f in good if not f)
        print(
            f"{lang or 'both':10} {ratio(flagged, len(bad)):>16} {ratio(as_error, len(bad)):>16} "
            f"{ratio(no_error, len(good)):>16} {ratio(no_finding, len(good)):>16}"
        )

    print("\nper family (a finding of the family where the label has it)")
    print(f"{'':22} {'precision':>16} {'recall':>16}")
    families = sorted({fam for d in data for fam in d.get("families") or []})
    for lang in ("en", "es"):
        for fam in families:
            tp = fp = fn = 0
            for d, f in rows:
                if d["lang"] != lang:
                    continue
                said = any(x.family == fam for x in f)
                has = fam in (d.get("families") or [])
                tp += said and has
                fp += said and not has
                fn += has and not said
            print(f"{lang} {fam:<19} {ratio(tp, tp + fp):>16} {ratio(tp, tp + fn):>16}")

    print("\nper missing element (a missing-element finding where the label lacks it)")
    for lang in ("en", "es"):
        for element in sorted({e for es in NEEDS.values() for e in es}):
            tp = fp = fn = 0
            for d, f in rows:
                if d["lang"] != lang or element not in NEEDS.get(d.get("kind", ""), ()):
                    continue
                said = any(ELEMENT_OF_RULE.get(x.rule.removeprefix("judge.")) == element for x in f)
                missing = element not in (d.get("has") or [])
                tp += said and missing
                fp += said and not missing
                fn += missing and not said
            print(f"{lang} {element:<19} {ratio(tp, tp + fp):>16} {ratio(tp, tp + fn):>16}")

    errors = Counter(
        x.rule for d, f in rows if d["verdict"] == "good" for x in f if x.severity == "error"
    )
    print("\nerrors on good statements, by rule:", dict(errors.most_common(8)))


if __name__ == "__main__":
    main()
