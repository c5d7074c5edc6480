"""The featurizer shared by training (`auditor.models.train`) and scoring (`auditor.models.scorer`).

One function, `features(text)`, turns a text into a sparse vector {feature name: value}; the
trainer and the scorer both call it, so a model is only ever applied to the features it was
trained on. The text is folded like the lexicons fold it (`auditor.lexicon.fold`: lower case,
accents and typographic quotes dropped), then:

- `w:<word>`      every word (letters/digits, inner apostrophes and masking `*`/`$` kept: "f*ck")
- `b:<w1> <w2>`   every pair of neighbouring words
- `c:<gram>`      character 3- to 5-grams inside each word, with `<` and `>` marking its edges,
                  so "refugees" and "refugee" share most of their features and spelling tricks
                  still overlap
- `e:<char>`      every emoji or other symbol outside ASCII punctuation (🙄 🍺 🙏)

Each feature counts once (binary), and the vector is scaled to unit length so that a long post
is not more "anything" than a short one.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from auditor.lexicon import fold

FEATURIZER_VERSION = 1
_WORD = re.compile(r"[^\W_]+(?:['*$@][^\W_]+)*|[^\W_]*\*+[^\W_]*")
_SYMBOL = re.compile(r"[^\w\s\x00-\x7f]")
CHAR_NGRAMS = (3, 4, 5)


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    return _WORD.findall(fold(text))


@lru_cache(maxsize=1 << 16)
def char_grams(word: str) -> frozenset[str]:
    """`w:` and `c:` features of one folded word: the word and its 3- to 5-grams with `<` `>`
    marking the edges. Cached: words repeat, and this is most of the featurizer's work."""
    padded = f"<{word}>"
    n = len(padded)
    return frozenset(["w:" + word, *("c:" + padded[i:i + k] for k in CHAR_NGRAMS for i in range(n - k + 1))])


def feature_names(text: str) -> set[str]:
    folded = fold(text)
    ws = _WORD.findall(folded)
    out: set[str] = set()
    add = out.add
    for w in ws:
        out |= char_grams(w)
    for a, b in zip(ws, ws[1:]):
        add(f"b:{a} {b}")
    for s in _SYMBOL.findall(folded):
        if s != "\ufe0f":
            add("e:" + s)
    return out


def features(text: str) -> dict[str, float]:
    """{feature: value}: binary features scaled to unit (L2) length; empty for a text without any."""
    names = feature_names(text)
    if not names:
        return {}
    v = 1.0 / math.sqrt(len(names))
    return dict.fromkeys(names, v)
