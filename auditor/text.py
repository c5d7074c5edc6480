"""Text normalisation shared by checkers: accent folding that can point back into the original.

Matchers work on a folded copy of a post (lower case, accents dropped, every run of
non-alphanumeric characters turned into one space) so that "Zoë  Tremblay's", "ZOE\nTREMBLAY"
and "zoe tremblay" are the same words. Evidence must still quote the post as written, so the
folded copy can be rebuilt with a map from each of its characters to the original offset. That
map costs a Python loop over the text, so it is only built for the rare text that matched.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

_SEPARATORS = re.compile(r"[\W_]+")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_WORD_RUN = re.compile(r"[^\W_]+")
# Lower-to-upper and letter-to-digit boundaries inside one token ("CongratsMayaChen", "Gr5Poets").
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_]+")


def fold(text: str) -> str:
    """Lower case with accents and other combining marks dropped (Zoë -> zoe, Thérèse -> therese)."""
    low = text.lower()
    if low.isascii():
        return low
    return "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))


# ASCII letters and digits to lower case, everything else to a space: str.translate's fast path.
_ASCII_SPACED = str.maketrans({i: (chr(i).lower() if chr(i).isalnum() else " ") for i in range(128)})


# Most posts are ASCII but for emoji, curly quotes, dashes and accented letters. Each such
# character is judged once per process: a pure separator becomes a space, a letter that folds to
# one ASCII letter (é -> e) becomes that letter, and the text then takes the fast ASCII path with
# unchanged offsets. Anything else (ß, ligatures, separate combining marks, other scripts) sends
# the text down the general path.
_char_folds: dict[str, str | None] = {}


def _fold_char(c: str) -> str | None:
    if c in _char_folds:
        return _char_folds[c]
    folded = fold(c)
    if not c.isalnum() and folded and not any(x.isalnum() for x in folded):
        got: str | None = " "
    elif c.isalnum() and len(folded) == 1 and folded.isascii() and folded.isalnum():
        got = folded
    else:
        got = None  # folds to nothing (a mark that joins its neighbours) or to several characters
    _char_folds[c] = got
    return got


class _NotPlain(Exception):
    pass


def _plain_or_give_up(exc: UnicodeEncodeError) -> tuple[str, int]:
    out = []
    for c in exc.object[exc.start:exc.end]:
        got = _fold_char(c)
        if got is None:
            raise _NotPlain
        out.append(got)
    return "".join(out), exc.end


_PLAIN = "auditor-plain-fold"
codecs.register_error(_PLAIN, _plain_or_give_up)


def ascii_view(text: str) -> str | None:
    """`text` with each non-ASCII character replaced by its one-character ASCII fold (a space for a
    separator), or None when some character has none. Same length, so offsets carry over."""
    if text.isascii():
        return text
    try:
        # The codec walks the text in C and calls back only for the few non-ASCII runs.
        return text.encode("ascii", _PLAIN).decode("ascii")
    except _NotPlain:
        return None


def spaced(text: str) -> str:
    """The folded text with each separator run collapsed to one space, padded with a space each side.

    The padding lets a matcher test word boundaries without special cases at the ends.
    """
    return spaced_from(text, ascii_view(text))


def spaced_from(text: str, plain: str | None) -> str:
    """spaced(text) for a caller that already has ascii_view(text) as `plain`."""
    if plain is not None:  # the common case, several times faster than the regex below
        return " " + " ".join(plain.translate(_ASCII_SPACED).split()) + " "
    return " " + _SEPARATORS.sub(" ", fold(text)).strip() + " "


def name_tokens(name: str) -> list[str]:
    """The words of a name as matchers see them: "O'Brien" -> ["o", "brien"], "Nguyen-Tran" -> two."""
    return spaced(name).split()


@dataclass(frozen=True)
class Folded:
    """`text` is exactly spaced(original); `origin[i]` is the original offset that produced text[i]."""

    text: str
    origin: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) for folded [start, end), trimmed to word characters."""
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        if start >= end:
            return self.origin[start], self.origin[start]
        return self.origin[start], self.origin[end - 1] + 1


def fold_with_offsets(original: str, folded: str | None = None) -> Folded:
    """spaced(original) plus the offset map; call it only for a text worth quoting. `folded` is
    spaced(original) when the caller already has it."""
    plain = ascii_view(original)
    if plain is not None:  # every character folds to itself or to a separator: map word runs
        origin = [0]
        for m in _ASCII_WORD.finditer(plain):
            if len(origin) > 1:
                origin.append(m.start())
            origin.extend(range(m.start(), m.end()))
        origin.append(len(original))
        return Folded(folded if folded is not None else spaced(original), tuple(origin))
    # Accented Latin text: most words fold letter for letter (é -> e), so the same word-run
    # mapping works; check it against spaced() and fall back to the letter-by-letter walk when a
    # letter folds to several (ß, ligatures) or combining marks were written separately.
    origin = [0]
    parts = []
    for m in _WORD_RUN.finditer(original):
        word = m.group()
        folded_word = fold(word)
        if len(folded_word) != len(word):
            break
        if len(origin) > 1:
            origin.append(m.start())
        origin.extend(range(m.start(), m.end()))
        parts.append(folded_word)
    else:
        text = " " + " ".join(parts) + " "
        if text == spaced(original):
            origin.append(len(original))
            return Folded(text, tuple(origin))
    return _fold_with_offsets_slowly(original)


def _fold_with_offsets_slowly(original: str) -> Folded:
    out: list[str] = [" "]
    origin: list[int] = [0]
    pending_space = False
    for i, ch in enumerate(original):
        low = ch.lower()
        if not low.isascii():
            low = "".join(c for c in unicodedata.normalize("NFKD", low) if not unicodedata.combining(c))
        for c in low:
            if c.isalnum():
                if pending_space and len(out) > 1:
                    out.append(" ")
                    origin.append(i)
                pending_space = False
                out.append(c)
                origin.append(i)
            else:
                pending_space = True
    out.append(" ")
    origin.append(len(original))
    text = "".join(out)
    expected = spaced(original)
    if text != expected:  # whole-string lower() differs from per-character lower() (final sigma)
        text = expected if len(expected) == len(text) else text
    return Folded(text, tuple(origin))


def split_camel(token: str) -> list[str]:
    """Words of a CamelCase token: "CongratsMayaChen" -> ["Congrats", "Maya", "Chen"]."""
    return _CAMEL.findall(token)


HASHTAG = re.compile(r"#([^\W_][\w]*)")


def hashtags(text: str) -> list[tuple[int, int, str]]:
    """(start, end, body) of each hashtag; start is the offset of the body, after '#'."""
    return [(m.start(1), m.end(1), m.group(1)) for m in HASHTAG.finditer(text)]


def sentences(text: str) -> list[tuple[int, int]]:
    """Rough sentence bounds: split after . ! ? or a line break, keeping abbreviations like "Apr." whole
    only when a digit or lower-case word follows, which is the common case for dates and titles."""
    bounds, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[start:end].strip():
            bounds.append((start, end))
        start = end
    if text[start:].strip():
        bounds.append((start, len(text)))
    return bounds


_SENTENCE_END = re.compile(r"(?:[.!?]+(?=\s+[A-Z\"“(])|[!?]+|\n+)")
