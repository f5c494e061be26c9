"""The learned judge: what phrase lists can't enumerate, read by a small linear model.

A non-apology has more paraphrases than any list ("some of you feel we got it wrong",
"se produjeron retrasos", "this wasn't our rig"), and an element a statement needs (who is
responsible, the repair, when the next update comes) can be written a hundred ways. The
judge reads a statement as words, word pairs and triples, and four-letter pieces of words
(so "devolvemos" and "devolveremos" look alike), folded as the rules fold them, digits
made zeros; for each label (a non-apology family, or an element being there) a logistic
model gives a probability. The weights were learned by `make train-checker` (scikit-learn,
the `train` extra) from the statements in `data/checker/train/`, and ship in `judge.bin`
beside this file with the pieces they belong to, spelt out (no hashing, so no two pieces
share a weight): a few hundred kilobytes, read when a statement is first checked. Reading
it needs nothing but the standard library, and a statement costs a dictionary look-up per
piece: about two milliseconds for 3,000 characters.

A family's finding points at the sentence whose words weigh most for it. Each label has two
thresholds, fixed by cross-validation on the training statements (never on an evaluation
set): above the first it is a warning, above the second an error (families only).

One more label, the verdict (`bad`), reads the whole statement: would a seasoned crisis lead
let it go out as it is? Its words are read scaled to unit length (a long statement is not
worse for being long), and `check.Gate` weighs the findings with it: surely bad, and the
strongest finding is an error; surely sound, and they quieten.
"""

from __future__ import annotations

import array
import bisect
import json
import math
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MODEL = Path(__file__).with_name("judge.bin")
FEATURES = "words, pairs, triples, 4-letter pieces"  # what `feature_names` reads, for the record
_MAGIC = b"crisisplay-judge 2\n"
_WORD = re.compile(r"\w+(?:'\w+)?")
_DIGIT = re.compile(r"\d")


def tokens(folded: str) -> list[tuple[str, int]]:
    """Words of a folded text with where each starts; digits made zeros ("21:30" and
    "9:15" read alike)."""
    return [(_DIGIT.sub("0", m.group()), m.start()) for m in _WORD.finditer(folded)]


def _pieces(word: str) -> list[str]:
    padded = " " + word + " "
    return ["c|" + padded[k : k + 4] for k in range(len(padded) - 3)] if len(padded) > 4 else []


def feature_names(words: list[tuple[str, int]]) -> dict[str, int]:
    """Each feature of a text's words, with where it first occurs: words, pairs, triples,
    and four-letter pieces of each word with its edges."""
    out: dict[str, int] = {}
    pieces: dict[str, list[str]] = {}
    n = len(words)
    for i, (w, pos) in enumerate(words):
        out.setdefault("u|" + w, pos)
        if i + 1 < n:
            w2 = words[i + 1][0]
            out.setdefault("b|" + w + " " + w2, pos)
            if i + 2 < n:
                out.setdefault("t|" + w + " " + w2 + " " + words[i + 2][0], pos)
        if w not in pieces:
            pieces[w] = _pieces(w)
            for piece in pieces[w]:
                out.setdefault(piece, pos)
    return out


def features(folded: str) -> dict[str, int]:
    """Every feature of a folded text, with the position of its first occurrence."""
    return feature_names(tokens(folded))


@dataclass(frozen=True)
class Label:
    name: str
    kind: str  # "family", "element" or "verdict" (the whole statement: "bad")
    bias: float
    scale: float  # weights are stored as int8 × scale
    warn: float  # probability from which a family is a warning / an element counts as there
    error: float  # probability from which a family is an error (elements: unused)
    #: how often, in cross-validation on the training statements, a finding from `warn`
    #: (from `error`) was right: what "a warning" and "an error" of this label mean
    warn_precision: float = 0.0
    error_precision: float = 0.0
    #: the verdict only: at or below this probability the statement reads as one a crisis
    #: lead would let out, and the language findings quieten (see `check.Gate`)
    quiet: float = -1.0
    quiet_precision: float = 0.0
    #: the verdict only: from this probability a statement where only the judge found
    #: something (no rule did) has that finding made an error; the finding rests on the
    #: same words as the verdict, so it asks for more
    error_alone: float = 2.0
    error_alone_precision: float = 0.0
    #: the score is read over the text's features scaled to unit length (its words' share,
    #: not their number): a whole statement's verdict must not lean with its length
    normalised: bool = False


@dataclass(frozen=True)
class Judge:
    labels: tuple[Label, ...]
    vocabulary: dict[str, int]  # feature -> its row: the first of its len(labels) weights
    weights: array.array  # int8, one row of len(labels) per feature
    trained_on: str  # what the weights were learned from, for the record

    def rows(self, feats: dict[str, int]) -> list[tuple[int, int]]:
        """(start of its weights' row, position in the text) of each feature of `feats`
        the judge has weights for."""
        get = self.vocabulary.get
        return [(row, pos) for name, pos in feats.items() if (row := get(name)) is not None]

    def scores(self, feats: dict[str, int]) -> list[float]:
        """Each label's log-odds for a text whose features are `feats`."""
        n = len(self.labels)
        view = memoryview(self.weights)
        slices = [view[row : row + n] for row, _ in self.rows(feats)]
        totals = [sum(column) for column in zip(*slices, strict=True)] if slices else [0] * n
        unit = 1.0 / math.sqrt(len(feats)) if feats else 0.0
        return [
            lab.bias + totals[k] * lab.scale * (unit if lab.normalised else 1.0)
            for k, lab in enumerate(self.labels)
        ]

    def probabilities(self, feats: dict[str, int]) -> dict[str, float]:
        return self.read(feats)[0]

    def read(self, feats: dict[str, int]) -> tuple[dict[str, float], dict[str, float]]:
        """Each label's probability, and the evidence for it: how far the text's words move
        its log-odds from where a text with nothing to read starts (the bias). The classes
        were weighted as equals in training, so that start is near even odds: a label is
        read in a text only where the words lean towards it, not by default."""
        probability: dict[str, float] = {}
        evidence: dict[str, float] = {}
        for lab, s in zip(self.labels, self.scores(feats), strict=True):
            probability[lab.name] = _sigmoid(s)
            evidence[lab.name] = s - lab.bias
        return probability, evidence

    def strongest(self, feats: dict[str, int], label: str, spans: list[tuple[int, int]]) -> int:
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
    """Write the judge as `load` reads it: a header line of JSON, then the features (one a
    line, in row order) and their weights, compressed."""
    names = sorted(judge.vocabulary, key=judge.vocabulary.__getitem__)
    header = {
        "features": FEATURES,
        "trained_on": judge.trained_on,
        "labels": [lab.__dict__ for lab in judge.labels],
        "count": len(names),
    }
    body = "\n".join(names).encode("utf-8") + b"\0" + judge.weights.tobytes()
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
    if header.get("features") != FEATURES:
        return None
    body = zlib.decompress(data[head_end + 1 :])
    split = body.index(b"\0")
    names = body[:split].decode("utf-8").split("\n")
    labels = tuple(Label(**lab) for lab in header["labels"])
    weights = array.array("b")
    weights.frombytes(body[split + 1 :])
    n = len(labels)
    if len(names) != int(header["count"]) or len(weights) != len(names) * n:
        return None
    vocabulary = {name: i * n for i, name in enumerate(names)}
    return Judge(labels, vocabulary, weights, str(header.get("trained_on", "")))
