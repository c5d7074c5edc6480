"""Score a text per conduct category with the shipped model, and say why.

The model (`conduct_model.json.gz`, beside this module and shipped in the wheel as package data)
is a set of logistic regressions over `auditor.models.features`, written by
`python -m auditor.models.train`. Scoring is pure Python (a sparse dot product), needs nothing
beyond the standard library, and loads the file once per process.

Every score comes with its explanation, Presidio-style: the features that pushed it up most.
"""

from __future__ import annotations

import gzip
import json
import math
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from auditor.models.features import FEATURIZER_VERSION, char_grams, features, words

MODEL_PATH = Path(__file__).resolve().parent / "conduct_model.json.gz"


class ModelError(RuntimeError):
    pass


@dataclass(frozen=True)
class Score:
    category: str
    probability: float
    threshold: float
    # The features that raised the score most: (feature, contribution to the log-odds).
    top_features: tuple[tuple[str, float], ...] = field(default=())
    # The same read by word: each word's own feature plus its share of its character n-grams,
    # and word pairs, so a reviewer sees "those", "just saying" rather than "c:se>".
    top_words: tuple[tuple[str, float], ...] = field(default=())

    @property
    def fires(self) -> bool:
        return self.probability >= self.threshold

    def explanation(self) -> dict:
        return {"model": "conduct-logreg", "category": self.category,
                "score": round(self.probability, 4), "threshold": self.threshold,
                "top_words": [{"words": f, "weight": round(w, 4)} for f, w in self.top_words],
                "top_features": [{"feature": f, "weight": round(w, 4)} for f, w in self.top_features]}


class ConductModel:
    def __init__(self, data: dict, source: str = "<memory>"):
        if data.get("format") != 1 or data.get("featurizer_version") != FEATURIZER_VERSION:
            raise ModelError(f"{source}: model format {data.get('format')}/featurizer "
                             f"{data.get('featurizer_version')} is not what this auditor reads "
                             f"(1/{FEATURIZER_VERSION}); retrain with python -m auditor.models.train")
        self.source = source
        self.categories: dict[str, dict] = data["categories"]
        self.weights: dict[str, list[float]] = data["weights"]
        self.trained_on: dict = data.get("trained_on", {})

    def score(self, text: str, categories: tuple[str, ...] | None = None, top: int = 5,
              explain_all: bool = True) -> dict[str, Score]:
        """{category: Score} for the asked categories (all the model knows by default). With
        `explain_all=False` only scores at or over their threshold carry the explanation (the
        checkers report nothing else, and explaining is most of the work)."""
        feats = features(text)
        cats = [c for c in (categories or tuple(self.categories)) if c in self.categories]
        weights = self.weights
        present = [(f, v, weights[f]) for f, v in feats.items() if f in weights]
        # Every category's log-odds in one pass: the present features' values times their weights,
        # summed column by column (in C); the per-feature contributions are only worked out to
        # explain a score.
        values = [v for _, v, _ in present]
        totals = [sum(map(operator.mul, values, col)) for col in zip(*(ws for _, _, ws in present))]
        out = {}
        for cat in cats:
            spec = self.categories[cat]
            k = spec["index"]
            z = spec["bias"] + (totals[k] if totals else 0.0)
            prob = 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0
            if not explain_all and prob < spec["threshold"]:
                out[cat] = Score(cat, prob, spec["threshold"])
                continue
            contrib = [(f, v * ws[k]) for f, v, ws in present if ws[k]]
            best = sorted((c for c in contrib if c[1] > 0), key=lambda c: (-c[1], c[0]))[:top]
            out[cat] = Score(cat, prob, spec["threshold"], tuple(best), _by_word(text, dict(contrib), top))
        return out


def _by_word(text: str, contrib: dict[str, float], top: int) -> tuple[tuple[str, float], ...]:
    ws = list(dict.fromkeys(words(text)))
    grams = {w: char_grams(w) for w in ws}
    owners: dict[str, int] = {}
    for g in grams.values():
        for c in g:
            owners[c] = owners.get(c, 0) + 1
    scored = {w: sum(contrib.get(c, 0.0) / owners[c] for c in grams[w]) for w in ws}
    for f, v in contrib.items():
        if f.startswith(("b:", "e:")):
            scored[f[2:]] = v
    best = sorted(((w, v) for w, v in scored.items() if v > 0), key=lambda x: (-x[1], x[0]))
    return tuple(best[:top])


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> ConductModel:
    """The model at `path` (default: the one shipped with the package), read once per process."""
    p = Path(path) if path else MODEL_PATH
    try:
        with gzip.open(p, "rt", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ModelError(f"{p}: cannot read the conduct model: {exc}") from exc
    return ConductModel(data, str(p))
