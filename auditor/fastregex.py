"""Run a lexicon regex only where a match can start: the same matches, far fewer attempts.

Why: Python's `re` tries a pattern at every position of a text. A lexicon pattern such as "a
marked group with a mocking tone" starts with an alternation of a few hundred words, so each
position costs a few hundred failed attempts (~80 us on a short post), and these patterns run on
every text that holds one of their triggers. Most such patterns can only start with one of a
known set of literal prefixes ("immigrant", "lol", "😂", ...). `prefix_finder` reads that set off
the parsed pattern, finds where those prefixes occur with one pyahocorasick pass, and asks the
regex to `match` at those positions only.

Why it finds exactly what `regex.finditer` finds: a match can only start where one of its
possible prefixes occurs, so the candidates include every position where `finditer` could find a
match; candidates are tried left to right and the search goes on after each match's end, which
is what `finditer` does. `regex.match(text, pos)` sees the whole text, so `\\b`, `^` and
look-behinds judge position `pos` as a search does. Every match is non-empty (it holds a prefix),
so `finditer`'s special stepping after an empty match never comes into play.

When the set cannot be read safely (a pattern that may start with any character, `.`, a
back-reference, a flag switched inside, too many prefixes), or when a case-insensitive pattern
meets a text with non-ASCII letters (Unicode case folding has special pairs such as "ſ"/"s"),
the plain `finditer` is used. `tests/auditor/test_fastregex.py` checks, for every shipped lexicon
pattern, that both give the same spans.
"""

from __future__ import annotations

import re
from re import _constants as C  # noqa: N812  (the parser's opcode names)
from re import _parser
from typing import Callable

import ahocorasick

Spans = list[tuple[int, int]]

# A prefix is cut at this many characters: long enough to be rare in ordinary text, short enough
# to keep the prefix set small.
PREFIX_CHARS = 4
# More possible prefixes than this and the pattern is left to `finditer`.
MAX_PREFIXES = 4000
# A character class up to this many characters is expanded into one prefix per character.
MAX_CLASS_CHARS = 12
# Steps of the walk over the parsed pattern before giving up (nested optional parts multiply).
MAX_STEPS = 200_000
_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT}
# Characters of a text that a case-insensitive pattern may see without Unicode folding surprises:
# ASCII, and characters that have no case at all (emoji, punctuation, typographic quotes).
_CASED_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class _TooMany(Exception):
    """The prefix set grew past MAX_PREFIXES, or the walk past MAX_STEPS."""


