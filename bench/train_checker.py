"""Train the checker's judge on data/checker/train/; write src/crisisplay/check/judge.bin.

    make train-checker      (installs the `train` extra: scikit-learn)

Deterministic: the same statements give the same bytes. Thresholds come from 5-fold
cross-validation on the training statements only; data/checker/eval/ is never read here.
Prints the cross-validated figures it chose the thresholds by.
"""

from __future__ import annotations

import array
import hashlib
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corpus_check import ELEMENTS, FAMILIES, statements  # noqa: E402

from crisisplay.check import judge  # noqa: E402
from crisisplay.check.text import fold_with_map  # noqa: E402

TRAIN = ROOT / "data" / "checker" / "train"
SHIPPED = judge.MODEL
C = 4.0  # inverse regularisation; chosen by cross-validation (see the printout)
KEEP = 6000  # features kept per label, by weight
#: A family the judge adds to what the rules found is right this often as a warning, and
#: this often as an error (cross-validated, on the statements where the rules missed it).
FAMILY_WARN_PRECISION = 0.60
FAMILY_ERROR_PRECISION = 0.90
#: Cross-validation on statements written by the same hands is kinder than new text: a
#: family is never a warning below an even chance, nor an error below 0.9 ("only when sure").
FAMILY_WARN_FLOOR = 0.5
FAMILY_ERROR_FLOOR = 0.9
#: An element the judge reads as there is there this often, and the judge beats a rule
#: that found no phrase for it only when it is fairly sure.
ELEMENT_PRESENT_PRECISION = 0.95
ELEMENT_PRESENT_FLOOR = 0.8


def matrix(texts: list[str]) -> tuple[csr_matrix, np.ndarray]:
    """Presence of each feature in each text, over the buckets that occur at all; and
    the bucket of each column."""
    per_text = [sorted({b for b, _ in judge.features(fold_with_map(t).text)}) for t in texts]
    used = np.array(sorted({b for bs in per_text for b in bs}), dtype=np.int64)
    column = {int(b): i for i, b in enumerate(used)}
    rows = [i for i, bs in enumerate(per_text) for _ in bs]
    cols = [column[b] for bs in per_text for b in bs]
    data = np.ones(len(rows), dtype=np.float32)
    return csr_matrix((data, (rows, cols)), shape=(len(texts), len(used))), used


def fit(x: csr_matrix, y: np.ndarray) -> LogisticRegression:
    model = LogisticRegression(C=C, solver="liblinear", max_iter=2000)
    return model.fit(x, y)


def pruned(model: LogisticRegression) -> tuple[float, dict[int, float]]:
    w = model.coef_[0]
    keep = np.argsort(-np.abs(w))[:KEEP]
    return float(model.intercept_[0]), {int(i): float(w[i]) for i in keep if w[i] != 0}


def lowest_with_precision(p: np.ndarray, y: np.ndarray, precision: float) -> float:
    """The lowest threshold whose flagged statements are right `precision` of the time."""
    for t in np.arange(0.15, 0.995, 0.01):
        flagged = p >= t
        if flagged.sum() >= 3 and (y[flagged].mean() >= precision):
            return round(float(t), 2)
    return 0.99


def presence_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The lowest threshold from which the texts read as having the element have it
    `ELEMENT_PRESENT_PRECISION` of the time: above it, the judge's word beats a rule that
    found no phrase for the element."""
    if len(y) < 10:  # no rule insists on this element: the judge never overrules one
        return 1.0
    return max(ELEMENT_PRESENT_FLOOR, lowest_with_precision(p, y, ELEMENT_PRESENT_PRECISION))


def build(
    fitted: list[tuple[float, dict[int, float]]],
    thresholds: list[tuple[float, float]],
    names: list[tuple[str, str]],
    used: np.ndarray,
    trained_on: str,
) -> judge.Judge:
    """A judge from each label's (bias, column weights) and (warn, error) thresholds."""
    labels: list[judge.Label] = []
    rows: dict[int, list[float]] = {}
    for k, ((name, kind), (bias, weights), (warn, error)) in enumerate(
        zip(names, fitted, thresholds, strict=True)
    ):
        scale = max((abs(w) for w in weights.values()), default=1.0) / 127
        labels.append(judge.Label(name, kind, bias, scale, warn, error))
        for col, w in weights.items():
            rows.setdefault(int(used[col]), [0.0] * len(names))[k] = w
    buckets = array.array("I", sorted(rows))
    weights_out = array.array("b")
    for b in buckets:
        weights_out.extend(
            max(-127, min(127, round(w / labels[k].scale))) for k, w in enumerate(rows[b])
        )
    return judge.Judge(tuple(labels), buckets, weights_out, trained_on)


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


