"""Lexicons: the board-editable vocabulary of each content rule, compiled for one fast pass.

Why data and not code: a board must be able to add its local parties, candidates and its own
words without a release, and a reviewer must be able to read why something matched. Each file in
`config/lexicons/` is one topic (substances, political, ...); each table in it is one *section*
(a kind of signal, e.g. `profanity` and `sexual` in explicit.toml) with these groups:

    strong   an entry that breaks the rule on its own
    masked   like strong, and also matches masked and leetspeak spellings (f***, sh1t, a$$)
    weak     an entry that breaks the rule only with a cue or a second, different weak entry
    cue      context that turns a weak entry into a signal (an invitation, "vote", enjoyment)
    veto     teaching or inclusive context that cancels the section (a health lesson, a mock vote)
    override a cue so plain that it outweighs every veto: "they belong in their own building" is
             not a lesson even when the post says "inclusion"
    lower    context that keeps the signal but lowers its confidence
    exclude  longer phrases that cancel an entry they contain ("root beer" cancels "beer")
    minor    half a cue: a weak entry needs one cue or two different minor ones ("never", "lol")
    scope    "text" (default), "sentence", or "window" (weak entry and cue within `window` chars)
    pairs    true (default): two different weak entries make a signal without a cue; false when
             weak words often come in neutral lists ("Hindu, Muslim and Christian populations")
    pattern  [[section.pattern]] regexes for what a word list cannot say, each with `trigger`
             words (required): the regex runs only on texts where the automaton saw one. A
             trigger is found anywhere, inside words too ("n't" in "can't"), unless the pattern
             sets `word_triggers = true`: then its triggers match whole words like entries ("cat"
             is not in "education"; "cat*" finds "cats"), so a common fragment does not send
             every text through the full scan. An exclude pattern with `entries_only = true`
             cancels the entries inside it but no other pattern's match

Entries match whole words, ignoring case and accents; a trailing `*` lets the word go on
(`drink*` matches drinking; `endorse*` also matches endorsing). All topics go into one pyahocorasick automaton so every content rule
together costs one pass over a text, plus the few regexes something triggered; a triggered regex is
tried only where one of its literal prefixes starts (`auditor.fastregex`: same matches).

The policy file's `[lexicons.<topic>.<section>]` tables add entries to the same groups.
"""

from __future__ import annotations

import bisect
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple

import ahocorasick

from auditor import fastregex
from auditor.config import PACKAGE_ROOT
from auditor.policy import PolicyError

LEXICON_DIR = PACKAGE_ROOT / "config" / "lexicons"
GROUPS = ("strong", "masked", "weak", "cue", "override", "minor", "veto", "topic", "sarcasm", "lower", "exclude")
SECTION_KEYS = frozenset(GROUPS) | {"scope", "window", "pairs", "pattern", "doc"}
PATTERN_KEYS = frozenset({"group", "regex", "trigger", "case_sensitive", "label", "word_triggers", "entries_only"})
# Leetspeak and masking stand-ins for a letter (the first letter of a word stays as written).
LEET = {
    "a": "@*", "e": "3*", "i": "1!*", "o": "0*", "u": "*v", "s": "$*", "t": "*", "l": "*",
    "c": "*", "k": "*", "h": "*", "g": "*", "b": "*", "r": "*", "n": "*", "d": "*",
}
_MAX_MASKED_VARIANTS = 4000


class LexiconError(PolicyError):
    """A lexicon file or a policy's lexicon addition that cannot be used (a policy problem)."""


# --- text folding -----------------------------------------------------------------------------

def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        base = "".join(c for c in unicodedata.normalize("NFKD", chr(cp)) if not unicodedata.combining(c))
        base = base.lower()
        if len(base) == 1:
            table[cp] = base
    for src, dst in {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
                     "\u2013": "-", "\u2014": "-", "\u2011": "-", "\u00a0": " ", "\u202f": " ",
                     "\uff0a": "*", "\u2217": "*"}.items():
        table[ord(src)] = dst
    return table


_FOLD = _fold_table()


def fold(text: str) -> str:
    """Lower case, accents and typographic quotes dropped, *same length* so offsets carry over."""
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep those as they were
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return low if low.isascii() else low.translate(_FOLD)


