"""Train the checker's judge on data/checker/train/; write src/crisisplay/check/judge.bin.

    make train-checker      (installs the `train` extra: scikit-learn)

Deterministic: the same statements give the same bytes. Thresholds come from 5-fold
cross-validation on the training statements only; data/checker/eval/ is never read here.
Prints the cross-validated figures it chose the thresholds by.
"""

from __future__ import annotations

import array
import hashlib
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import normalize

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corpus_check import ELEMENTS, FAMILIES, statements  # noqa: E402

from crisisplay.check import judge  # noqa: E402
from crisisplay.check.text import fold_with_map  # noqa: E402


def setting(name: str, default: float) -> float:
    """A setting below, or the environment variable of its name (for a sweep)."""
    return float(os.environ.get(name, str(default)))


#: TRAIN_DIR, SEED (the shuffle of the folds) and JUDGE_OUT are for experiments: the same data
#: cross-validated on other folds shows how much of a difference in the figures is noise
TRAIN = Path(os.environ.get("TRAIN_DIR") or ROOT / "data" / "checker" / "train")
SEED = int(os.environ.get("SEED", "7"))
SHIPPED = Path(os.environ["JUDGE_OUT"]) if os.environ.get("JUDGE_OUT") else judge.MODEL
#: The settings below were chosen by cross-validation on the training statements (the
#: printout of each run is in docs/checker.md); the environment variables of the same names
#: override them, to compare settings without editing this file.
C = setting("C", 4.0)  # inverse regularisation
KEEP = int(os.environ.get("KEEP", "6000"))  # features kept per label, by weight
#: "balanced": a label's few positive statements weigh as much as its many negative ones,
#: so a family written in one clause of a long good apology still moves the probability.
CLASS_WEIGHT = os.environ.get("CLASS_WEIGHT", "balanced")
#: A family the judge adds to what the rules found is right this often as a warning, and
#: this often as an error (cross-validated, on the statements where the rules missed it).
FAMILY_WARN_PRECISION = setting("WARN_PRECISION", 0.60)
FAMILY_ERROR_PRECISION = setting("ERROR_PRECISION", 0.90)
#: Cross-validation on statements written by the same hands is kinder than new text: a
#: family is never a warning below this probability, nor an error below the second (with
#: balanced class weights a probability is not a frequency: the precisions above say what a
#: finding is worth; the floors only keep thresholds out of the noise at the bottom).
FAMILY_WARN_FLOOR = setting("WARN_FLOOR", 0.5)
FAMILY_ERROR_FLOOR = setting("ERROR_FLOOR", 0.8)
#: A threshold is trusted only when at least this many cross-validated statements reach it.
MIN_SUPPORT = int(os.environ.get("MIN_SUPPORT", "5"))
#: The verdict (is the whole statement one a crisis lead would let out?) is learned over
#: each text's features scaled to unit length, so that it does not lean with the length.
C_VERDICT = setting("C_VERDICT", 4.0)
#: The verdict gate (`check.Gate`), set on the cross-validated statements: a language finding
#: becomes an error where the statements it would make one for are bad this often; a warning
#: is added to a statement with no finding where those are bad this often; findings quieten
#: where the statements with one are sound this often.
GATE_ERROR_PRECISION = setting("GATE_ERROR_PRECISION", 0.90)
#: …where only the judge found something (the finding and the verdict read the same words;
#: on the regression corpus, 5 of the 6 errors the verdict made on sound statements were so)
GATE_ALONE_PRECISION = setting("GATE_ALONE_PRECISION", 0.97)
#: Cross-validation finds those errors as right as the others from 0.64 up; the regression
#: corpus (tests/data/check/, statements the judge never learned from) does not: its sound
#: short statements with a harmless trigger word ("No fue un malentendido: nos equivocamos…",
#: "molestias estomacales") read 0.68–0.93 bad. So they start at a floor of their own.
GATE_ALONE_FLOOR = setting("GATE_ALONE_FLOOR", 0.85)
GATE_WARN_PRECISION = setting("GATE_WARN_PRECISION", 0.90)
GATE_QUIET_PRECISION = setting("GATE_QUIET_PRECISION", 0.90)
#: …and it makes an error on at most this share of the sound statements
GATE_ERROR_SOUND = setting("GATE_ERROR_SOUND", 0.01)
GATE_FLOOR = 0.5  # never an error or an added warning below even odds, never quiet above
#: An element the judge reads as there is there this often, and the judge beats a rule
#: that found no phrase for it only when it is fairly sure.
ELEMENT_PRESENT_PRECISION = 0.95
ELEMENT_PRESENT_FLOOR = 0.8


