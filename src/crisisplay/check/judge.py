"""The learned judge: what phrase lists can't enumerate, read by a small linear model.

A non-apology has more paraphrases than any list ("some of you feel we got it wrong",
"se produjeron retrasos", "this wasn't our rig"), and an element a statement needs (who is
responsible, the repair, when the next update comes) can be written a hundred ways. The
judge reads a statement as words, word pairs and triples, and four-letter pieces of words
(so "devolvemos" and "devolveremos" look alike), folded as the rules fold them, digits
made zeros, each hashed into one of 2^20 buckets; for each label (a non-apology family, or
an element being there) a logistic model gives a probability. The weights were learned by
`make train-checker` (scikit-learn, a development extra) from the statements in
`data/checker/train/`, and ship in `judge.bin` beside this file: a few hundred kilobytes,
read when a statement is first checked. Reading it needs nothing but the standard library.

A family's finding points at the sentence whose words weigh most for it. Each label has two
thresholds, fixed by cross-validation on the training statements (never on the evaluation
set): above the first it is a warning, above the second an error (families only: a missing
element is never more than a warning).
"""

from __future__ import annotations

import array
import bisect
import json
import math
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL = Path(__file__).with_name("judge.bin")
BITS = 20
_MAGIC = b"crisisplay-judge 1\n"
_WORD = re.compile(r"\w+(?:'\w+)?")
_DIGIT = re.compile(r"\d")


def tokens(folded: str) -> list[tuple[str, int]]:
    """Words of a folded text with where each starts; digits made zeros ("21:30" and
    "9:15" read alike)."""
    return [(_DIGIT.sub("0", m.group()), m.start()) for m in _WORD.finditer(folded)]


def feature_names(words: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """(feature, position) for a text's words: words, pairs, triples, and four-letter
    pieces of each word with its edges."""
    out: list[tuple[str, int]] = []
    n = len(words)
    for i, (w, pos) in enumerate(words):
        out.append(("u|" + w, pos))
        if i + 1 < n:
            out.append(("b|" + w + " " + words[i + 1][0], pos))
            if i + 2 < n:
                out.append(("t|" + w + " " + words[i + 1][0] + " " + words[i + 2][0], pos))
        padded = " " + w + " "
        if len(padded) > 4:
            out.extend(("c|" + padded[k : k + 4], pos) for k in range(len(padded) - 3))
    return out


def bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8")) & ((1 << BITS) - 1)


def features(folded: str) -> list[tuple[int, int]]:
    """(bucket, position) of every feature of a folded text."""
    return [(bucket(name), pos) for name, pos in feature_names(tokens(folded))]


@dataclass(frozen=True)
class Label:
    name: str
    kind: str  # "family" or "element"
    bias: float
    scale: float  # weights are stored as int8 × scale
    warn: float  # probability from which a family is a warning / an element counts as there
    error: float  # probability from which a family is an error (elements: unused)


@dataclass(frozen=True)
class Judge:
    labels: tuple[Label, ...]
    buckets: array.array  # sorted bucket ids that carry a weight
    weights: array.array  # int8, len(buckets) × len(labels), row by row
    trained_on: str  # what the weights were learned from, for the record

    def rows(self, feats: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
        """(start of its weights' row, position in the text) for each feature of `feats`
        the judge has weights for, its first occurrence only."""
        seen: set[int] = set()
        buckets, size, n = self.buckets, len(self.buckets), len(self.labels)
        for b, pos in feats:
            if b in seen:
                continue
            seen.add(b)
            i = bisect.bisect_left(buckets, b)
            if i < size and buckets[i] == b:
                yield i * n, pos

    def scores(self, feats: list[tuple[int, int]]) -> list[float]:
        """Each label's log-odds for a text whose features are `feats`."""
        n = len(self.labels)
        totals = [0.0] * n
        weights = self.weights
        for row, _ in self.rows(feats):
            for k in range(n):
                totals[k] += weights[row + k]
        return [lab.bias + totals[k] * lab.scale for k, lab in enumerate(self.labels)]

    def probabilities(self, feats: list[tuple[int, int]]) -> dict[str, float]:
        return {
            lab.name: _sigmoid(s) for lab, s in zip(self.labels, self.scores(feats), strict=True)
        }

    def strongest(
        self, feats: list[tuple[int, int]], label: str, spans: list[tuple[int, int]]
    ) -> int:
        """Which of `spans` (sentences, as folded offsets) holds the features that weigh
        most for `label`; the first when none does."""
        k = next(i for i, lab in enumerate(self.labels) if lab.name == label)
        weight = [0.0] * len(spans)
        starts = [s for s, _ in spans]
        for row, pos in self.rows(feats):
            w = self.weights[row + k]
            if w > 0:
                weight[max(0, bisect.bisect_right(starts, pos) - 1)] += w
        return max(range(len(spans)), key=lambda j: (weight[j], -j)) if spans else 0


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def write(path: Path, judge: Judge) -> None:
    """Write the judge as `load` reads it: a header line of JSON, then the buckets and
    weights, compressed."""
    header = {
        "bits": BITS,
        "trained_on": judge.trained_on,
        "labels": [lab.__dict__ for lab in judge.labels],
        "count": len(judge.buckets),
    }
    body = judge.buckets.tobytes() + judge.weights.tobytes()
    data = _MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + zlib.compress(body, 9)
    path.write_bytes(data)


def load() -> Judge | None:
    """The judge at `MODEL` (the shipped one unless a tool points it elsewhere), or None
    when there is none: the rules still work alone."""
    return _load(MODEL)


@lru_cache(maxsize=4)
def _load(path: Path) -> Judge | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(_MAGIC):
        return None
    head_end = data.index(b"\n", len(_MAGIC))
    header = json.loads(data[len(_MAGIC) : head_end])
    if header.get("bits") != BITS:
        return None
    body = zlib.decompress(data[head_end + 1 :])
    count = int(header["count"])
    buckets = array.array("I")
    buckets.frombytes(body[: count * 4])
    weights = array.array("b")
    weights.frombytes(body[count * 4 :])
    labels = tuple(Label(**lab) for lab in header["labels"])
    if len(weights) != count * len(labels):
        return None
    return Judge(labels, buckets, weights, str(header.get("trained_on", "")))
