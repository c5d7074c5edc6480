"""Following students (§2: "Do not follow students on their personal social media accounts").

Two rules because the evidence differs in strength: a followed handle on the roster is a fact
(SM101, high confidence); a bio that reads like a current K-12 student is an inference (SM102,
medium confidence) whose evidence names the signal, so a principal can judge it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import ClassVar, Iterator

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.findings import Finding, Span
from auditor.lexicon import fold, lexicon_for
from auditor.registry import School, Student

CLAUSE = "§2 Personal vs. professional"
BSKY_SUFFIX = ".bsky.social"


def handle_key(platform: str, handle: str) -> tuple[str, str | None]:
    """(user, instance) of a handle, normalised the way each platform compares handles.

    Case and a leading @ never matter; Bluesky's default `.bsky.social` suffix is dropped (custom
    domain handles stay whole); a Mastodon handle is user@instance, the instance may be unknown.
    """
    h = handle.strip().lower().lstrip("@").rstrip("/")
    for prefix in ("https://", "http://"):
        if h.startswith(prefix):  # a profile URL instead of a handle
            h = h[len(prefix):].split("/", 1)[-1].lstrip("@")
    if platform == "bluesky":
        if h.startswith("profile/"):
            h = h[len("profile/"):]
        return (h[: -len(BSKY_SUFFIX)] if h.endswith(BSKY_SUFFIX) else h), None
    if platform == "mastodon":
        user, _, instance = h.partition("@")
        return user, (instance or None)
    return h, None


class RosterHandles:
    """The roster's handles indexed per platform for exact lookups."""

    def __init__(self, students: list[Student]):
        self.index: dict[tuple[str, str], list[tuple[str | None, Student]]] = {}
        for s in students:
            for platform, handle in s.handles:
                user, instance = handle_key(platform, handle)
                self.index.setdefault((platform, user), []).append((instance, s))

    def find(self, platform: str, handle: str) -> Student | None:
        user, instance = handle_key(platform, handle)
        for inst, student in self.index.get((platform, user), ()):
            if inst is None or instance is None or inst == instance:
                return student
        return None


def _target_handles(target: dict) -> list[str]:
    out = []
    for key in ("handle", "url"):
        v = target.get(key)
        if isinstance(v, str) and v.strip():
            out.append(v)
    return out


def _follow(platform: str, handle: str, name: str = "", bio: str = "") -> dict:
    return {"type": "follow", "platform": platform, "account": "MsExample", "id": "ex",
            "target": {"id": "1", "handle": handle, "name": name, "bio": bio}}


def _example_context() -> CheckContext:
    student = Student("S1", "Sam", "Lee", "", "LVSS", "10", "yes", False,
                      [("x", "sam_lee10"), ("bluesky", "samlee.bsky.social"), ("mastodon", "saml@mastodon.social")])
    school = School("LVSS", "Lakeside Secondary School", "p@board.example", ["LSS", "Lakeside"])
    return CheckContext(students=[student], schools=[school], now=datetime(2026, 11, 1))


class StudentFollowRoster(Checker):
    """A professional account follows an account whose handle is on the roster's `handles`.

    Handles are compared per platform: case and a leading @ are ignored, Bluesky's
    `.bsky.social` suffix is optional, and Mastodon's user@instance matches a bare user name.
    The finding names the student id, never the student's name.
    """

    id = "SM101"
    name = "student-follow-roster"
    category = "student-follow"
    severity = "high"
    confidence = "high"
    clause = CLAUSE
    item_types: ClassVar[frozenset[str]] = frozenset({"follow"})
    example_context = staticmethod(_example_context)
    examples = (
        Example(_follow("x", "@Sam_Lee10"), True, "case and @ ignored"),
        Example(_follow("bluesky", "samlee"), True, "without the .bsky.social suffix"),
        Example(_follow("mastodon", "@saml@mastodon.social"), True),
        Example(_follow("instagram", "sam_lee10"), False, "the roster lists that handle on x only"),
        Example(_follow("x", "sam_lee100"), False),
    )

    def check(self, item: dict, ctx: CheckContext) -> Iterator[Finding]:
        target = item.get("target") or {}
        roster = ctx.cached("roster_handles", lambda: RosterHandles(ctx.students))
        for value in _target_handles(target):
            student = roster.find(item["platform"], value)
            if student is not None:
                field = "target.handle" if value == target.get("handle") else "target.url"
                yield self.finding(
                    item, reason=f"follows a student on the roster ({student.school}, student {student.student_id})",
                    spans=[Span(field, 0, len(value), value)],
                    explanation={"roster_student_id": student.student_id, "school": student.school,
                                 "matched_handle": value})
                return