def matrix(texts: list[str]) -> tuple[csr_matrix, list[str]]:
    """Presence of each feature in each text, over the features that occur at all; and
    the name of each column."""
    per_text = [sorted(judge.features(fold_with_map(t).text)) for t in texts]
    used = sorted({name for names in per_text for name in names})
    column = {name: i for i, name in enumerate(used)}
    rows = [i for i, names in enumerate(per_text) for _ in names]
    cols = [column[name] for names in per_text for name in names]
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(texts), len(used))), used


def fit(x: csr_matrix, y: np.ndarray, verdict: bool = False) -> LogisticRegression:
    weight = "balanced" if CLASS_WEIGHT == "balanced" else None
    if verdict:  # unit-length rows: the intercept is a feature worth keeping large
        model = LogisticRegression(
            C=C_VERDICT,
            solver="liblinear",
            max_iter=2000,
            class_weight="balanced",
            intercept_scaling=10,
            random_state=0,
        )
        return model.fit(normalize(x), y)
    model = LogisticRegression(
        C=C, solver="liblinear", max_iter=2000, class_weight=weight, random_state=0
    )
    return model.fit(x, y)


def pruned(model: LogisticRegression) -> tuple[float, dict[int, float]]:
    w = model.coef_[0]
    keep = np.argsort(-np.abs(w))[:KEEP]
    return float(model.intercept_[0]), {int(i): float(w[i]) for i in keep if w[i] != 0}


def lowest_with_precision(
    p: np.ndarray, y: np.ndarray, precision: float, floor: float = 0.15
) -> float:
    """The lowest threshold from `floor` up whose flagged statements (at least MIN_SUPPORT
    of them) are right `precision` of the time; 1.0 (never) when there is none."""
    for t in np.arange(floor, 0.995, 0.01):
        flagged = p >= t
        if flagged.sum() >= MIN_SUPPORT and (y[flagged].mean() >= precision):
            return round(float(t), 2)
    return 1.0


def precision_at(p: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """How often the statements at or above `threshold` have the label (0 when none is)."""
    flagged = p >= threshold
    return float(y[flagged].mean()) if flagged.any() else 0.0


def presence_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The lowest threshold from which the texts read as having the element have it
    `ELEMENT_PRESENT_PRECISION` of the time: above it, the judge's word beats a rule that
    found no phrase for the element."""
    if len(y) < 10:  # no rule insists on this element: the judge never overrules one
        return 1.0
    return lowest_with_precision(p, y, ELEMENT_PRESENT_PRECISION, ELEMENT_PRESENT_FLOOR)


#: warn, error, their precisions, quiet, its precision, error where only the judge found
#: something, its precision
Thresholds = tuple[float, float, float, float, float, float, float, float]
NEVER: Thresholds = (2.0, 2.0, 0.0, 0.0, -1.0, 0.0, 2.0, 0.0)  # a verdict that never speaks


def build(
    fitted: list[tuple[float, dict[int, float]]],
    thresholds: list[Thresholds],
    names: list[tuple[str, str]],
    used: list[str],
    trained_on: str,
) -> judge.Judge:
    """A judge from each label's (bias, column weights) and (warn, error, their precisions,
    quiet, its precision) thresholds."""
    labels: list[judge.Label] = []
    rows: dict[str, list[float]] = {}
    for k, ((name, kind), (bias, weights), (warn, error, warn_p, error_p, *verdict)) in enumerate(
        zip(names, fitted, thresholds, strict=True)
    ):
        quiet, quiet_p, alone, alone_p = verdict
        scale = max((abs(w) for w in weights.values()), default=1.0) / 127
        labels.append(
            judge.Label(
                name,
                kind,
                bias,
                scale,
                warn,
                error,
                warn_p,
                error_p,
                quiet=quiet,
                quiet_precision=quiet_p,
                error_alone=alone,
                error_alone_precision=alone_p,
                normalised=kind == "verdict",
            )
        )
        for col, w in weights.items():
            rows.setdefault(used[col], [0.0] * len(names))[k] = w
    vocabulary: dict[str, int] = {}
    weights_out = array.array("b")
    for feature in sorted(rows):
        quantised = [
            max(-127, min(127, round(w / labels[k].scale))) for k, w in enumerate(rows[feature])
        ]
        if any(quantised):  # a weight that rounds to nothing costs a line for nothing
            vocabulary[feature] = len(weights_out)
            weights_out.extend(quantised)
    return judge.Judge(tuple(labels), vocabulary, weights_out, trained_on)


def headline(rows: list[tuple[dict[str, Any], list[Any]]]) -> None:
    """The four figures the checker is judged by, on these statements."""
    for lang in ("en", "es", None):
        sel = [(d, f) for d, f in rows if lang is None or d["lang"] == lang]
        bad = [f for d, f in sel if d["verdict"] == "bad"]
        good = [f for d, f in sel if d["verdict"] == "good"]

        def share(n: int, d: int) -> str:
            return f"{n / d:.2f}" if d else "–"

        print(
            f"  {lang or 'both':5} bad flagged "
            f"{share(sum(1 for f in bad if f), len(bad))}, as error "
            f"{share(sum(1 for f in bad if any(x.severity == 'error' for x in f)), len(bad))}"
            f"; good no error "
            f"{share(sum(1 for f in good if not any(x.severity == 'error' for x in f)), len(good))}"
            f", no finding {share(sum(1 for f in good if not f), len(good))}"
        )


def per_family(rows: list[tuple[dict[str, Any], list[Any]]]) -> None:
    """Precision and recall of each family's findings (rules and judge), per language."""
    print("  per family, cross-validated (precision, recall):")
    for lang in ("en", "es"):
        for fam in FAMILIES:
            tp = fp = fn = 0
            for d, found in rows:
                if d["lang"] != lang:
                    continue
                said = any(x.family == fam for x in found)
                has = fam in (d.get("families") or [])
                tp, fp, fn = tp + (said and has), fp + (said and not has), fn + (has and not said)
            prec = f"{tp / (tp + fp):.2f}" if tp + fp else "  – "
            rec = f"{tp / (tp + fn):.2f}" if tp + fn else "  – "
            print(f"    {lang} {fam:<20} {prec} ({tp}/{tp + fp})  {rec} ({tp}/{tp + fn})")