def main() -> None:
    from crisisplay.check import ELEMENT_OF_RULE, KINDS, check_statement

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
    folds = list(KFold(n_splits=5, shuffle=True, random_state=7).split(texts))
    cache = Path(tempfile.gettempdir()) / f"crisisplay-train-{digest}-{C}-{KEEP}-unweighted.pickle"
    if cache.exists():  # the same statements and settings: the same fits (thresholds vary)
        per_fold, out_of_fold, final = pickle.loads(cache.read_bytes())
    else:
        per_fold = []
        out_of_fold = [np.zeros(len(data)) for _ in names]
        for fit_idx, test_idx in folds:
            fitted = []
            for k, y in enumerate(ys):
                bias, weights = pruned(fit(x[fit_idx], y[fit_idx]))
                cols = np.array(list(weights), dtype=np.int64)
                vals = np.array(list(weights.values()))
                scores = bias + (x[test_idx][:, cols] @ vals if len(cols) else 0)
                out_of_fold[k][test_idx] = 1 / (1 + np.exp(-scores))
                fitted.append((bias, weights))
            per_fold.append(fitted)
        final = [pruned(fit(x, y)) for y in ys]
        cache.write_bytes(pickle.dumps((per_fold, out_of_fold, final)))

    # What the rules alone find in each statement: the judge's thresholds are set on the
    # statements where the rules did not find the family (what the judge adds to them)
    judge.MODEL = ROOT / "no-judge"
    by_rules: list[set[str]] = []
    for d in data:
        kind = d.get("kind") if d.get("kind") in KINDS else None
        found = check_statement(d["text"], lang=d["lang"], kind=kind)
        # families the rules found, and the elements they report missing
        by_rules.append(
            {f.family for f in found}
            | {f"missing:{ELEMENT_OF_RULE[f.rule]}" for f in found if f.rule in ELEMENT_OF_RULE}
        )
    judge.MODEL = SHIPPED

    print(f"{len(data)} statements; thresholds from 5-fold cross-validation:")
    thresholds: list[tuple[float, float]] = []
    for (name, kind), y, p in zip(names, ys, out_of_fold, strict=True):
        if kind == "family":
            new = np.array([name not in found for found in by_rules])  # the rules missed it
            warn = max(
                FAMILY_WARN_FLOOR, lowest_with_precision(p[new], y[new], FAMILY_WARN_PRECISION)
            )
            error = max(
                FAMILY_ERROR_FLOOR, lowest_with_precision(p[new], y[new], FAMILY_ERROR_PRECISION)
            )
            print(
                f"  {name:<20} {int(y.sum()):5} texts  warn ≥ {warn:.2f} (recall "
                f"{y[p >= warn].sum() / max(1, y.sum()):.2f})  error ≥ {error:.2f} (recall "
                f"{y[p >= error].sum() / max(1, y.sum()):.2f})"
            )
        else:
            # judged on the statements where a rule reports the element missing: there,
            # the judge's "it is there" must be right ELEMENT_PRESENT_PRECISION of the time
            asked = np.array([f"missing:{name}" in found for found in by_rules])
            warn, error = presence_threshold(p[asked], y[asked]), 1.0
            missing = (p < warn) & (y == 0)
            print(
                f"  {name:<20} {int(y.sum()):5} texts  there ≥ {warn:.3f}  "
                f"missing seen {missing.sum() / max(1, (y == 0).sum()):.2f}"
            )
        thresholds.append((warn, error))

    # The whole checker (rules and judge), each statement read by a judge that never saw it
    rows: list[tuple[dict[str, Any], list[Any]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, ((_, test_idx), fitted) in enumerate(zip(folds, per_fold, strict=True)):
            path = Path(tmp) / f"fold{n}.bin"
            judge.write(path, build(fitted, thresholds, names, used, "fold"))
            judge.MODEL = path
            for i in test_idx:
                d = data[i]
                kind = d.get("kind") if d.get("kind") in KINDS else None
                rows.append((d, check_statement(d["text"], lang=d["lang"], kind=kind)))
    judge.MODEL = SHIPPED
    print("the checker, cross-validated on the training statements:")
    headline(rows)

    trained_on = f"{len(data)} statements in data/checker/train (sha256 {digest})"
    judge.write(SHIPPED, build(final, thresholds, names, used, trained_on))
    print(f"wrote {SHIPPED.relative_to(ROOT)}: {SHIPPED.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