# --- bio signals ------------------------------------------------------------------------------

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_GRADE_RE = re.compile(
    r"(?<![\w])(?:grade|gr|grd)\.?\s?(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"(?:st|nd|rd|th)?(?![\w/&+–-]|\s*[-–/&+]\s*\d|\s*(?:and|to|et|à|a)\s+\d)"
    r"|(?<![\w-])(\d{1,2})(?:st|nd|rd|th)\s?(?:grade(?:r)?|gr)\b"
    r"|(?<![\w-])(\d{1,2})(?:e|eme|ieme)\s+annee\b"
    r"|\bsec(?:ondaire)?\.?\s?([1-5])\b|\b([1-5])(?:e|eme|ieme|re)\s+sec(?:ondaire)?\b"
    r"|\b(?:year|yr)\s?(\d{1,2})\s+(?:student|pupil)\b")
_CLASS_OF_RE = re.compile(r"\b(?:class of|promo(?:tion)?|c/o|grad(?:uating)?(?: class)?(?: of)?|finissant(?:e|s)?)"
                          r"\s*'?(\d{4}|\d{2})\b|(?<![\w'’])['’](\d{2})\b|\b(20\d\d)\s?grad\b")
_AGE_RE = re.compile(r"(?<![\w.])(\d{1,2})\s?(?:y[./]?o\b\.?|yrs? old\b|years? old\b|yrs?\b(?!\s*(?:of|in|at|teaching|experience|exp|on|with|as)\b)|ans\b)|\b(?:age|aged|âge)\s?:?\s?(\d{1,2})\b(?!\s*(?:[-–/+]|to\b|and\b|a\b|à)\s*\d)"
                     r"|\b(?:i'?m|i am|j'ai)\s(\d{1,2})\b(?!\s*(?:%|h\b|pm|am|:|\.\d|years? (?:of|in)|k\b))")