def main() -> None:
    from crisisplay.check import (
        ELEMENT_OF_RULE,
        KINDS,
        _judged,
        _rule_findings,
        in_order,
        weighed_families,
    )
    from crisisplay.check.rules import load_rules

    data = statements(TRAIN)
    texts = [d["text"] for d in data]
    x, used = matrix(texts)
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    names = [(f, "family") for f in FAMILIES] + [(e, "element") for e in ELEMENTS]
    ys = [
        np.array(
            [
                1 if name in (d.get("families" if kind == "family" else "has") or []) else 0
                for d in data
            ]
        )
        for name, kind in names
    ]
    names.append(("bad", "verdict"))  # the whole statement: would a crisis lead let it out?
    ys.append(np.array([1 if d["verdict"] == "bad" else 0 for d in data]))
    unit = normalize(x)  # the verdict reads each text's features scaled to unit length
    folds = list(KFold(n_splits=5, shuffle=True, random_state=SEED).split(texts))
    settings = (
        f"{digest}-{C}-{KEEP}-{CLASS_WEIGHT}-v{C_VERDICT}-"
        + hashlib.sha256(judge.FEATURES.encode()).hexdigest()[:8]
        + f"-s{SEED}"
    )
    cache = Path(tempfile.gettempdir()) / f"crisisplay-train-{settings}.pickle"
    if cache.exists() and os.environ.get("NO_CACHE") != "1":  # the same statements and settings
        per_fold, out_of_fold, final = pickle.loads(cache.read_bytes())
    else:
        per_fold = []
        out_of_fold = [np.zeros(len(data)) for _ in names]
        for fit_idx, test_idx in folds:
            fitted = []
            for k, y in enumerate(ys):
                verdict = names[k][1] == "verdict"
                bias, weights = pruned(fit(x[fit_idx], y[fit_idx], verdict))
                cols = np.array(list(weights), dtype=np.int64)
                vals = np.array(list(weights.values()))
                read = unit if verdict else x
                scores = bias + (read[test_idx][:, cols] @ vals if len(cols) else 0)
                out_of_fold[k][test_idx] = 1 / (1 + np.exp(-scores))
                fitted.append((bias, weights))
            per_fold.append(fitted)
        final = [
            pruned(fit(x, y, kind == "verdict")) for (_, kind), y in zip(names, ys, strict=True)
        ]
        cache.write_bytes(pickle.dumps((per_fold, out_of_fold, final)))

    # What the rules alone find in each statement (what check_statement gives without the
    # judge, no client profile, platform or history): the judge's thresholds are set on the
    # statements where the rules did not find the family (what the judge adds to them)
    by_rules: list[set[str]] = []
    rule_findings: list[list[Any]] = []
    excused: list[list[tuple[str, int, int]]] = []  # phrases the rules' exceptions cleared
    for d in data:
        kind = d.get("kind") if d.get("kind") in KINDS else None
        excused.append([])
        folded = fold_with_map(d["text"])
        ruleset = load_rules(d["lang"], ())
        found = in_order(_rule_findings(ruleset, folded, kind, set(), excused[-1]))
        rule_findings.append(found)
        # families the rules found, and the elements they report missing
        by_rules.append(
            {f.family for f in found}
            | {f"missing:{ELEMENT_OF_RULE[f.rule]}" for f in found if f.rule in ELEMENT_OF_RULE}
        )

    def cross_validated(thresholds: list[Thresholds]) -> list[tuple[dict[str, Any], list[Any]]]:
        """The whole checker (rules and judge) on each statement, read by a judge that never
        saw it."""
        rows: list[tuple[dict[str, Any], list[Any]] | None] = [None] * len(data)
        with tempfile.TemporaryDirectory() as tmp:
            for n, ((_, test_idx), fitted) in enumerate(zip(folds, per_fold, strict=True)):
                path = Path(tmp) / f"fold{n}.bin"
                judge.write(path, build(fitted, thresholds, names, used, "fold"))
                judge.MODEL = path
                for i in test_idx:
                    # what check_statement gives, without running the rules a second time: the
                    # rules' findings, with the judge's (no client profile, platform or history)
                    d = data[i]
                    kind = d.get("kind") if d.get("kind") in KINDS else None
                    found = _judged(
                        load_rules(d["lang"], ()),
                        fold_with_map(d["text"]),
                        d["lang"],
                        list(rule_findings[i]),
                        set(),
                        kind,
                        excused=excused[i],
                    )
                    rows[i] = (d, found)
        judge.MODEL = SHIPPED
        return [row for row in rows if row is not None]

    def gate(p: np.ndarray, rows: list[tuple[dict[str, Any], list[Any]]]) -> Thresholds:
        """The verdict's thresholds, from what the checker without it finds (`rows`, in the
        order of `data`) and the cross-validated probability that each statement is bad."""
        y = np.array([d["verdict"] == "bad" for d, _ in rows])
        weighed = weighed_families(FAMILIES)
        gated = np.array([any(f.family in weighed for f in found) for _, found in rows])
        error = np.array([any(f.severity == "error" for f in found) for _, found in rows])
        ruled = np.array(
            [
                any(f.family in weighed and not f.rule.startswith("judge.") for f in found)
                for _, found in rows
            ]
        )
        sound = max(1, int((~y).sum()))

        def sure(promoted: np.ndarray, precision: float, floor: float = GATE_FLOOR) -> float:
            """The lowest threshold from `floor` up from which the findings made errors are
            right `precision` of the time, and make an error on few sound statements (new
            text is read less surely than cross-validated text)."""
            t = lowest_with_precision(p[promoted], y[promoted], precision, floor)
            while t < 1.0 and (promoted & ~y & (p >= t)).sum() / sound > GATE_ERROR_SOUND:
                t = round(t + 0.01, 2)
            return t

        promoted = gated & ~error  # where "sure it is bad" would make a finding an error
        t_error = sure(promoted & ruled, GATE_ERROR_PRECISION)
        t_alone = max(t_error, sure(promoted & ~ruled, GATE_ALONE_PRECISION, GATE_ALONE_FLOOR))
        alone_p = precision_at(p[promoted & ~ruled], y[promoted & ~ruled], t_alone)
        promoted = promoted & ruled
        t_warn = lowest_with_precision(p[~gated], y[~gated], GATE_WARN_PRECISION, GATE_FLOOR)
        # the highest threshold at or below which the statements with a finding are sound
        t_quiet, quiet_p = -1.0, 0.0
        for t in np.arange(GATE_FLOOR, 0.0, -0.01):
            quiet = gated & (p <= t)
            if quiet.sum() >= MIN_SUPPORT and (1 - y[quiet].mean()) >= GATE_QUIET_PRECISION:
                t_quiet, quiet_p = round(float(t), 2), float(1 - y[quiet].mean())
                break
        error_p = precision_at(p[promoted], y[promoted], t_error)
        warn_p = precision_at(p[~gated], y[~gated], t_warn)
        print(
            f"  {'bad (verdict)':<20} {int(y.sum()):5} texts  error ≥ {t_error:.2f} (precision "
            f"{error_p:.2f})  added warning ≥ {t_warn:.2f} (precision {warn_p:.2f})  quiet ≤ "
            f"{t_quiet:.2f} (sound {quiet_p:.2f})  error where the judge alone found ≥ "
            f"{t_alone:.2f} (precision {alone_p:.2f})"
        )
        return (
            t_warn,
            t_error,
            round(warn_p, 3),
            round(error_p, 3),
            t_quiet,
            round(quiet_p, 3),
            t_alone,
            round(alone_p, 3),
        )

    def evaluate(warn_floor: float, error_floor: float, verbose: bool) -> list[Thresholds]:
        """Each label's thresholds from these floors; prints them and what the checker
        does with them, cross-validated."""
        print(
            f"{len(data)} statements, floors {warn_floor} / {error_floor}; "
            "thresholds from 5-fold cross-validation:"
        )
        thresholds: list[Thresholds] = []
        for (name, kind), y, p in zip(names, ys, out_of_fold, strict=True):
            if kind == "verdict":
                thresholds.append(NEVER)  # set below, on what the rest finds
                continue
            if kind == "family":
                new = np.array([name not in found for found in by_rules])  # the rules missed it
                warn = lowest_with_precision(p[new], y[new], FAMILY_WARN_PRECISION, warn_floor)
                error = lowest_with_precision(p[new], y[new], FAMILY_ERROR_PRECISION, error_floor)
                error = max(warn, error)
                warn_p = precision_at(p[new], y[new], warn)
                error_p = precision_at(p[new], y[new], error)
                warn_r = y[p >= warn].sum() / max(1, y.sum())
                error_r = y[p >= error].sum() / max(1, y.sum())
                print(
                    f"  {name:<20} {int(y.sum()):5} texts  warn ≥ {warn:.2f} (precision "
                    f"{warn_p:.2f}, recall {warn_r:.2f})  error ≥ {error:.2f} (precision "
                    f"{error_p:.2f}, recall {error_r:.2f})"
                )
            else:
                # judged on the statements where a rule reports the element missing: there,
                # the judge's "it is there" must be right ELEMENT_PRESENT_PRECISION of the time
                asked = np.array([f"missing:{name}" in found for found in by_rules])
                warn, error = presence_threshold(p[asked], y[asked]), 1.0
                warn_p, error_p = precision_at(p[asked], y[asked], warn), 0.0
                missing = (p < warn) & (y == 0)
                print(
                    f"  {name:<20} {int(y.sum()):5} texts  there ≥ {warn:.3f}  "
                    f"missing seen {missing.sum() / max(1, (y == 0).sum()):.2f}"
                )
            thresholds.append((warn, error, round(warn_p, 3), round(error_p, 3), *NEVER[4:]))

        before = cross_validated(thresholds)
        print("the checker without the verdict, cross-validated on the training statements:")
        headline(before)
        k = [kind for _, kind in names].index("verdict")
        thresholds[k] = gate(out_of_fold[k], before)
        rows = cross_validated(thresholds)
        if os.environ.get("DUMP"):  # for a look at what the verdict did, statement by statement
            Path(os.environ["DUMP"]).write_bytes(
                pickle.dumps((before, rows, out_of_fold[k], out_of_fold, rule_findings, names))
            )
        print("the checker, cross-validated on the training statements:")
        headline(rows)
        if verbose:
            per_family(rows)
        return thresholds

    # other floors, to compare (SWEEP="0.3,0.6 0.4,0.7"): the same fits, other thresholds
    for pair in os.environ.get("SWEEP", "").split():
        warn_floor, error_floor = (float(v) for v in pair.split(","))
        evaluate(warn_floor, error_floor, verbose=False)
    thresholds = evaluate(FAMILY_WARN_FLOOR, FAMILY_ERROR_FLOOR, verbose=True)

    trained_on = f"{len(data)} statements in data/checker/train (sha256 {digest})"
    if os.environ.get("DRY_RUN") == "1":
        return
    judge.write(SHIPPED, build(final, thresholds, names, used, trained_on))
    where = SHIPPED.relative_to(ROOT) if SHIPPED.is_relative_to(ROOT) else SHIPPED
    digest_out = hashlib.sha256(SHIPPED.read_bytes()).hexdigest()
    print(f"wrote {where}: {SHIPPED.stat().st_size:,} bytes, sha256 {digest_out}")


if __name__ == "__main__":
    main()