def _fold_entry(entry: str) -> str:
    return " ".join(fold(entry.replace("\ufe0f", "")).split())


def _word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _word_end(text: str, end: int) -> int:
    """Where the word that a prefix entry (`drink*`) matched the start of really ends."""
    n = len(text)
    while end < n and (text[end].isalnum() or text[end] in "_*"):
        end += 1
    return end


# --- lexicon data -----------------------------------------------------------------------------

@dataclass
class Pattern:
    group: str
    regex: re.Pattern
    triggers: tuple[str, ...]
    case_sensitive: bool
    label: str
    word_triggers: bool = False  # triggers match whole words (a trailing * lets the word go on)
    entries_only: bool = False  # an exclude pattern that cancels entries, never another pattern's match


@dataclass
class Section:
    topic: str
    name: str
    groups: dict[str, list[str]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    scope: str = "text"
    window: int = 120
    pairs: bool = True
    patterns: list[Pattern] = field(default_factory=list)
    doc: str = ""

    @property
    def key(self) -> str:
        return f"{self.topic}.{self.name}"


class Hit(NamedTuple):
    """One lexicon entry found in a text; start/end index the original text.

    A NamedTuple rather than a dataclass: scans create many and must stay cheap.
    """

    start: int
    end: int
    section: str  # "topic.section"
    group: str
    entry: str  # the lexicon entry (or pattern label) that matched


def load_lexicon_files(directory: Path = LEXICON_DIR) -> dict[str, dict[str, Any]]:
    """topic -> raw TOML of config/lexicons/<topic>.toml."""
    out = {}
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            out[path.stem] = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise LexiconError(f"{path}: not valid TOML: {exc}") from exc
    return out


def merge_additions(base: dict[str, dict[str, Any]], additions: dict[str, Any], source: str) -> dict:
    """Add the policy file's `[lexicons.<topic>.<section>]` entries to the shipped lexicons."""
    merged = {topic: {name: dict(sec) if isinstance(sec, dict) else sec for name, sec in raw.items()}
              for topic, raw in base.items()}
    for topic, sections in (additions or {}).items():
        where = f"{source}: lexicons.{topic}"
        if topic not in merged:
            raise LexiconError(f"{where}: unknown lexicon; expected one of {', '.join(sorted(merged))}")
        if not isinstance(sections, dict):
            raise LexiconError(f"{where}: expected tables such as [lexicons.{topic}.<section>]")
        for name, groups in sections.items():
            if name not in merged[topic] or not isinstance(merged[topic][name], dict):
                known = [k for k, v in merged[topic].items() if isinstance(v, dict)]
                raise LexiconError(f"{where}.{name}: unknown section; expected one of {', '.join(known)}")
            if not isinstance(groups, dict):
                raise LexiconError(f"{where}.{name}: expected a table of word lists")
            for group, words in groups.items():
                if group not in GROUPS:
                    raise LexiconError(f"{where}.{name}.{group}: expected one of {', '.join(GROUPS)}")
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise LexiconError(f"{where}.{name}.{group}: expected a list of strings")
                merged[topic][name][group] = list(merged[topic][name].get(group, [])) + words
    return merged


def parse_sections(raw: dict[str, dict[str, Any]]) -> list[Section]:
    sections = []
    for topic, tables in raw.items():
        for name, spec in tables.items():
            if not isinstance(spec, dict):
                continue  # top-level keys such as `doc`
            where = f"lexicon {topic}.{name}"
            unknown = set(spec) - SECTION_KEYS
            if unknown:
                raise LexiconError(f"{where}: unknown key {sorted(unknown)[0]!r}; expected one of "
                                   f"{', '.join(sorted(SECTION_KEYS))}")
            sec = Section(topic, name, scope=spec.get("scope", "text"), window=spec.get("window", 120),
                          pairs=spec.get("pairs", True), doc=spec.get("doc", ""))
            if not isinstance(sec.pairs, bool):
                raise LexiconError(f"{where}.pairs: expected true or false")
            if sec.scope not in ("text", "sentence", "window"):
                raise LexiconError(f"{where}.scope: expected 'text', 'sentence' or 'window'")
            if not isinstance(sec.window, int) or isinstance(sec.window, bool) or sec.window < 1:
                raise LexiconError(f"{where}.window: expected a number of characters >= 1")
            for g in GROUPS:
                words = spec.get(g, [])
                if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
                    raise LexiconError(f"{where}.{g}: expected a list of non-empty strings")
                sec.groups[g] = list(words)
            for i, pat in enumerate(spec.get("pattern", [])):
                pw = f"{where}.pattern[{i}]"
                if set(pat) - PATTERN_KEYS:
                    raise LexiconError(f"{pw}: unknown key {sorted(set(pat) - PATTERN_KEYS)[0]!r}")
                group = pat.get("group", "strong")
                if group not in GROUPS or group == "masked":
                    raise LexiconError(f"{pw}.group: expected one of {', '.join(g for g in GROUPS if g != 'masked')}")
                flags = 0 if pat.get("case_sensitive") else re.IGNORECASE
                try:
                    rx = re.compile(pat["regex"], flags)
                except (KeyError, re.error) as exc:
                    raise LexiconError(f"{pw}.regex: {exc}") from exc
                triggers = pat.get("trigger", [])
                if isinstance(triggers, str):
                    triggers = [triggers]
                if not triggers or not all(isinstance(t, str) and t.strip() for t in triggers):
                    raise LexiconError(f"{pw}.trigger: expected the words without which the regex cannot "
                                       "match (it runs only on texts that contain one)")
                word_triggers = pat.get("word_triggers", False)
                if not isinstance(word_triggers, bool):
                    raise LexiconError(f"{pw}.word_triggers: expected true or false")
                entries_only = pat.get("entries_only", False)
                if not isinstance(entries_only, bool) or (entries_only and group != "exclude"):
                    raise LexiconError(f"{pw}.entries_only: expected true or false, on an exclude pattern")
                sec.patterns.append(Pattern(group, rx, tuple(_fold_entry(t) for t in triggers),
                                            bool(pat.get("case_sensitive")), pat.get("label", pat["regex"]),
                                            word_triggers, entries_only))
            sections.append(sec)
    return sections


def masked_variants(word: str) -> list[str]:
    """Spellings of `word` with letters masked or swapped for look-alikes (first letter kept)."""
    word = _fold_entry(word)
    options = [[word[0]]] + [[c] + list(LEET.get(c, "")) for c in word[1:]]
    total = 1
    for o in options:
        total *= len(o)
    if total > _MAX_MASKED_VARIANTS:  # long words: mask one letter at a time instead
        out = {word}
        for i in range(1, len(word)):
            for sub in options[i][1:]:
                out.add(word[:i] + sub + word[i + 1:])
        return sorted(out)
    out = [""]
    for opts in options:
        out = [prefix + o for prefix in out for o in opts]
    return out


# --- the compiled matcher ---------------------------------------------------------------------

# Groups that can make a signal by themselves; a text with none of them needs no judging.
_SIGNAL_GROUPS = frozenset({"strong", "weak"})
_TRIGGER_SECTION = frozenset({"\0trigger"})
# Characters that folding changes besides case (accents, typographic quotes, odd spaces).
_NEEDS_FOLD = re.compile("[" + "".join(sorted(chr(c) for c in _FOLD)) + "]")


class Lexicon:
    """Every topic's sections compiled into one automaton (plus triggered regexes).

    Automaton values are grouped by the shape of the key (length and which word boundaries it
    needs), so a raw match is checked once however many sections share the key.
    """

    def __init__(self, sections: Iterable[Section]):
        self.sections = {s.key: s for s in sections}
        self.automaton = ahocorasick.Automaton()
        # Only the keys that can make a signal: most texts match none of them, and then one pass
        # over this smaller automaton is all a text costs.
        self._signals = ahocorasick.Automaton()
        self._patterns: list[tuple[str, Pattern]] = []
        self._finders: dict[int, Callable[[str], list[tuple[int, int]]]] = {}  # see _spans_of
        keys: dict[str, dict[tuple[bool, bool], list]] = {}
        # trigger key -> (pattern index, needs a word start, needs a word end)
        triggers: dict[str, list[tuple[int, bool, bool]]] = {}
        for sec in self.sections.values():
            for group, words in sec.groups.items():
                for word in words:
                    prefix = word.endswith("*") and not word.endswith("**") and len(word) > 1
                    base = word[:-1] if prefix else word
                    forms = masked_variants(base) if group == "masked" else [_fold_entry(base)]
                    if prefix and forms[0].endswith("e") and len(forms[0].rsplit(" ", 1)[-1]) > 3:
                        # "endorse*" must also find "endorsing": the silent e goes before -ing
                        forms = forms + [f[:-1] + "ing" for f in forms if f.endswith("e")]
                    real_group = "strong" if group == "masked" else group
                    for form in forms:
                        if not form:
                            continue
                        shape = (_word_char(form[0]), _word_char(form[-1]) and not prefix)
                        keys.setdefault(form, {}).setdefault(shape, []).append((sec.key, real_group, word))
            for pat in sec.patterns:
                idx = len(self._patterns)
                self._patterns.append((sec.key, pat))
                for trig in pat.triggers:
                    if not pat.word_triggers:
                        triggers.setdefault(trig, []).append((idx, False, False))
                        continue
                    prefix = trig.endswith("*") and len(trig) > 1
                    key = trig[:-1] if prefix else trig
                    triggers.setdefault(key, []).append((idx, _word_char(key[0]), _word_char(key[-1]) and not prefix))
        self._entries_only = frozenset(p.label for _, p in self._patterns if p.entries_only)
        self._pattern_labels = frozenset(p.label for _, p in self._patterns if p.group != "exclude")
        self._always = frozenset(i for i, (_, p) in enumerate(self._patterns) if not p.triggers)
        inside = self._signal_sections_inside(keys)
        for key in set(keys) | set(triggers):
            shapes = tuple((len(key), left, right, tuple(payload),
                            frozenset(sec for sec, g, _ in payload if g in _SIGNAL_GROUPS))
                           for (left, right), payload in keys.get(key, {}).items())
            trig = tuple((i, len(key), left, right) for i, left, right in triggers.get(key, ()))
            signal_trig = [t for t in trig if self._patterns[t[0]][1].group in _SIGNAL_GROUPS]
            may_signal = any(sh[4] for sh in shapes) or bool(signal_trig)
            self.automaton.add_word(key, (shapes, trig, may_signal))
            # The quick test knows word boundaries and `exclude` entries: a short entry such as
            # "ass" is inside many clean words ("class"), and "girls" is mostly a team ("senior
            # girls"); such texts should not pay for the full scan. A signal pattern's trigger
            # always sends the text to the full scan.
            # An exclude entry matters to the quick test only where it can cover a signal entry of
            # its section ("proud of them" holds only a cue): the others would cost a check per
            # match in many clean texts and can never change the answer.
            excl = tuple(ex for ex in (
                (sh[0], sh[1], sh[2], all(e.endswith("*") for _, g, e in sh[3] if g == "exclude"),
                 frozenset(sec for sec, g, _ in sh[3] if g == "exclude") & inside.get(key, frozenset()))
                for sh in shapes if any(g == "exclude" for _, g, _ in sh[3])) if ex[4])
            if may_signal or excl:
                if any(not left and not right for _, _, left, right in signal_trig):
                    self._signals.add_word(key, None)  # found anywhere: always the full scan
                else:
                    sig = tuple((sh[0], sh[1], sh[2], any(e.endswith("*") for _, g, e in sh[3] if g in _SIGNAL_GROUPS),
                                 sh[4]) for sh in shapes if sh[4])
                    # A whole-word signal trigger: the full scan once the word stands alone (no
                    # `exclude` entry can cover it, hence a section name no exclude has).
                    sig += tuple({(length, left, right, False, _TRIGGER_SECTION)
                                  for _, length, left, right in signal_trig})
                    self._signals.add_word(key, (sig, excl))
        if len(self.automaton):
            self.automaton.make_automaton()
        if len(self._signals):
            self._signals.make_automaton()
        self._empty = not len(self._signals) and not self._always
        # The clean-text test: one pass over the signal keys (none without patterns that always run).
        self._quick = self._signals.iter if len(self._signals) and not self._always else None
        # Patterns that can make a signal alone run whenever triggered; the others (cues,
        # vetoes) only matter when an entry of their section was found.
        self._pattern_signals = [p.group in _SIGNAL_GROUPS for _, p in self._patterns]

    def _spans_of(self, regex: re.Pattern) -> Callable[[str], list[tuple[int, int]]]:
        """The function giving `regex`'s non-empty match spans in a text, built on first use:
        `auditor.fastregex` tries the regex only where one of its literal prefixes starts (same
        spans as `finditer`, a fraction of the time for the long word alternations)."""
        run = self._finders.get(id(regex))  # by id: hashing a Pattern hashes all its code
        if run is None:
            run = self._finders[id(regex)] = fastregex.finder(regex)
        return run

    @staticmethod
    def _signal_sections_inside(keys: dict[str, dict[tuple[bool, bool], list]]) -> dict[str, frozenset[str]]:
        """For each key that is an `exclude` entry: the sections with a strong or weak entry found
        inside it (as a substring, so the answer errs towards keeping the exclude)."""
        finder = ahocorasick.Automaton()
        for key, by_shape in keys.items():
            secs = frozenset(sec for payload in by_shape.values() for sec, g, _ in payload if g in _SIGNAL_GROUPS)
            if secs:
                finder.add_word(key, secs)
        if not len(finder):
            return {}
        finder.make_automaton()
        out = {}
        for key, by_shape in keys.items():
            if any(g == "exclude" for payload in by_shape.values() for _, g, _ in payload):
                found: set[str] = set()
                for _, secs in finder.iter(key):
                    found |= secs
                out[key] = frozenset(found)
        return out

    @staticmethod
    def _may_signal(low: str, quick) -> bool:
        """Whether `low` holds a strong or weak entry as a whole word and outside every `exclude`
        entry of its section, or a signal pattern's trigger. Errs on the side of True: the full
        scan decides."""
        n = len(low)
        found = None
        spans = None
        for end, value in quick(low):
            if value is None:
                return True
            sig, excl = value
            for length, left, right, prefix, secs in excl:
                start = end - length + 1
                if left and start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                    continue
                if right and end + 1 < n and (low[end + 1].isalnum() or low[end + 1] == "_"):
                    continue
                if spans is None:
                    spans = []
                spans.append((start, _word_end(low, end + 1) if prefix else end + 1, secs))
            for length, left, right, prefix, secs in sig:
                start = end - length + 1
                if left and start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                    continue
                if right and end + 1 < n and (low[end + 1].isalnum() or low[end + 1] == "_"):
                    continue
                if found is None:
                    found = []
                found.append((start, _word_end(low, end + 1) if prefix else end + 1, secs))
        if found is None:
            return False
        if spans is None:
            return True
        for start, stop, secs in found:
            covered = set()
            for a, b, xs in spans:
                if a <= start and stop <= b:
                    covered |= xs
            if not secs <= covered:
                return True
        return False

    def scan(self, text: str) -> list[Hit]:
        """Every entry and triggered pattern found in `text`, entries cancelled by `exclude` removed.

        Returns [] when nothing that could make a signal (a strong or weak entry) was found, so
        the common case of a clean text costs one automaton pass and no judging.
        """
        low = text.lower()
        if not low.isascii():
            if len(low) != len(text):
                low = fold(text)
            elif _NEEDS_FOLD.search(low):
                low = low.translate(_FOLD)
        quick = self._quick
        if quick is not None and not self._may_signal(low, quick):
            return []  # only context words, parts of other words, excluded phrases, or nothing
        elif self._empty:
            return []
        raw = []
        patterns = set(self._always) if self._always else None
        live: set[str] = set()  # sections with a strong or weak entry: only they are judged
        n = len(low)
        for end, (shapes, trig, _) in self.automaton.iter(low):
            for idx, length, left, right in trig:
                if left or right:
                    start = end - length + 1
                    if left and start > 0 and (low[start - 1].isalnum() or low[start - 1] == "_"):
                        continue
                    if right and end + 1 < n and (low[end + 1].isalnum() or low[end + 1] == "_"):
                        continue
                if patterns is None:
                    patterns = set()
                patterns.add(idx)
            for length, left, right, payload, signal_sections in shapes:
                start = end - length + 1
                if left and start > 0:
                    c = low[start - 1]
                    if c.isalnum() or c == "_":
                        continue
                if right and end + 1 < n:
                    c = low[end + 1]
                    if c.isalnum() or c == "_":
                        continue
                raw.append((start, end + 1, payload))
                if signal_sections:
                    live.update(signal_sections)
        if patterns:
            live.update(self._patterns[i][0] for i in patterns if self._pattern_signals[i])
        if not live:
            return []
        hits = [Hit(a, _word_end(low, b) if entry[-1] == "*" else b, sec, group, entry)
                for a, b, payload in raw for sec, group, entry in payload if sec in live]
        if patterns:
            # A regex shared by sections runs once (case-sensitive ones compile to other objects).
            spans: dict[int, list[tuple[int, int]]] = {}
            for idx in sorted(patterns):
                key, pat = self._patterns[idx]
                if key not in live:
                    continue
                found = spans.get(id(pat.regex))
                if found is None:
                    subject = text if pat.case_sensitive else low
                    found = spans[id(pat.regex)] = self._spans_of(pat.regex)(subject)
                hits.extend(Hit(a, b, key, pat.group, pat.label) for a, b in found)
        excludes = [h for h in hits if h.group == "exclude"]
        if excludes:
            spare = self._pattern_labels if any(e.entry in self._entries_only for e in excludes) else ()
            # An exclude cancels what lies inside it ("root beer" cancels "beer"); one marked
            # entries_only ("reconciliation is a money grab": the inclusive word is a sneer, not a
            # veto) spares the other patterns' matches over the same words.
            hits = [h for h in hits if h.group != "exclude" and not any(
                e.section == h.section and e.start <= h.start and h.end <= e.end
                and not (spare and e.entry in self._entries_only and h.entry in spare)
                for e in excludes)]
        if not any(h.group in _SIGNAL_GROUPS for h in hits):
            return []  # a triggered pattern that did not match, or every entry excluded
        return hits


# --- judging a section's hits -----------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?\n]+(?=\s|$)|\n")


@dataclass
class Signal:
    """A section's verdict on one text: what matched, and what context changed it."""

    section: str
    terms: list[Hit]
    cues: list[Hit]
    vetoes: list[Hit]
    lowered_by: list[Hit]
    strong: bool
    cued: bool = False  # a weak entry found a real cue (not only minor cues or a second weak entry)
    sarcasm: list[Hit] = field(default_factory=list)  # sneer markers that set the vetoes aside
    ignored_vetoes: list[Hit] = field(default_factory=list)

    @property
    def vetoed(self) -> bool:
        return bool(self.vetoes)

    def explanation(self) -> dict:
        out: dict[str, Any] = {"lexicon": self.section,
                               "matched": sorted({h.entry for h in self.terms}),
                               "signal": "strong entry" if self.strong else
                               "weak entry with cue" if self.cued else "weak entries together"}
        if self.cues:
            out["cues"] = sorted({h.entry for h in self.cues})
        if self.lowered_by:
            out["lowered_by"] = sorted({h.entry for h in self.lowered_by})
        if self.vetoes:
            out["vetoed_by"] = sorted({h.entry for h in self.vetoes})
        if self.ignored_vetoes:
            out["veto_set_aside"] = sorted({h.entry for h in self.ignored_vetoes})
            out["sarcasm"] = sorted({h.entry for h in self.sarcasm})
        return out


def sentence_ids(text: str, positions: Iterable[int]) -> list[int]:
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)]
    return [bisect.bisect_right(bounds, p) for p in positions]