_SEGMENT_AGE_RE = re.compile(r"^\s*(\d{1,2})\s*$")
# Ages written in words, English and French ("sixteen", "quinze ans"): teens spell them out too.
_AGE_WORDS = {w: i for i, w in enumerate(
    "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split(), start=10)}
_AGE_WORDS_FR = {w: i for i, w in enumerate(
    "dix onze douze treize quatorze quinze seize dix-sept dix-huit dix-neuf vingt".split(), start=10)}
_EN_AGE = r"(\d{1,2}|" + "|".join(_AGE_WORDS) + r")"
_FR_AGE = r"(" + "|".join(sorted(_AGE_WORDS_FR, key=len, reverse=True)) + r")"
_AGE_SPELLED_RE = re.compile(
    r"\b" + _EN_AGE + r"\s?(?:y/o|yo|yrs? old|years? old)\b"
    r"|\b(?:i'?m|i am|just turned|turned|turning)\s+" + _EN_AGE
    + r"\b(?!\s*(?:%|h\b|pm|am|:|\.\d|years? (?:of|in|at|teaching)|yrs? (?:of|in|at|teaching)|k\b|minutes?|hours?))"
    r"|(?<![\w-])" + _FR_AGE + r"\s+ans\b(?!\s*(?:d['’]|de\b|en\b|a\b|au\b|dans\b|comme\b|chez\b))")
# A bio segment that opens with an age and goes on ("16 and bored", "sixteen & thriving") or is the age
# alone in words ("fifteen 🌸"); "12 and under", "10 and up" name an age group, not a person.
_SEGMENT_AGE_LEAD_RE = re.compile(
    r"^\s*" + _EN_AGE + r"\s*(?:(?:and|&|\+)\s+(?!(?:under|up|over|older|younger|above|below|counting)\b)\w"
    r"|going on\b|[^\w\s#%$.,:+\-/'’][^\w]*$|$)")


def _age_value(raw: str) -> int:
    return int(raw) if raw.isdigit() else _AGE_WORDS.get(raw) or _AGE_WORDS_FR[raw]
# A bare number with an emoji after it ("13 🎧") is an age only in the school range.
_SEGMENT_AGE_EMOJI_RE = re.compile(r"^\s*(\d{1,2})\s*[^\w\s#%$.,:+\-/][^\w]*$")
# A whole bio segment that is a grade written short: "G10", "g 9".
_SEGMENT_GRADE_RE = re.compile(r"^\s*g\s?(\d{1,2})\s*[^\w]*$")
_UNDER_RE = re.compile(r"\bu-?(\d{1,2})\b")
_SEGMENT_SPLIT = re.compile(r"[|·•,;/\n]")
_STUDENT_AT_RE = re.compile(r"\b(?:student|eleve|etudiant|etudiante|junior|senior|freshman|freshie|sophomore|soph)"
                            r"(?:[\s-](?:athlete|leader|ambassador|rep|representative|volunteer|journalist|artist|"
                            r"musician|council\s+rep|athlete\s+and\s+\w+))?"
                            r"\s?(?:at|@|a|au|de)\s+(.{2,60})")


def school_year_end(now: datetime) -> int:
    """The calendar year in which the current school year ends (June)."""
    return now.year + 1 if now.month >= 7 else now.year


def _school_words(schools: list[School]) -> list[str]:
    words = set()
    for s in schools:
        for w in [s.name, s.code, *s.aliases]:
            w = fold(w).strip()
            if len(w) >= 2:
                words.add(w)
    return sorted(words, key=len, reverse=True)


_GENERIC_SCHOOLS = ["high school", "secondary", "middle school", "elementary", "public school", "ecole",
                    "polyvalente", "the high school"]
# The word a K-12 school's own name ends or starts with, when a bio names a school the board does not
# know by a longer name ("student at Grand-Lac Regional High", "student @ Millbrook DHS", "élève à
# la polyvalente de Val-Rose"). Universities and colleges are adult words and veto on their own.
_SCHOOL_HEAD_RE = re.compile(
    r"(?<![\w-])(?:high(?: school)?|secondary(?: school)?|collegiate(?: institute)?|middle school|junior high|jr\.? high|"
    r"intermediate(?: school)?|elementary(?: school)?|public school|catholic (?:high|secondary|elementary)|composite|"
    r"ss|dhs|chs|shs|hs|ci|cvi|ps|"
    r"ecole secondaire|ecole intermediaire|ecole elementaire|ecole primaire|polyvalente)(?![\w-])"
    # a middle school named short, its own name ending in "Middle" ("student at Cedar Ridge Middle") (round 11)
    r"|(?<![\w-])(?:middle|elem|jr\.? high)(?![\w-])(?=[^\w]*$)")
_HEAD_STUDENT_RE = re.compile(
    r"(?:(?<![\w-])(?:secondary|collegiate|ss|dhs|chs|shs|ci|cvi|middle school|junior high|intermediate|elementary|"
    r"composite)(?:\s+(?:school|institute))?"
    # "<Name> School student": a school named by its own name; schools for adults are not K-12
    r"|(?<![\w-])(?!(?:law|med|medical|nursing|grad|graduate|business|dental|flight|driving|film|culinary|art|trade|"
    r"vet|beauty|barber|divinity|language|bible|sunday|dance|music|summer|night|home|pharmacy|engineering|"
    r"acting|cooking|ski|swim|surf|hebrew|chinese|saturday|weekend)\s)[a-z][\w'’-]*\s+(?:high\s+)?school)"
    r"\s+(?:student|eleve|junior|senior|freshman|sophomore)\b")
_LEAD_WORDS_RE = re.compile(r"\s*(?:\S+\s+){0,6}\S+")
_SCHOOL_NAME_CUT = re.compile(r"[|·•,;/\n!?()]|\s[-–—]\s|\s{2,}")
# A career the account hopes for ("future nurse", "aspiring engineer"): not an adult's job, and only a
# youth signal beside a grade or a school, so it never makes a finding alone.
# A school the account hopes to go to next ("hoping for Carleton U next fall", "headed to McGill '27",
# "dream school: Queen's") is the same: a plan, not an adult's place.
_FUTURE_RE = re.compile(r"(?:\bfuture|\baspiring|\bwannabe|\bsoon[- ]to[- ]be|\bfutur(?:e)?|\baspirante?|"
                        r"\bdream job:?|\bone day an?|\bgoal:)\s*$"
                        r"|(?:\bhoping (?:for|to get into|to go to)|\bhope to go to|\b(?:headed|heading|bound) (?:to|for)|"
                        r"\bdream school:?|\b(?:committed|commit|applying|accepted) to|\bnext stop:?|"
                        r"\bj['’]esp[eè]re aller [aà]|\badmise? [aà]|\baccept[ée]e? [aà])\s*(?:the\s+|l['’])?(?:[\w'’.&-]+\s+){0,3}$")


_ORG_WORDS = frozenset({"club", "league", "association", "centre", "center", "academy", "theatre", "theater", "program",
                        "programs", "programme", "library", "bibliotheque", "orchestra", "museum", "society", "festival",
                        "conservation", "teams"})
_AT_ORG_RE = re.compile(r"(?:@|\bat\b|\bwith\b|\bw/|\bau\b|\ba la\b|\bchez\b|\bavec\b)\s*(?:the\s+|l['’])?"
                        r"(?:[\w'’.&-]+\s+){0,4}$")


def bio_signals(name: str, bio: str, ctx: CheckContext) -> tuple[list[tuple[str, str]], list[str]]:
    """(student signals as (kind, words), adult signals) found in a followed account's name and bio."""
    text = f"{name}\n{bio}"
    low = fold(text)
    lex = ctx.cached("student_bio_lexicon", lambda: lexicon_for(ctx.policy, ("student_bio",)))
    hits = lex.scan(text)
    future = [h for h in hits if h.section == "student_bio.adult" and _FUTURE_RE.search(low[max(0, h.start - 40):h.start])]
    # an organisation the account goes to ("ballet @ Ottawa Dance Centre", "lifeguard at the Y's aquatic
    # centre", "swim w/ Perth Stingrays Club") is where a pupil spends time, not the account itself
    visited = [h for h in hits if h.section == "student_bio.adult" and h.entry in _ORG_WORDS
               and _AT_ORG_RE.search(_SEGMENT_SPLIT.split(low[max(0, h.start - 48):h.start])[-1])]
    adult = sorted({h.entry for h in hits if h.section == "student_bio.adult" and h not in future and h not in visited})
    student: list[tuple[str, str]] = []
    end = school_year_end(ctx.now)
    for m in _GRADE_RE.finditer(low):
        raw = next(g for g in m.groups() if g)
        grade = _NUMBER_WORDS[raw] if raw in _NUMBER_WORDS else int(raw)
        limit = 5 if m.group(4) else 12
        if 1 <= grade <= limit:
            student.append(("grade", text[m.start():m.end()]))
    for m in _CLASS_OF_RE.finditer(low):
        raw = m.group(1) or m.group(2) or m.group(3)
        if m.group(2) and not (m.start() > 0 and low[m.start() - 1] in " (["):
            continue
        year = int(raw) + (2000 if len(raw) == 2 else 0)
        words = text[m.start():m.end()]
        if year >= end:
            if year <= end + 13:
                student.append(("class year to come", words))
        else:
            adult.append(f"past class year {words.strip()}")
    for m in _AGE_RE.finditer(low):
        age = int(m.group(1) or m.group(2) or m.group(3))
        if 5 <= age < 18:
            student.append(("age under 18", text[m.start():m.end()]))
        elif age >= 18:
            adult.append(f"age {age}")
    for m in _AGE_SPELLED_RE.finditer(low):
        raw = next(g for g in m.groups() if g)
        if raw.isdigit() and not m.group(0).startswith(("just turned", "turned", "turning")):
            continue  # "15 y/o", "i'm 12" are read by _AGE_RE above
        age = _age_value(raw)
        if age < 18:
            student.append(("age under 18", text[m.start():m.end()]))
        else:
            adult.append(f"age {age}")
    for seg in _SEGMENT_SPLIT.split(low):
        lead = _SEGMENT_AGE_LEAD_RE.match(seg)
        if lead and not _SEGMENT_AGE_RE.match(seg) and not _SEGMENT_AGE_EMOJI_RE.match(seg):
            age = _age_value(lead.group(1))
            if 10 <= age < 18:
                student.append(("age under 18", seg.strip()))
            elif age >= 18:
                adult.append(f"age {age}")
        m = _SEGMENT_AGE_RE.match(seg)
        if m and 10 <= int(m.group(1)) < 18:
            student.append(("age under 18", seg.strip()))
        elif m and 18 <= int(m.group(1)) < 100:
            adult.append(f"age {int(m.group(1))}")
        elif not m:
            e = _SEGMENT_AGE_EMOJI_RE.match(seg)
            if e and 10 <= int(e.group(1)) < 18:
                student.append(("age under 18", seg.strip()))
            g = _SEGMENT_GRADE_RE.match(seg)
            if g and 1 <= int(g.group(1)) <= 12:
                student.append(("grade", seg.strip()))
    for m in _UNDER_RE.finditer(low):
        if 8 <= int(m.group(1)) <= 18:
            student.append(("youth age group", text[m.start():m.end()]))
    school_words = ctx.cached("school_words", lambda: _school_words(ctx.schools))
    for m in _STUDENT_AT_RE.finditer(low):
        rest = m.group(1)
        for w in school_words + _GENERIC_SCHOOLS:
            if re.match(re.escape(w) + r"(?!\w)", rest):
                kind = "student at a school of the board" if w in school_words else "student at a school"
                student.append((kind, text[m.start():m.start(1) + len(w)]))
                break
        else:
            # a longer name: the town or more words before the school's name, alias or kind
            # ("student at Kellerton Ridgeview SS", "student at Grand-Lac Regional High")
            lead = _LEAD_WORDS_RE.match(_SCHOOL_NAME_CUT.split(rest, 1)[0])
            name_part = lead.group(0) if lead else ""
            found = None
            for w in school_words:
                k = re.search(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])", name_part)
                if k:
                    found = ("student at a school of the board", k.end())
                    break
            if found is None:
                k = _SCHOOL_HEAD_RE.search(name_part)
                if k:
                    found = ("student at a school", k.end())
            if found:
                student.append((found[0], text[m.start():m.start(1) + found[1]]))
    for w in school_words:
        # "RCI 2028", "Oakwood PS '31": a school of the board with a class year
        m = re.search(r"(?<![\w-])" + re.escape(w) + r"(?:\s+(?:ps|ss|hs|ci|cvi|dhs|chs|high|secondary|collegiate|elementary|public school|"
                      r"middle school))?\s*(?:[-–—:]\s*)?['’]?(20\d\d|\d\d)(?![\w/:.-])", low)
        if m and not (len(m.group(1)) == 2 and "'" not in m.group(0) and "’" not in m.group(0)):
            year = int(m.group(1)) + (2000 if len(m.group(1)) == 2 else 0)
            if end <= year <= end + 13:
                student.append(("class year to come at a school of the board", text[m.start():m.end()]))
            elif year < end:
                adult.append(f"past class year {text[m.start():m.end()].strip()}")
            break
    for w in school_words:
        m = re.search(r"(?<!\w)" + re.escape(w) + r"(?:\s+[\w'’-]+){0,2}?\s+(?:student|eleve|etudiante?|junior|senior|freshman)\b",
                      low)
        if m:
            student.append(("student of a school of the board", text[m.start():m.end()]))
            break
    else:
        m = _HEAD_STUDENT_RE.search(low)
        if m:
            student.append(("student of a school", text[m.start():m.end()]))
    for h in hits:
        if h.section == "student_bio.student" and not h.entry.startswith(("student", "eleve", "etudiant")):
            student.append(("student words", text[h.start:h.end]))
    if student and future:
        student.extend(("a future career", text[h.start:h.end]) for h in future)
    return student, adult


class StudentFollowBio(Checker):
    """A professional account follows an account whose name or bio shows a current K-12 student.

    Signals: a grade ("gr 7", "grade 11", "9th grade", "3e année", "sec 2"), a class year still to
    come ("class of 2030", "'29"), an age under 18 ("15 y/o", a bare "15" between separators, a
    U14 team), "student at" a school of the board or one of its aliases, also named at more length
    ("student at Kellerton Riverside SS") or another school by its kind ("student @ Pine Ridge
    Regional High", "Northgate Secondary student"), a pupil's role (prefect, head girl). Adult
    signals veto: teacher, coach, parent, alumni, a past class year, an organisation (club, league,
    library...), a college or university. A hoped-for career ("future nurse") is not an adult's job
    and counts only beside another student signal, as does a school hoped for ("hoping for Carleton
    U"). A pupil's office in a club ("chess club president") is the pupil's own, and so is an
    organisation the account goes to ("ballet @ Ottawa Dance Centre"). Grade and age ranges ("grades 9–12", "ages
    12–18") describe an audience, not a student.
    """

    id = "SM102"
    name = "student-follow-bio"
    category = "student-follow"
    severity = "medium"
    confidence = "medium"
    clause = CLAUSE
    item_types: ClassVar[frozenset[str]] = frozenset({"follow"})
    example_context = staticmethod(_example_context)
    examples = (
        Example(_follow("x", "jules_sk8", "Jules", "gr.10 @ LSS 🛹"), True),
        Example(_follow("instagram", "dani.dances", "Dani", "12 y/o 💃 dance"), True),
        Example(_follow("x", "nova29", "Nova", "class of 2029 ✨"), True),
        Example(_follow("bluesky", "mika.bsky.social", "mika", "student at Lakeside · art"), True),
        Example(_follow("x", "rosie", "Rosie", "student @ Pine Ridge Regional High | dance"), True,
                "another school, named by its kind"),
        Example(_follow("x", "ama", "Ama", "Grade 11 | prefect | future nurse 🩺"), True,
                "a hoped-for career is not an adult's job"),
        Example(_follow("x", "ben", "Ben", "gr 12 | hoping for Queen's University next fall"), True,
                "a university hoped for is not an adult's place"),
        Example(_follow("x", "ola", "Ola", "future nurse 🩺 | coffee"), False, "a career hope alone"),
        Example(_follow("x", "CoachDee", "Coach Dee", "Coach · Grade 9 & 10 PE"), False),
        Example(_follow("x", "LSSAlumni", "Lakeside Alumni", "Lakeside grads, class of 2019"), False),
        Example(_follow("x", "RoboLeague", "Robotics League", "High school robotics · grades 9–12"), False),
        Example(_follow("instagram", "proudmom", "Dee", "Proud mom of a class of 2028 grad"), False),
    )

    def check(self, item: dict, ctx: CheckContext) -> Iterator[Finding]:
        target = item.get("target") or {}
        roster = ctx.cached("roster_handles", lambda: RosterHandles(ctx.students))
        if any(roster.find(item["platform"], v) for v in _target_handles(target)):
            return  # SM101 reports it with the stronger evidence
        name = target.get("name") if isinstance(target.get("name"), str) else ""
        bio = target.get("bio") if isinstance(target.get("bio"), str) else ""
        if not (name or bio):
            return
        student, adult = bio_signals(name, bio, ctx)
        if not student or adult:
            return
        text = f"{name}\n{bio}"
        spans = []
        for _, words in student:
            pos = text.find(words)
            if pos >= 0:
                field, start = ("target.name", pos) if pos < len(name) else ("target.bio", pos - len(name) - 1)
                spans.append(Span(field, start, start + len(words), words))
        kinds = list(dict.fromkeys(k for k, _ in student))
        yield self.finding(item, reason="follows an account whose bio shows a current student: "
                           + "; ".join(f"{k} ({w.strip()!r})" for k, w in student[:4]),
                           spans=spans, explanation={"signals": kinds, "matched": [w for _, w in student]})


CHECKERS = [StudentFollowRoster, StudentFollowBio]