def literal_prefixes(regex: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match of `regex` starts with, or None when that cannot be said
    (some match could start with any character, or the set would be too large)."""
    try:
        parsed = _parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001  (a private parser: when in doubt, no shortcut)
        return None
    out: set[str] = set()
    try:
        _walk(list(parsed.data), "", out, [MAX_STEPS])
    except (_TooMany, RecursionError):
        return None
    if not out or "" in out:
        return None
    return frozenset(out)


def _walk(items: list, cur: str, out: set[str], budget: list[int]) -> None:
    """Add to `out` the literal prefixes of the sequence `items` preceded by `cur`. A prefix stops
    at PREFIX_CHARS characters or at the first item that is not a known literal; stopping early
    is always correct (every match still starts with the shorter prefix), only less selective.
    `budget` holds the steps left."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooMany
    if len(cur) >= PREFIX_CHARS or not items:
        _add(out, cur)
        return
    (op, av), rest = items[0], items[1:]
    if op is C.LITERAL:
        _walk(rest, cur + chr(av), out, budget)
    elif op in _ZERO_WIDTH:  # \b, ^, look-arounds consume nothing: the prefix goes on after them
        _walk(rest, cur, out, budget)
    elif op is C.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:  # (?i:...) and the like: the prefix stops before it
            _add(out, cur)
        else:
            _walk(list(sub.data) + rest, cur, out, budget)
    elif op is C.ATOMIC_GROUP:
        _walk(list(av.data) + rest, cur, out, budget)
    elif op is C.BRANCH:
        for alt in av[1]:
            _walk(list(alt.data) + rest, cur, out, budget)
    elif op is C.IN:
        chars = _class_chars(av)
        if chars is None:
            _add(out, cur)
        else:
            for ch in chars:
                _walk(rest, cur + ch, out, budget)
    elif op in _REPEATS:
        low, _high, sub = av
        if low == 0:  # the repeated part may be absent: the prefix may go straight on
            _walk(rest, cur, out, budget)
        _walk(list(sub.data), cur, out, budget)  # present: the prefix ends with its first repetition
    else:  # any character, a negated literal, a back-reference, a conditional group: stop here
        _add(out, cur)


def _add(out: set[str], prefix: str) -> None:
    out.add(prefix)
    if len(out) > MAX_PREFIXES:
        raise _TooMany


def _class_chars(av: list) -> list[str] | None:
    """The characters of a small, plain character class ([ab], [0-3]); None for the others."""
    chars: list[str] = []
    for op, arg in av:
        if op is C.LITERAL:
            chars.append(chr(arg))
        elif op is C.RANGE and arg[1] - arg[0] < MAX_CLASS_CHARS:
            chars.extend(chr(c) for c in range(arg[0], arg[1] + 1))
        else:  # a negation, a category (\w, \d) or a wide range
            return None
    return chars if len(chars) <= MAX_CLASS_CHARS else None


def _caseless(ch: str) -> bool:
    return ch.isascii() or ch.lower() == ch.upper() == ch


def _before_cased_non_ascii(prefix: str) -> str:
    """`prefix` cut before its first non-ASCII letter that has a case ("québ" -> "qu"). Under
    IGNORECASE such a letter may match letters that `str.lower` does not relate to it, while the
    texts searched this way hold only ASCII and caseless characters (see `spans`)."""
    for i, ch in enumerate(prefix):
        if not _caseless(ch):
            return prefix[:i]
    return prefix


def prefix_finder(regex: re.Pattern) -> Callable[[str], Spans] | None:
    """A function text -> the spans of `regex.finditer(text)` with non-empty matches, that tries
    the regex only where one of its literal prefixes starts; None when the pattern has no usable
    prefix set (then run `finditer` itself)."""
    prefixes = literal_prefixes(regex)
    if prefixes is None:
        return None
    ignore_case = bool(regex.flags & re.IGNORECASE)
    if ignore_case:
        prefixes = frozenset(_before_cased_non_ascii(p).lower() for p in prefixes)
        if "" in prefixes:
            return None
    automaton = ahocorasick.Automaton()
    for p in prefixes:
        automaton.add_word(p, len(p))
    automaton.make_automaton()
    candidates_in = automaton.iter
    match = regex.match
    finditer = regex.finditer

    def spans(text: str) -> Spans:
        if ignore_case and not text.isascii():
            if not all(_caseless(ch) for ch in _CASED_NON_ASCII.findall(text)):
                # a cased non-ASCII letter: leave Unicode case folding to the regex itself
                return [m.span() for m in finditer(text) if m.end() > m.start()]
            subject = text.lower()
        else:
            subject = text.lower() if ignore_case else text
        starts = sorted({end - length + 1 for end, length in candidates_in(subject)})
        out: Spans = []
        pos = 0
        for start in starts:
            if start < pos:
                continue  # inside the previous match: finditer goes on after its end
            m = match(text, start)
            if m is not None and m.end() > m.start():
                out.append(m.span())
                pos = m.end()
        return out

    return spans


def finder(regex: re.Pattern) -> Callable[[str], Spans]:
    """`prefix_finder(regex)`, or plain `finditer` spans when the pattern has no prefix set."""
    fast = prefix_finder(regex)
    if fast is not None:
        return fast
    finditer = regex.finditer
    return lambda text: [m.span() for m in finditer(text) if m.end() > m.start()]