def _near(section: Section, text: str, a: list[Hit], b: list[Hit]) -> list[list[int]]:
    """For each hit of `a`, the indexes of hits of `b` in the same scope."""
    if section.scope == "text":
        return [list(range(len(b))) for _ in a]
    if section.scope == "window":
        w = section.window
        return [[j for j, y in enumerate(b) if y.start - w <= x.start <= y.end + w] for x in a]
    ids = sentence_ids(text, [h.start for h in a + b])
    ia, ib = ids[:len(a)], ids[len(a):]
    return [[j for j, sid in enumerate(ib) if sid == s] for s in ia]


def _use(used: dict[tuple[int, int], Hit], context: list[Hit]) -> None:
    """Record the cues that made a signal, one per span: a cue over the same words as an
    `override` never hides it (the override is what sets the vetoes aside)."""
    for x in context:
        if x.group == "override" or (x.start, x.end) not in used:
            used[(x.start, x.end)] = x


def judge(section: Section, hits: list[Hit], text: str) -> Signal | None:
    """Strong entries fire; a weak one needs, in scope, a cue, two different minor cues or a second
    different weak entry; vetoes are recorded (the caller decides what a veto does) unless an
    `override` cue made the signal: a plain demand to exclude is not teaching."""
    by_group: dict[str, list[Hit]] = {}
    for h in hits:
        by_group.setdefault("cue" if h.group == "override" else h.group, []).append(h)
    strong = by_group.get("strong", [])
    weak = by_group.get("weak", [])
    terms: list[Hit] = list(strong)
    used: dict[tuple[int, int], Hit] = {}
    cued = False
    if weak and section.scope == "text":
        # Everything is "near" everything: decide once for all weak entries (the common case).
        cues = by_group.get("cue", [])
        minors = by_group.get("minor", [])
        enough_minors = len({x.entry for x in minors}) > 1
        paired = section.pairs and any(
            a.entry != b.entry and (a.end <= b.start or b.end <= a.start) for a in weak for b in weak)
        if cues or enough_minors or paired:
            terms.extend(weak)
            cued = bool(cues)
            _use(used, cues + (minors if enough_minors else []))
    elif weak:
        cues = by_group.get("cue", [])
        minors = by_group.get("minor", [])
        near_cue = _near(section, text, weak, cues)
        near_minor = _near(section, text, weak, minors)
        near_weak = _near(section, text, weak, weak)
        for i, h in enumerate(weak):
            c = [cues[j] for j in near_cue[i]]
            m = [minors[j] for j in near_minor[i]]
            others = [w for w in (weak[j] for j in near_weak[i])
                      if w.entry != h.entry and (w.end <= h.start or h.end <= w.start)] if section.pairs else []
            if c or len({x.entry for x in m}) > 1 or others:
                terms.append(h)
                cued = cued or bool(c)
                _use(used, c + (m if len({x.entry for x in m}) > 1 else []))
    if not terms:
        return None
    overridden = any(h.group == "override" for h in used.values())
    vetoes: list[Hit] = []
    ignored: list[Hit] = []
    if not overridden:
        vetoes = [v for v in by_group.get("veto", []) if not _scare_quoted(text, v)]
        topics = [v for v in by_group.get("topic", []) if not _scare_quoted(text, v)]
        if topics and (strong or cued) and by_group.get("sarcasm"):
            ignored = topics  # the inclusive topic is what the text mocks, not its context
        else:
            vetoes += topics
    return Signal(section.key, sorted(terms, key=lambda h: h.start), list(used.values()),
                  vetoes, by_group.get("lower", []), bool(strong), cued,
                  by_group.get("sarcasm", []) if ignored else [], ignored)


