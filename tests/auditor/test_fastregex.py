"""auditor.fastregex: a regex tried only where a literal prefix starts finds what finditer finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from auditor.fastregex import finder, literal_prefixes, prefix_finder
from auditor.lexicon import fold, lexicon_for

DATA = Path(__file__).resolve().parent.parent / "data" / "conduct"


def plain(regex: re.Pattern, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in regex.finditer(text) if m.end() > m.start()]


def test_prefixes_of_simple_patterns():
    assert literal_prefixes(re.compile(r"\b(?:vote|voting)\s+\w+")) == {"vote", "voti"}
    assert literal_prefixes(re.compile(r"(?<![\w@])@ab")) == {"@ab"}
    assert literal_prefixes(re.compile(r"(?:so\s+)?glad")) == {"so", "glad"}
    assert literal_prefixes(re.compile(r"[ab]c")) == {"ac", "bc"}
    # a match could start anywhere: no prefix set, the plain finditer is used
    assert literal_prefixes(re.compile(r"\w+ing")) is None
    assert literal_prefixes(re.compile(r"(?:x)?\d")) is None
    assert literal_prefixes(re.compile(r"a*")) is None
    assert prefix_finder(re.compile(r"\b[A-Z][a-z]+ for mayor")) is None


@pytest.mark.parametrize("pattern, flags, text", [
    (r"\bvot(?:e|ing)\b", re.I, "Vote! voting, VOTED, devote, vote"),
    (r"(?:^|(?<=[.!?] ))vot(?:ed|ing)", re.I, "voted early. Voting matters. a voting"),
    (r"\b(?:lol|😂)[^\n]{0,20}?\bgirls\b", re.I, "lol the girls 😂 girls LOL girls"),
    (r"aa", 0, "aaaaa"),  # overlapping candidates: finditer steps past each match
    (r"\bVote [A-Z]\w+", 0, "Vote Alex, vote Sam, Vote Jo"),
    (r"qu[eé]bec", re.I, "Québec QUEBEC quebec QUÉBEC"),
    (r"\bski\b", re.I, "ſki SKI ski"),  # long s folds to s: the regex itself decides
    (r"\bkilo", re.I, "\u212ailo kilo"),  # Kelvin sign
])
def test_same_spans_as_finditer(pattern, flags, text):
    rx = re.compile(pattern, flags)
    assert finder(rx)(text) == plain(rx, text)
    assert finder(rx)(text.lower()) == plain(rx, text.lower())


def _texts() -> list[str]:
    out = []
    for name in ("sentences.tsv", "bios.tsv"):
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                out.append(line.split("\t")[-1])
    return out


def test_every_lexicon_pattern_finds_what_finditer_finds():
    """Every shipped pattern, on the hand-written probe sentences as the scan sees them (folded)
    and as written: the same spans with and without the prefix shortcut."""
    lex = lexicon_for(None, None)
    regexes = {id(p.regex): p.regex for _, p in lex._patterns}.values()
    texts = _texts()[::5]  # a fifth of them keeps the test to a few seconds
    accelerated = 0
    for rx in regexes:
        fast = prefix_finder(rx)
        if fast is None:
            continue
        accelerated += 1
        for text in texts:
            for subject in (fold(text), text):
                assert fast(subject) == plain(rx, subject), (rx.pattern[:80], subject)
    assert accelerated > len(regexes) // 2  # most patterns start with words
