"""auditor.text: the fast folding paths must agree exactly with the plain definition, and offsets
must point back at the words of the original text."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from auditor import text as T

SEPARATORS = re.compile(r"[\W_]+")
ALPHABET = ("abcXYZ019 ,.-'\n_#!éÉôßﬁçŚłΣσς\u0301\u0308ÀİЖж’“”—…😀🏀🇨🇦\u200d\ufe0f™½①²"
            "\u00a8\u00b4🅰🄐\u2070ªǅµ")


def reference_spaced(text: str) -> str:
    """The definition: lower case, NFKD, combining marks dropped, separator runs -> one space."""
    low = text.lower()
    folded = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
    return " " + SEPARATORS.sub(" ", folded).strip() + " "


def random_texts(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        yield "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 30)))


def test_spaced_matches_its_definition_on_random_text():
    for s in random_texts(20000, seed=1):
        assert T.spaced(s) == reference_spaced(s), repr(s)


def test_fast_offset_maps_match_the_letter_by_letter_walk():
    for s in random_texts(20000, seed=2):
        fast, slow = T.fold_with_offsets(s), T._fold_with_offsets_slowly(s)
        assert (fast.text, fast.origin) == (slow.text, slow.origin), repr(s)
        assert fast.text == T.spaced(s)


@pytest.mark.parametrize("text,word", [
    ("Bravo Zoë Tremblay 🎉", "Zoë"),
    ("The\u0301re\u0300se Lavoie", "The\u0301re\u0300se"),   # decomposed accents
    ("Straße 12", "Straße"),
    ("“Maya” — Chen’s", "Maya"),
])
def test_span_maps_a_folded_word_back_to_the_original(text, word):
    mapped = T.fold_with_offsets(text)
    folded_word = T.spaced(word).strip()
    start = mapped.text.index(" " + folded_word + " ") + 1
    s, e = mapped.span(start, start + len(folded_word))
    assert text[s:e] == word


def test_camel_case_and_hashtags():
    assert T.split_camel("CongratsMayaChen") == ["Congrats", "Maya", "Chen"]
    assert T.split_camel("LVSSAthletics") == ["LVSS", "Athletics"]
    assert T.hashtags("Go #LionsPride and #gomayachen!") == [(4, 14, "LionsPride"), (20, 30, "gomayachen")]
    assert T.name_tokens("O'Brien") == ["o", "brien"] and T.name_tokens("Nguyen-Tran") == ["nguyen", "tran"]