_OPEN_QUOTES = "'\"‘“«"
_CLOSE_QUOTES = "'\"’”»"


def _scare_quoted(text: str, hit: Hit) -> bool:
    """True when a veto word stands alone in quotes ('inclusion', « réconciliation », 'hateful'):
    beside a signal, that is how a sneer names the very context that would excuse it."""
    before = text[:hit.start].rstrip(" \u00a0")
    after = text[hit.end:].lstrip(" \u00a0")
    return bool(before) and bool(after) and before[-1] in _OPEN_QUOTES and after[0] in _CLOSE_QUOTES


# --- building and caching ---------------------------------------------------------------------

_CACHE: dict[str, Lexicon] = {}


def build_lexicon(additions: dict[str, Any] | None = None, directory: Path = LEXICON_DIR,
                  source: str = "policy", topics: Iterable[str] | None = None) -> Lexicon:
    """Compile the lexicons of `topics` (all when None) with the policy's additions merged in."""
    raw = merge_additions(load_lexicon_files(directory), additions or {}, source)
    if topics is not None:
        wanted = set(topics)
        raw = {t: v for t, v in raw.items() if t in wanted}
    return Lexicon(parse_sections(raw))


def lexicon_for(policy_data: dict[str, Any] | None, topics: Iterable[str] | None = None) -> Lexicon:
    """The shipped lexicons plus the policy's additions, compiled once per distinct set of additions.

    The cache is per process, not per scan: compiling costs far more than checking an item.
    """
    additions = (policy_data or {}).get("lexicons") or {}
    wanted = tuple(sorted(topics)) if topics is not None else None
    key = repr((sorted(additions.items()) if additions else [], wanted))
    if key not in _CACHE:
        _CACHE[key] = build_lexicon(additions, topics=wanted)
    return _CACHE[key]
