"""SM301: a roster student's full name in a professional account's content.

One Aho-Corasick automaton holds every roster name in three forms, all folded the way
`auditor.text.spaced` folds a post (lower case, accents dropped, punctuation runs -> one space):

- "first last": the usual form; the boundary test (a space on both sides in the folded text) lets
  possessives, emoji, punctuation, line breaks and extra spaces through;
- "last first": class lists and pairings ("Kowalski, Ethan");
- "firstlast": hashtags (#CongratsMayaChen, #gomayachen), accepted only inside a hashtag.

A post is folded once and scanned once, whatever the roster size. The expensive offset map that
turns a folded match back into the words of the post is built only for a text that matched.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import ahocorasick

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.findings import Span
from auditor.checkers.privacy_texts import text_views
from auditor.registry import Student
from auditor.text import fold_with_offsets, hashtags, name_tokens, spaced, split_camel

CLAUSE = "§4 Privacy and Confidentiality"

FORWARD, REVERSED, JOINED = "first-last", "last-first", "hashtag"
# A name right after an adult's title is more likely a staff member or parent who shares it
# ("Mr. Daniel Chen"): still reported, with low confidence.
_TITLE_BEFORE = re.compile(
    r"(?:\b(?:mr|mrs|ms|mx|miss|dr|prof|coach|mme|mlle|madame|monsieur|sir|principal|vp|rev|fr)\.?|\bm\.)\s*$",
    re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """A roster name found in one text: where, in which form, and which students carry it."""

    start: int
    end: int
    form: str
    students: tuple[Student, ...]
    exact_case: bool  # written with capitals as a name is (or all capitals), not all lower case
    doubt: str = ""  # why it may not be meant as the student, when there is a reason


class RosterMatcher:
    """Every roster name in two automata: "first last" and "last first" in one, searched in every
    text; the hashtag form ("firstlast") in the other, built the first time a text has a '#' and
    searched only in such texts (it can only count inside a hashtag). A key's value is (key length,
    codes), each code packing a student's index and the form (index * 4 + form number), which keeps
    a 50,000-student roster to one small tuple per distinct key."""

    FORMS = (FORWARD, REVERSED, JOINED)

    def __init__(self, students: list[Student]):
        self.students = students
        spaced_keys: dict[str, int | list[int]] = {}
        joined_keys: dict[str, int | list[int]] = {}
        # Rosters repeat names: fold each spelling once, as (words with spaces, words run together).
        forms: dict[str, tuple[str, str]] = {}

        def add(keys: dict, key: str, code: int) -> None:
            got = keys.get(key)
            if got is None:
                keys[key] = code  # most keys belong to one student: no list for them
            elif type(got) is int:
                keys[key] = [got, code]
            else:
                got.append(code)

        # Everything allocated here lives as long as the matcher: the cyclic GC has nothing to
        # collect, and pausing it makes the build about a third faster on a large roster.
        gc_was_on = gc.isenabled()
        gc.disable()
        try:
            for idx, s in enumerate(students):
                last = forms.get(s.last_name)
                if last is None:
                    words = name_tokens(s.last_name)
                    last = forms[s.last_name] = (" ".join(words), "".join(words))
                if not last[0]:
                    continue
                first = forms.get(s.first_name)
                if first is None:
                    words = name_tokens(s.first_name)
                    first = forms[s.first_name] = (" ".join(words), "".join(words))
                firsts = (first,)
                if s.preferred_name:
                    preferred = forms.get(s.preferred_name)
                    if preferred is None:
                        words = name_tokens(s.preferred_name)
                        preferred = forms[s.preferred_name] = (" ".join(words), "".join(words))
                    if preferred != first:
                        firsts = (first, preferred)
                code = idx * 4
                for f_spaced, f_joined in firsts:
                    if not f_spaced:
                        continue
                    add(spaced_keys, f_spaced + " " + last[0], code)
                    add(spaced_keys, last[0] + " " + f_spaced, code + 1)
                    add(joined_keys, f_joined + last[1], code + 2)
            self.automaton = _automaton(spaced_keys)
        finally:
            if gc_was_on:
                gc.enable()
        self.empty = not spaced_keys
        self._joined_keys: dict[str, int | list[int]] | None = joined_keys
        self._joined = None

    @property
    def joined_automaton(self):
        """The hashtag forms, built on first use: a run without hashtags never pays for them."""
        if self._joined is None:
            self._joined = _automaton(self._joined_keys or {})
            self._joined_keys = None
        return self._joined

    def mentions(self, text: str, folded: str | None = None) -> list[Mention]:
        """Roster names in `text`; `folded` is spaced(text) when the caller already has it."""
        if self.empty:
            return []
        if folded is None:
            folded = spaced(text)
        hits = [(end - length + 1, end + 1, values) for end, (length, values) in self.automaton.iter(folded)]
        if "#" in text:
            hits += [(end - length + 1, end + 1, values)
                     for end, (length, values) in self.joined_automaton.iter(folded)]
        if not hits:
            return []
        return self._resolve(text, hits, folded)

    def _resolve(self, text: str, hits, folded: str) -> list[Mention]:
        mapped = fold_with_offsets(text, folded)
        folded = mapped.text
        tags = hashtags(text)
        found: dict[tuple[int, int], dict] = {}
        for start, end, values in hits:
            word_bounded = folded[start - 1] == " " and folded[end] == " "
            for code in values:
                form, idx = self.FORMS[code & 3], code >> 2
                if form == JOINED:
                    span = self._in_hashtag(mapped, start, end, tags, text)
                    if span is None:
                        continue
                    o_start, o_end = span
                else:
                    if not word_bounded:
                        continue
                    o_start, o_end = mapped.span(start, end)
                doubt = ""
                if form == REVERSED and not self._reversed_ok(text, o_start, o_end):
                    doubt = "surname first in lower case"
                if form == FORWARD and _TITLE_BEFORE.search(text[max(0, o_start - 12):o_start]):
                    doubt = "after an adult's title"
                entry = found.setdefault((o_start, o_end), {"form": form, "students": [], "doubt": doubt})
                student, listed = self.students[idx], entry["students"]
                # `student not in listed`, without a dataclass comparison of every field when the ids
                # already differ (a shared name lists several students).
                if not any(s is student or (s.student_id == student.student_id and s == student) for s in listed):
                    listed.append(student)
        out = []
        for (o_start, o_end), entry in sorted(found.items()):
            # Drop a mention contained in a longer one (a hashtag hit inside a spelled-out match).
            if any(s <= o_start and o_end <= e and (s, e) != (o_start, o_end) for s, e in found):
                continue
            words = text[o_start:o_end]
            out.append(Mention(o_start, o_end, entry["form"], tuple(entry["students"]), _name_case(words),
                               entry["doubt"]))
        return out

    @staticmethod
    def _in_hashtag(mapped, start: int, end: int, tags, text: str) -> tuple[int, int] | None:
        o_start, o_end = mapped.span(start, end)
        for t_start, t_end, _body in tags:
            if t_start <= o_start and o_end <= t_end:
                return t_start - 1, t_end  # quote the whole hashtag, '#' included
        return None

    @staticmethod
    def _reversed_ok(text: str, start: int, end: int) -> bool:
        """"Kowalski, Ethan", "KOWALSKI Ethan" and "Kowalski Ethan" read as a name; in lower case
        the surname-first order is more often two ordinary words ("young will"), so without a
        comma or capitals it is reported with low confidence."""
        words = text[start:end]
        return "," in words or all(w[:1].isupper() for w in _SPACE_OR_COMMA.split(words) if w)


def _automaton(keys: dict[str, int | list[int]]):
    auto = ahocorasick.Automaton()
    for key, codes in keys.items():
        auto.add_word(key, (len(key), (codes,) if type(codes) is int else tuple(codes)))
    if keys:
        auto.make_automaton()
    return auto


_SPACE_OR_COMMA = re.compile(r"[\s,]+")
_SEPARATOR_RUN = re.compile(r"[\W_]+")


def _name_case(words: str) -> bool:
    words = "".join(c for c in unicodedata.normalize("NFKD", words) if not unicodedata.combining(c))
    letters = [w for w in _SEPARATOR_RUN.split(words) if w]
    if not letters:
        return False
    if all(w.isupper() for w in letters):
        return True
    if len(letters) == 1:  # a hashtag: CamelCase parts count as capitalised words
        parts = split_camel(letters[0])
        return len(parts) > 1 and any(p[:1].isupper() for p in parts)
    return all(w[:1].isupper() for w in letters)


def matcher(ctx: CheckContext) -> RosterMatcher:
    got = ctx.memo.get("student_name_automaton")  # asked for every item: no closure, no call
    if got is None:
        got = ctx.cached("student_name_automaton", lambda: RosterMatcher(ctx.students))
    return got


def strongest_flag(students: tuple[Student, ...]) -> str:
    """The roster flag that makes exposure worst, worded for a principal, never naming anyone."""
    if any(s.safety_flag for s in students):
        return "safety flag"
    if any(s.media_consent == "no" for s in students):
        return "no media consent"
    if any(s.media_consent != "yes" for s in students):
        return "media consent unknown"
    return "media consent on file"


def item_mentions(item: dict, ctx: CheckContext) -> Iterator[tuple[str, str, str | None, Mention]]:
    """(field, text, via, mention) for every roster name in an item, endorsed content included."""
    m = matcher(ctx)
    if m.empty:
        return
    for view in text_views(item, ctx):
        for mention in m.mentions(view.text, view.folded):
            yield view.field, view.text, view.via, mention


def _example_context() -> CheckContext:
    return CheckContext(students=[
        Student("T1", "Maya", "Chen", "", "SCH", "5", "yes", False),
        Student("T2", "Zoë", "Tremblay", "", "SCH", "10", "no", False),
        Student("T3", "Liam", "O'Brien", "", "SCH", "12", "yes", False),
        Student("T4", "Tina", "Nguyen-Tran", "", "SCH", "4", "unknown", False),
        Student("T5", "Jaswinder", "Dhillon", "Jas", "SCH", "11", "yes", True),
        Student("T6", "Maya", "Chen", "", "OTH", "8", "no", False),
        Student("T7", "Ethan", "Kowalski", "", "SCH", "10", "yes", False),
    ])


def _post(text: str, **extra) -> dict:
    return {"type": "post", "platform": "x", "account": "ClassAcct", "id": "ex", "kind": "original",
            "text": text, **extra}


class StudentFullName(Checker):
    """A roster student's first (or preferred) name together with their last name, anywhere in the
    item: its text, image alt text, quoted, reposted or liked content, the account's profile, and the
    display name or bio of an account it follows. Case, accents, possessives,
    line breaks, punctuation, emoji and CamelCase hashtags do not hide a name; a first name alone or
    a first name and an initial is not this rule. Lower case lowers the confidence, and a name
    right after an adult's title (Mr., Ms., Coach) is reported with low confidence: it may be a
    staff member sharing the name. Critical when any student carrying the name has no media
    consent or a safety flag. The evidence quotes the post only, never other roster data."""

    id = "SM301"
    name = "student-full-name"
    category = "student-name"
    severity = "high"
    confidence = "high"
    clause = CLAUSE
    # Also the account's own profile, and the name and bio of an account it follows.
    item_types: ClassVar = frozenset({"post", "like", "profile", "follow"})
    example_context: ClassVar = staticmethod(_example_context)
    examples = (
        Example(_post("So proud of Liam O'Brien's goal tonight!"), True, "possessive, apostrophe in surname"),
        Example(_post("Great poem, ZOE\nTREMBLAY!! 🎉"), True, "line break, capitals, accent dropped"),
        Example(_post("Provincial qualifier! #GoJasDhillon"), True, "preferred name in a CamelCase hashtag"),
        Example(_post("tina nguyen-tran's volcano reached the ceiling"), True, "lower case, hyphenated surname"),
        Example(_post("Lab pairs: Kowalski, Ethan & Wong, Ben"), True, "last name first, with a comma"),
        Example({"type": "like", "platform": "x", "account": "ClassAcct", "id": "ex",
                 "post": {"text": "Congrats Maya Chen on the science fair 🔬"}}, True, "liked post"),
        Example(_post("Chess club", media=[{"type": "image", "url": "https://x/1.jpg",
                                           "alt": "Zoe Tremblay holding the trophy"}]), True, "alt text"),
        Example({"type": "follow", "platform": "x", "account": "ClassAcct", "id": "ex",
                 "target": {"handle": "mc_08", "name": "Maya Chen", "bio": ""}}, True, "followed account's name"),
        Example(_post("Great job Maya! Your poem was lovely."), False, "first name alone"),
        Example(_post("Shoutout to Maya C. for the clean-up"), False, "first name and initial"),
        Example(_post("Welcome Mr. Ethan Kowalski to the science department"), True,
                "adult's title: low confidence, still reported"),
        Example(_post("Congrats to Ethan K. and Zoe T. on their medals"), False, "initials"),
        Example(_post("Mayachenko won the chess game"), False, "a name inside a longer word"),
    )

    def check(self, item: dict, ctx: CheckContext):
        # A plain function, not a generator: the engine calls it on every item, and most items
        # name nobody.
        m = matcher(ctx)
        if m.empty:
            return ()
        named = None
        for view in text_views(item, ctx):
            mentions = m.mentions(view.text, view.folded)
            if mentions:
                named = named or []
                named += [(view.field, view.text, view.via, mention) for mention in mentions]
        return self._findings(item, named) if named else ()

    def _findings(self, item: dict, named: list[tuple[str, str, str | None, Mention]]):
        for field, text, via, mention in named:
            flag = strongest_flag(mention.students)
            protected = any(s.protected for s in mention.students)
            confidence = "high"
            if not mention.exact_case:
                confidence = "medium"  # lower case: still a name, less surely meant as one
            if mention.doubt:
                confidence = "low"  # reported all the same: a look costs less than a missed name
            n = len(mention.students)
            who = "a roster student" if n == 1 else f"{n} roster students"
            reason = {
                "safety flag": f"names {who} with a safety flag",
                "no media consent": f"names {who} without media consent",
                "media consent unknown": f"names {who} whose media consent is not on file",
            }.get(flag, f"names {who} (media consent on file)")
            yield self.finding(
                item, reason=reason, via=via,
                spans=[Span(field, mention.start, mention.end, text[mention.start:mention.end])],
                severity="critical" if protected else self.severity, confidence=confidence,
                explanation={"form": mention.form, "students_matched": n, "roster_flag": flag,
                             "case": "as written" if mention.exact_case else "lower case",
                             **({"doubt": mention.doubt} if mention.doubt else {})},
            )


CHECKERS = [StudentFullName]
