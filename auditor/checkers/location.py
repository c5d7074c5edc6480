"""SM302-SM305: where a student (or the staff member) can be found.

Four ways a post gives a place away: the platform's geotag, GPS coordinates hidden in a photo's
EXIF data, a street address or postal code in the words, and a plan that puts students at a named
place at a stated time (a trip, a game, a pickup). A city named in passing, a visit in the past
and the school's own name are not findings: none of them tells a stranger where to be and when.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from auditor.checkers.base import CheckContext, Checker, Example
from auditor.checkers.privacy_texts import (AT, FR_STREET, LANDMARK, STREET, TIME, TRIP, VENUE, TextView,
                                            text_views)
from auditor.findings import Span
from auditor.items import content_views
from auditor.text import fold, sentences

CLAUSE = "§4 Privacy and Confidentiality"


def _post(text: str, **extra) -> dict:
    return {"type": "post", "platform": "x", "account": "ClassAcct", "id": "ex", "kind": "original",
            "text": text, **extra}


# ---------------------------------------------------------------- geotag


class PostGeotag(Checker):
    """The post (or the post it quotes, reposts or likes) carries a platform geotag: a named place or
    coordinates. A geotag on a class or team post tells anyone where the students were, often
    where they are every day."""

    id = "SM302"
    name = "post-geotag"
    category = "location"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE
    examples = (
        Example(_post("Garden day!", place={"name": "Central Park Community Garden", "lat": 43.4, "lon": -79.7}),
                True, "named place with coordinates"),
        Example({"type": "like", "platform": "x", "account": "ClassAcct", "id": "ex",
                 "post": {"text": "Trip day", "place": {"lat": 43.4, "lon": -79.7}}}, True, "liked post, coordinates"),
        Example(_post("Garden day!", place=None), False, "no geotag"),
        Example(_post("Garden day!", place={}), False, "empty place"),
    )

    def check(self, item: dict, ctx: CheckContext):
        quoted, liked = item.get("quoted"), item.get("post")
        if not (item.get("place") or (isinstance(quoted, dict) and quoted.get("place"))
                or (isinstance(liked, dict) and liked.get("place"))):
            return ()  # the common case, decided without walking the item (and without a generator)
        return self._geotags(item)

    def _geotags(self, item: dict):
        for view in content_views(item):
            place = view.post.get("place")
            if not isinstance(place, dict):
                continue
            name = place.get("name") if isinstance(place.get("name"), str) else ""
            has_coords = isinstance(place.get("lat"), (int, float)) and isinstance(place.get("lon"), (int, float))
            if not name and not has_coords:
                continue
            field = f"{view.path}.place" if view.path else "place"
            spans = [Span(f"{field}.name", 0, len(name), name)] if name else []
            yield self.finding(
                item, reason="post is geotagged", via=view.via, spans=spans, key="" if name else field,
                explanation={"place": name or None, "coordinates": has_coords},
            )


# ---------------------------------------------------------------- EXIF GPS


def _photo(name: str) -> str:
    """A sample photo kept with the tests of a checkout, for the examples."""
    from auditor.config import PACKAGE_ROOT

    return str(PACKAGE_ROOT / "tests" / "data" / "privacy" / name)


class ImageGpsExif(Checker):
    """An attached image (fetched to a local file) carries GPS coordinates in its EXIF data. Most
    big platforms strip them on upload, blogs and exports often keep them, and they are precise
    to the metre: the photo of a class garden can give away a home's backyard."""

    id = "SM303"
    name = "image-gps-exif"
    category = "location"
    severity = "high"
    confidence = "high"
    clause = CLAUSE
    examples = (
        Example(_post("Garden day", media=[{"type": "image", "url": "https://example/1.jpg",
                                            "path": _photo("gps.jpg")}]), True, "EXIF GPS block"),
        Example(_post("Field day", media=[{"type": "image", "url": "https://example/1.jpg",
                                           "path": _photo("no-face.jpg")}]), False, "no GPS block"),
        Example(_post("Field day", media=[{"type": "image", "url": "https://example/1.jpg"}]), False,
                "no local file: nothing to read"),
        Example(_post("Field day"), False, "no media"),
    )

    def check(self, item: dict, ctx: CheckContext):
        from auditor.images import ImageError, analyse

        for view in content_views(item):
            for i, media in enumerate(view.post.get("media") or ()):
                if not isinstance(media, dict) or not media.get("path") or media.get("type", "image") != "image":
                    continue
                try:
                    facts = analyse(media["path"])
                except ImageError:
                    continue
                if facts.gps is None:
                    continue
                field = f"{view.path}.media[{i}]" if view.path else f"media[{i}]"
                lat, lon = facts.gps
                yield self.finding(
                    item, reason="photo carries GPS coordinates in its EXIF data", via=view.via,
                    key=f"{field}:{facts.sha256[:16]}",
                    explanation={"media": field, "lat": round(lat, 4), "lon": round(lon, 4)},
                )


# ---------------------------------------------------------------- street address / postal code

# Street words that are also everyday nouns after a number ("3 First Place ribbons", "5 Km Walk",
# "2 Front Row seats") are left out; "Drive" after a charity word is a collection, not a street.
_STREET_TYPES = (
    "street|st|avenue|ave|av|road|rd|drive|dr|crescent|cres|cr|court|ct|boulevard|blvd|lane|ln|way|"
    "pl|terrace|terr|trail|trl|parkway|pkwy|circle|cir|highway|hwy|line|sideroad|concession|"
    "grove|square|sq|crossing|mews|quay|landing|esplanade|promenade|alley|boardwalk")
_DRIVE_COLLECTIONS = frozenset("food toy coat clothing book blood can canned bottle sock winter donation "
                               "charity supply supplies".split())
_DIRECTION = r"(?:\s+(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\b\.?)?"
_NAME_WORD = r"(?:(?:St|Ste|Mt)\.|[A-ZÀ-Ý][\w'’\-]*|\d{1,3}(?:st|nd|rd|th))"
STREET_ADDRESS = re.compile(
    r"(?<![\w$#.,/])(?P<number>\d{1,6}[A-Za-z]?(?:[-–]\d{1,6})?),?\s+"
    r"(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,3})\s+"
    r"(?P<type>(?i:" + _STREET_TYPES + r"))\b\.?" + _DIRECTION
)
_FR_STREET_TYPES = "rue|avenue|av|boulevard|boul|blvd|chemin|ch|route|rang|place|allée|allee|promenade|montée|montee|croissant|impasse|côte|cote"
# "12 main street": in lower case only with a street word that is nothing else.
LOWER_STREET_ADDRESS = re.compile(
    r"(?<![\w$#.,/])(?P<number>\d{1,6}[a-z]?)\s+(?P<name>[a-z][a-z'\-]+(?:\s+[a-z][a-z'\-]+){0,2})\s+"
    r"(?P<type>street|avenue|road|crescent|boulevard)\b"
)
FRENCH_ADDRESS = re.compile(
    r"(?<![\w$#.,/])(?P<number>\d{1,6}[A-Za-z]?),?\s+(?P<type>(?i:" + _FR_STREET_TYPES + r"))\.?\s+"
    r"(?:(?:de\s+la|du|des|de|d['’])\s*)?(?P<name>[A-ZÀ-Ý][\w'’\-]*(?:\s+[A-ZÀ-Ý][\w'’\-]*){0,3})"
)
# A street word that is also an everyday word: it must be capitalised to count ("14 Heron Court").
_LOWER_OK = frozenset({"st", "ave", "rd", "blvd", "dr", "cres", "ct", "hwy", "pkwy", "ln"})
POSTAL_CODE = re.compile(r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])")
_STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
           "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY")
US_ZIP = re.compile(r"\b(?:" + _STATES + r"),?\s+\d{5}(?:-\d{4})?\b")


def _upper_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in STREET_ADDRESS.finditer(text)]


def street_addresses(text: str, view: TextView | None = None) -> Iterator[tuple[int, int, str]]:
    """(start, end, kind) for each street address, postal code or state + ZIP in the text.

    With the text's prepared `view`, a pattern is tried only when its trigger is present (a
    street word for an address, enough digits for a postal or ZIP code)."""
    digits = view.digits if view else 99
    if not digits:
        return
    triggers = view.triggers if view else STREET | FR_STREET
    if triggers & STREET:
        for m in STREET_ADDRESS.finditer(text):
            typ = m.group("type")
            if typ[0].islower() and typ.lower() not in _LOWER_OK:
                continue
            if typ.lower() in ("drive", "dr") and m.group("name").split()[-1].lower() in _DRIVE_COLLECTIONS:
                continue
            yield m.start(), m.end(), "street address"
        for m in LOWER_STREET_ADDRESS.finditer(text):
            if not any(m.start() >= s and m.end() <= e for s, e in _upper_spans(text)):
                yield m.start(), m.end(), "street address"
    if triggers & FR_STREET:
        for m in FRENCH_ADDRESS.finditer(text):
            yield m.start(), m.end(), "street address"
    if digits >= 3:
        for m in POSTAL_CODE.finditer(text):
            yield m.start(), m.end(), "postal code"
    if digits >= 5:
        for m in US_ZIP.finditer(text):
            yield m.start(), m.end(), "ZIP code"


class StreetAddress(Checker):
    """A street address ("27 Birch Hollow Cres.", "410 Mill St. W", "12, rue Principale"), a Canadian
    postal code, or a US state and ZIP code. A home address is the worst case, but a meeting point
    or a venue's address also tells strangers where students will be. Room numbers, team numbers
    and quantities are not addresses: the words after the number must name a street."""

    id = "SM304"
    name = "street-address"
    category = "location"
    severity = "high"
    confidence = "high"
    clause = CLAUSE
    examples = (
        Example(_post("Drop donations at my place: 27 Birch Hollow Cres., L9K 2T4"), True, "address and postal code"),
        Example(_post("Pickup is in front of 212 Lakeshore Rd W at 7"), True, "abbreviated street type, direction"),
        Example(_post("Rendez-vous au 45, rue Principale à 9 h"), True, "French address"),
        Example(_post("Mail it to the office, K2P 1J9."), True, "postal code alone"),
        Example(_post("Results posted outside room 214 by noon."), False, "room number"),
        Example(_post("Team 4827 placed 3rd out of 40 teams."), False, "team number"),
        Example(_post("We read 212 pages in 3 way teams!"), False, "numbers before ordinary words"),
    )

    def check(self, item: dict, ctx: CheckContext):
        views = [view for view in text_views(item, ctx) if view.digits]  # every address has a digit
        return self._addresses(item, views) if views else ()

    def _addresses(self, item: dict, views: list[TextView]):
        for view in views:
            field, text, via = view.field, view.text, view.via
            for start, end, kind in street_addresses(text, view):
                yield self.finding(item, reason=f"{kind} in the post", via=via,
                                   spans=[Span(field, start, end, text[start:end])], explanation={"kind": kind})


# ---------------------------------------------------------------- where students will be, and when

_WEEKDAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
_WEEKDAY_ABBR = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.(?=,?\s)"
_MONTHS = ("january|february|march|april|june|july|august|september|october|november|december|"
           r"jan\.?|feb\.?|mar\.?|apr\.?|jun\.?|jul\.?|aug\.?|sept?\.?|oct\.?|nov\.?|dec\.?|may")
_FR_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_FR_MONTHS = "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
TIME_ANCHOR = re.compile(
    r"\b(?:"
    r"(?:" + _WEEKDAYS + r")s?|" + _WEEKDAY_ABBR + r"|"
    r"tomorrow|tonight|today|this\s+(?:morning|afternoon|evening|weekend|week)|"
    r"next\s+(?:week|weekend|month|" + _WEEKDAYS + r")|"
    r"(?:" + _MONTHS + r")\s+\d{1,2}(?:st|nd|rd|th)?\b|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + _MONTHS + r")\b|"
    r"\d{1,2}(?::\d{2})?\s*(?:a\.?m\.?|p\.?m\.?)(?!\w)|(?<![\d:])\d{1,2}:\d{2}(?![\d:])|noon|"
    r"(?<![\d/])(?<!gr)(?<!gr\.)(?<!gr )(?<!gr\. )(?<!grade )(?<!grades )(?<!grs )\d{1,2}/\d{1,2}(?![\d/])|\d{4}-\d{2}-\d{2}|"
    r"demain|ce\s+soir|aujourd['’]hui|cette\s+semaine|la\s+semaine\s+prochaine|(?:" + _FR_DAYS + r")|"
    r"\d{1,2}(?:er)?\s+(?:" + _FR_MONTHS + r")|\d{1,2}\s?h(?:\s?\d{2})?\b|midi"
    r")",
    re.IGNORECASE)
PAST = re.compile(
    r"\b(?:yesterday|last\s+(?:week|night|weekend|month|year|" + _WEEKDAYS + r")|ago|earlier|"
    r"visited|went|was|were|had|spent|came|returned|got\s+back|enjoyed|loved|thanks?\s+(?:to|for)|"
    r"toured|explored|attended|hosted|celebrated|performed|competed|played|finished|wrapped|did|"
    r"learned|learnt|met|welcomed|watched|heard|"
    r"thank\s+you|hier|avons|sommes\s+allés|était)\b",
    re.IGNORECASE)
# A past-tense main verb beyond the everyday ones above: a common irregular past form ("ran",
# "swam", "saw") or a regular -ed verb ("hiked", "skated"), said of what students did. A participle
# after 'be'/'get' ("are invited", "get dressed"), an arrangement ("moved to Friday", "booked for"),
# an adjective ("excited", "needed") or a word that only ends in -ed ("hundred", "red") is not one;
# and a sentence that also speaks of what is coming ("will be", "are at", "heading to", "meet at",
# "tomorrow") is a plan, whatever else it tells.
_IRREGULAR_PAST = (
    "ran|swam|rode|drove|flew|saw|took|ate|drank|sang|wrote|drew|built|won|lost|caught|brought|bought|"
    "found|made|threw|taught|fought|sat|stood|slept|woke|fell|felt|began|became|froze|climbed|"
    "grew|knew|led|paid|sold|told|spoke|broke|chose|shook|hung|blew|dug|rang|kept|crushed|nailed|rocked")
_PAST_ED = re.compile(r"(?<![\w'’\-])(?:(" + _IRREGULAR_PAST + r")|([a-z]{2,}[^e\W]ed|[a-z]{2,}ied))(?![\w'’\-])", re.IGNORECASE)
_NOT_PAST_ED = frozenset("""
hundred kindred sacred naked wicked rugged beloved talented gifted aged skilled limited united red bed shed
sled bred shred needed excited invited required scheduled expected supposed interested reserved booked
allowed included provided planned supervised packed based located dressed prepared advised reminded asked
encouraged permitted registered confirmed postponed cancelled canceled rescheduled moved changed switched
relocated delayed extended added announced organized organised arranged approved funded sponsored
signed selected chosen qualified heated covered guided ticketed licensed catered themed
""".split())
_PASSIVE_BEFORE = re.compile(r"\b(?:am|is|are|be|been|being|was|were|get|gets|getting|got|to|will|['’]re|['’]s|"
                             r"a|an|the|our|your|their|just\s+been|still|fully|newly|well)\s+$",
                             re.IGNORECASE)
_COMING = re.compile(
    r"\b(?:will|shall|['’]ll|gonna|going\s+to|tomorrow|tonight|next|upcoming|(?:are|is|am|be)\s+(?:at|off|headed|heading)|"
    r"we['’]re\s+(?:at|off|heading|headed)|head(?:s|ing|ed)?\s+(?:to|out|over)|leav(?:e|es|ing)|depart\w*|"
    r"meet(?:s|ing)?|arrive|see\s+you|join\s+us|don['’]t\s+forget|reminder|bring|pack)\b",
    re.IGNORECASE)


# The same in French: a passé composé ("ont patiné", "sommes allés", "a remporté"); "a lieu" (takes
# place) and a plan's participles ("sont invités", "est prévu") are not.
_FR_PAST = re.compile(r"\b(?:ont|avons|ai|a|avez|sont|sommes)\s+(?:(?:bien|tellement|beaucoup|vraiment|tous|toutes)\s+)?"
                      r"(?!lieu\b|pr[ée]vu|invit|attendu|convoqu|inscrit|pri[ée]s?\b|demand)"
                      r"[a-zà-ÿ]{2,}(?:é|ée|és|ées|i|is|ie|u|us|ue|it)\b", re.IGNORECASE)
_FR_COMING = re.compile(r"\b(?:vont|allons|irons|ira|iront|sera|seront|serons|demain|prochaine?|partons|partent|"
                        r"départ|depart|rendez-vous|rdv|apportez|n['’]oubliez)\b", re.IGNORECASE)


def past_recap(sentence: str) -> bool:
    """Is `sentence` told with a past-tense main verb (see above) and says nothing of what is coming?"""
    if _FR_PAST.search(sentence) and not _FR_COMING.search(sentence) and not _COMING.search(sentence):
        return True
    for m in _PAST_ED.finditer(sentence):
        word = m.group().lower()
        if m.group()[0].isupper() and sentence[:m.start()].strip(" \"'“‘(-—–*#🎉"):
            continue  # a capital past the start of the sentence: a name ("Red Deer", "Bedford")
        if m.group(2) and (word in _NOT_PAST_ED or _PASSIVE_BEFORE.search(sentence[max(0, m.start() - 20):m.start()])):
            continue
        return _COMING.search(sentence) is None
    return False


# A time that is the day of the post itself: told with a past-tense sentence after it, the visit is over.
SAME_DAY = re.compile(r"today|this\s+(?:morning|afternoon)|aujourd['’]hui|ce\s+matin|cet\s+apr[eè]s-midi",
                      re.IGNORECASE)
_FR_RECAP = re.compile(r"\b(?:ont|a|avons|ai|as|avez)\s+(?:tellement\s+|beaucoup\s+|vraiment\s+)?"
                       r"(?:ador[ée]|aim[ée]|vu|appris|visit[ée]|d[ée]couvert|pass[ée]|eu|rencontr[ée]|profit[ée])\b",
                       re.IGNORECASE)
_CAP_WORD = r"[A-ZÀ-Ý][\w'’\-]*\.?"
_CONNECT = r"(?:of|the|de|du|des|la|le|d['’]|and|&)"
PLACE_SEQ = re.compile(_CAP_WORD + r"(?:\s+(?:" + _CONNECT + r"\s+)*" + _CAP_WORD + r")*")
# Kinds of places people go to: a capitalised name holding one of these is a venue on its own.
VENUES = frozenset("""
centre center museum gallery theatre theater théâtre arena stadium library bibliothèque zoo aquarium
planetarium farm orchard marsh beach plage conservation camp hall auditorium gym gymnasium pool rink
complex fairgrounds station trailhead park parc gardens pavilion amphitheatre legislature observatory
lodge mall plaza market marché cinema cinéma collège college university université campus arboretum
sanctuary reserve fieldhouse fairground ymca ywca quarry speedway racetrack bowl centre-ville musée
salle aréna
""".split())
# Natural features and landmarks: a venue only when something moves toward them ("on Parliament Hill").
LANDMARKS = frozenset("hill falls bay lake island valley point mountain forest woods river creek trail ski "
                      "harbour harbor cove ridge peak glen".split())
NOT_PLACE_WORDS = frozenset(
    (_WEEKDAYS + "|january|february|march|april|may|june|july|august|september|october|november|december|"
     "today|tonight|tomorrow|grade|gr|room|period|team|mr|mrs|ms|dr|mme|mlle|coach|i|we|our|my").split("|"))


def _school_names(ctx: CheckContext) -> frozenset[str]:
    def build():
        names = set()
        for s in ctx.schools:
            for n in [s.name, s.code, *s.aliases]:
                if n:
                    names.add(" ".join(fold(n).split()))
        return frozenset(names)
    return ctx.cached("location_school_names", build)


# Places named after one of these words are where someone will be ("at the Kestrel Marsh"); "à"
# counts only before an article ("à la Bibliothèque"): "Bravo à Noémie" thanks a person.
_AT_WORDS = frozenset({"at", "au", "aux", "chez"})
_DESTINATION_WORDS = frozenset({"to", "for", "pour", "à"})
# "Congrats to Maya Chen", "thanks to the Lions Club": 'to' + a name that is not a destination.
_NOT_GOING = frozenset("congrats congratulations thanks thank shoutout shout-out out kudos bravo welcome "
                       "hats cheers goes went belongs credit".split())
# A sentence about going somewhere: the capitalised words after 'to'/'for'/':' are where.
TRIP_WORDS = re.compile(
    r"\b(?:trips?|excursion|outing|sortie|voyage|head(?:s|ing)?\s+to|off\s+to|going\s+to|"
    r"leav(?:e|es|ing)\s+for|travel(?:l?ing)?\s+to|depart(?:s|ing)?\s+for|bound\s+for|on\s+our\s+way\s+to|"
    r"en\s+route\s+to|part(?:ons|ent)\s+pour)\b",
    re.IGNORECASE)
_TOWARD_WORDS = frozenset({"at", "to", "on", "into", "onto", "au", "aux"})
_ARTICLES = frozenset({"the", "a", "an", "la", "le", "les", "l'", "l’"})


_POSSESSIVE = re.compile(r"['’]s$")


# A sentence about what a class studies ("Grade 10 is studying the civil rights movement — today:
# <a person> and the <theatre>"): a venue named there is a topic, not where anyone will be.
STUDY_FRAME = re.compile(
    r"\b(?:(?:is|are|am|we['’]re|they['’]re|been|will\s+be)\s+studying\s+(?!for\b|at\b|in\b|with\b)|"
    r"learn(?:ing|ed|t)?\s+about|read(?:ing)?\s+about|lessons?\s+(?:on|about)|units?\s+(?:on|about)|"
    r"today['’]?s\s+(?:topic|lesson|focus|figure)|case\s+stud(?:y|ies)\s+(?:on|of)|"
    r"(?:étudi|etudi)\w*\s+(?:l['’]histoire|la\s+vie|le\s+mouvement|la\s+guerre)|"
    r"(?:apprenn\w*|apprendre|découvr\w*|decouvr\w*)\s+(?:sur|l['’]histoire))",
    re.IGNORECASE)


# ... unless the sentence also takes the class there ("learning about bridges; tomorrow we visit the
# Science Centre").
VISIT_WORDS = re.compile(
    r"\b(?:visit\w*|tour\w*|go|goes|going|head\w*|trips?|excursion|bus(?:es)?|depart\w*|leav\w*|meet\w*|"
    r"arriv\w*|perform\w*|play\w*|compet\w*|sing\w*|walk\w*|drive|ride|see|seeing|attend\w*|"
    r"sortie|allons|allez|partons|rendez-vous|visite\w*)\b",
    re.IGNORECASE)


# A country, province or territory is a region named in passing ("le vote au Canada", "at Ontario's
# legislature" is a landmark by its own words): nobody can be found there.
REGIONS = frozenset([
    "canada", "ontario", "quebec", "manitoba", "saskatchewan", "alberta", "yukon", "nunavut", "labrador",
    "newfoundland", "nova scotia", "new brunswick", "nouveau-brunswick", "nouvelle-ecosse", "british columbia",
    "colombie-britannique", "prince edward island", "ile-du-prince-edouard", "terre-neuve",
    "northwest territories", "territoires du nord-ouest", "usa", "etats-unis", "united states", "america",
    "amerique", "france", "mexique", "mexico", "japon", "japan", "chine", "china", "inde", "india", "italie", "italy",
    "espagne", "spain", "allemagne", "germany", "haiti", "maroc", "morocco", "senegal", "liban", "lebanon",
    "belgique", "belgium", "suisse", "switzerland", "europe", "afrique", "africa", "asie", "asia"])
# A place named like a school ("at Bonnechere Valley CI this morning", "à l'École secondaire Grand-Lac"):
# students are at school every day, and the labels leave the school's own name out. It stays a place
# when the sentence takes a team or class there (a trip, an away game).
_SCHOOL_NAMED = re.compile(
    r"(?:\b(?:ci|cvi|ss|ps|dhs|chs|shs|hs|secondary|collegiate|collegiate institute|public school|"
    r"elementary|elementary school|high school|secondary school|middle school|catholic school|intermediate school|"
    r"junior high|catholic (?:high|secondary|elementary) school)$)|^(?:ecole|polyvalente|college|academie)\b")
_AWAY = re.compile(r"\b(?:vs\.?|versus|game|games|match|tournament|tourney|meet|playoffs?|finals?|semi-?finals?|"
                   r"away|hosts?|hosted by|bus(?:es)?|matchs?|partie|tournoi|rencontre|play|plays|playing|take on|"
                   r"takes on|faces?|compet\w*|visit|visits|visiting|jouent|jouera|affronte\w*)\b", re.IGNORECASE)


def _places(sentence: str, offset: int, schools: frozenset[str],
            people: tuple[tuple[int, int], ...] = ()) -> list[tuple[int, int, str]]:
    """(start, end, why) of named places in a sentence; offsets are the text's. `people` are spans
    (text offsets) of roster names: "Luna Hall" is a student, not a hall."""
    out = []
    going = TRIP_WORDS.search(sentence) is not None
    studied = STUDY_FRAME.search(sentence) is not None and VISIT_WORDS.search(sentence) is None
    for m in PLACE_SEQ.finditer(sentence):
        m_start, end = m.start(), m.end()
        before = sentence[max(0, m_start - 24):m_start].lower().split()
        w1 = before[-1] if before else ""
        w2 = before[-2] if len(before) > 1 else ""
        w3 = before[-3] if len(before) > 2 else ""
        if w1.endswith(("l'", "l’")) and len(w1) == 2 and w2 == "à":
            w1, w2 = "la", "à"
        article = w1 in _ARTICLES
        after_at = w1 in _AT_WORDS or (article and (w2 in _AT_WORDS or (w2 == "à" and w1 != "le")))
        toward = w1 in _TOWARD_WORDS or (article and (w2 in _TOWARD_WORDS or (w1 == "the" and w2 == "for")))
        if m.group().endswith(".") and sentence[end:end + 1].isalnum():  # "Jostens.com": a web address
            continue
        words = [_POSSESSIVE.sub("", w.strip(".").lower()) for w in m.group().split()]
        destination = going and (
            (w1 in _DESTINATION_WORDS and w2 not in _NOT_GOING)
            or (article and w2 in _DESTINATION_WORDS and w3 not in _NOT_GOING)
            or sentence[:m_start].rstrip().endswith(":"))
        venue = len(words) >= 2 and any(w in VENUES for w in words)
        landmark = toward and any(w in LANDMARKS for w in words)
        # "at the Gurdwara", "at the Museum": one word after an article is a kind of place, not a name.
        if after_at and article and len(words) < 2:
            after_at = False
        if not (after_at or venue or landmark or destination):
            continue
        if studied and not (after_at or destination or landmark):
            continue  # a venue as the topic of a lesson
        if w1 in _NOT_GOING or (article and w2 in _NOT_GOING):  # "congratulations to Jordan Hill"
            continue
        if any(s < offset + end and offset + m_start < e for s, e in people):
            continue
        if all(w in NOT_PLACE_WORDS or not w for w in words):
            continue
        folded = " ".join(fold(m.group()).replace(".", " ").split())
        if folded in schools or any(folded == f"{s} {w}" for s in schools for w in ("ss", "ps", "hs")):
            continue
        if folded in REGIONS:
            continue
        named = folded.split()
        while len(named) > 1 and named[-1] in NOT_PLACE_WORDS:  # "... CI Thursday": the day is not the name
            named.pop()
        if _SCHOOL_NAMED.search(" ".join(named)) and not (going or _AWAY.search(sentence)):
            continue
        if sentence[end - 1] == "." and len(words[-1]) > 3:  # a full stop, not "St." or "Mt."
            end -= 1
        if after_at and not _looks_like_person(m.group()):
            out.append((offset + m_start, offset + end, "named place after 'at'"))
        elif venue:
            out.append((offset + m_start, offset + end, "named venue"))
        elif landmark:
            out.append((offset + m_start, offset + end, "named landmark"))
        elif destination and not _looks_like_person(m.group()):
            out.append((offset + m_start, offset + end, "destination of a trip"))
    return out


def _looks_like_person(words: str) -> bool:
    first = words.split()[0].rstrip(".").lower()
    return first in ("mr", "mrs", "ms", "dr", "mme", "mlle", "coach", "m")


# Words that say the plan is about students (a class, a team, a trip), not a staff outing.
STUDENT_CUE = re.compile(
    r"\b(?:students?|kids|children|class(?:es)?|(?:gr(?:ade)?\.?\s*\d+|\d+(?:st|nd|rd|th)?\s+grade)\w*|"
    r"\d+(?:st|nd|rd|th)?\s*graders|graders|kindergarten|kindies|jk|sk|team|teams|players|athletes|club|"
    r"choir|band|cast|crew|squad|boys|girls|campers|runners|swimmers|skiers|skaters|dancers|debaters|"
    r"cross[- ]country|regionals|provincials|ofsaa|(?<!family\s)(?<!my\s)(?<!our\sfamily\s)trips?|excursion|"
    r"tournament|tryouts|practice|"
    r"rehearsal|recital|concert|qualifier|competition|science\s+fair|"
    r"élèves|eleves|classe|équipe|equipe|sortie)\b",
    re.IGNORECASE)


# A student word that puts no students anywhere: an offer or an open invitation ("kids' program
# included", "all students welcome"), someone else's group in the poster's own life ("my
# boyfriend's band"), or the adult idiom "girls' trip"/"girls' night". Such posts invite the public
# or tell of the poster's life; where students will be is not in them.
_NOT_PRESENT_AFTER = re.compile(
    r"(?:['’]s?|s['’])?\s+(?:programs?|programming|ministry|menu|zone|corner|area|activities|care|crafts?|games|"
    r"entertainment|"
    r"(?:are\s+|always\s+|also\s+)?welcome)\b", re.IGNORECASE)
_NOT_PRESENT_BEFORE = re.compile(r"\b(?:my|his|her|their)\s+\w+['’]s\s+$|\bback\s+to\s+$"
                                 r"|\b(?:bring|bringing|brings|bring\s+along|amenez|amène|amene|emmenez)\s+"
                                 r"(?:the|your|all\s+the|along\s+the|along\s+your|vos|les)?\s*$", re.IGNORECASE)
_ADULT_OUTING = re.compile(
    r"(?:^|[.!?]\s+|\b(?:a|my)\s+)(?:girls|boys|ladies)['’]?\s+(?:trip|night|weekend|getaway|day)\b",
    re.IGNORECASE)


# The poster's own family or holiday ("family trip", "the in-laws", "my husband", "our vacation",
# "ma famille"): then "the kids", "the boys" and "trip" are the poster's own, and only a word that
# can only mean students (a class, a grade, a team, "students") still places students.
_PERSONAL_LIFE = re.compile(
    r"\b(?:(?:my|our|the)\s+family|family\s+(?:\w+\s+)?(?:trip|vacation|holidays?|getaway|reunion|wedding|cottage|"
    r"cabin|visit|road\s*trip|christmas|cruise)|in-?laws?|in\s+laws|husband|wife|hubby|spouse|fianc[ée]e?|grandparents|grandma|grandpa|"
    r"my\s+(?:own\s+)?(?:kids|children|boys|girls|sons?|daughters?|parents|mom|dad|partner)|"
    r"(?:my|our)\s+(?:\w+\s+)?(?:holidays?|vacation|vacay|getaway|honeymoon|anniversary)|"
    r"famille|mes\s+enfants|mon\s+(?:mari|conjoint|chum)|ma\s+(?:femme|conjointe|blonde)|nos\s+vacances|"
    r"mes\s+vacances|beaux-parents)\b", re.IGNORECASE)
_FAMILY_WORDS = frozenset("kids children boys girls trip trips".split())


def about_students(text: str) -> bool:
    """Does a student word in `text` say that students are the ones going (see above)?"""
    idioms = [(m.start(), m.end()) for m in _ADULT_OUTING.finditer(text)]
    personal = _PERSONAL_LIFE.search(text) is not None
    for m in STUDENT_CUE.finditer(text):
        if any(s <= m.start() < e for s, e in idioms):
            continue
        if personal and m.group().lower() in _FAMILY_WORDS:
            continue
        if _NOT_PRESENT_AFTER.match(text, m.end()) or _NOT_PRESENT_BEFORE.search(text[max(0, m.start() - 40):m.start()]):
            continue
        return True
    return False


def whereabouts(text: str, schools: frozenset[str], people: tuple[tuple[int, int], ...] = ()
                ) -> Iterator[tuple[tuple[int, int], tuple[int, int], str]]:
    """((place start, end), (time start, end), why) for each sentence that puts people at a named
    place at a stated, coming time. A time stated in the sentence before counts too
    ("Trip tomorrow! We'll be at the Science Centre.")."""
    bounds = sentences(text)
    placed = [_places(text[start:end], start, schools, people) for start, end in bounds]
    if not any(placed):
        return
    prev_time = None
    for i, (start, end) in enumerate(bounds):
        places = placed[i]
        if not places and not (i + 1 < len(bounds) and placed[i + 1]):
            prev_time = None  # only a sentence with a place, or the one before it, needs its times
            continue
        sent = text[start:end]
        times = [(start + m.start(), start + m.end()) for m in TIME_ANCHOR.finditer(sent)]
        if PAST.search(sent) is not None or (
                # a day or date may be still to come ("raised $500 for Friday's trip"): only the
                # day of the post itself is told as done by any past-tense verb
                all(SAME_DAY.fullmatch(text[s:e]) for s, e in times) and past_recap(sent)):
            prev_time = None
            continue
        time = times[0] if times else prev_time
        if places and time and SAME_DAY.fullmatch(text[time[0]:time[1]]) and any(
                (PAST.search(text[s:e]) or _FR_RECAP.search(text[s:e]) or past_recap(text[s:e]))
                and not TIME_ANCHOR.search(text[s:e])
                for s, e in bounds[i + 1:]):
            # "Trip to the Museum today. The kids loved it": a same-day recap, the visit is told as done
            prev_time = None
            continue
        if places and time:
            p = places[0]
            yield (p[0], p[1]), time, p[2]
        prev_time = times[-1] if times else None


class StudentWhereabouts(Checker):
    """Where students will be at a stated time: a trip, game, pickup or event with a day, date or
    clock time and a named place ("buses leave Thursday at 8:15 for the Kestrel Marsh", "on
    Parliament Hill at 10 am"). A city or region named in passing, a visit told in the past tense
    (also a same-day recap: "trip to the Museum today. The kids loved it", "the team hiked the trail at
    ... Park today": any past-tense main verb, unless the sentence also tells what is coming), the
    poster's own family trip or holiday ("with my kids and the in-laws": the kids are the poster's),
    a place without a time, the school's own name (or any place named as a school, unless a team or
    class is taken there), a country or province, a venue that is the topic of a lesson ("learning
    about ... today: the Olympic Stadium") and an open invitation to bring one's own kids are not this
    rule."""

    id = "SM305"
    name = "student-whereabouts"
    category = "location"
    severity = "high"
    confidence = "medium"
    clause = CLAUSE
    examples = (
        Example(_post("Gr. 7s are off to Maple Ridge Ski Hill tomorrow! Bus departs 8:00."), True, "trip tomorrow"),
        Example(_post("Science fair qualifier on Sat., Apr. 18, 9 a.m., Riverside Community Centre."), True,
                "date, time and venue"),
        Example(_post("Class trip day is Friday! We'll be at the Grand River Conservation Area all day."), True,
                "time in the sentence before"),
        Example(_post("Demain, sortie au Musée des Beaux-Arts avec mes élèves!"), True, "French"),
        Example(_post("Last week's trip to the Riverside Science Centre was a huge hit!"), False, "past visit"),
        Example(_post("Grade 3 trip to the Springbank Science Centre today. The kids loved the planetarium!"), False,
                "a same-day recap"),
        Example(_post("Junior runners swam through the mud at Kinsmen Park this morning. Champions!"), False,
                "a same-day recap in an irregular past tense"),
        Example(_post("Our family road trip to Walt Disney World with the boys and grandma, back Monday!"), False,
                "the poster's own family trip"),
        Example(_post("All buses in the Kestrel Bay area are cancelled today."), False, "region in passing"),
        Example(_post("Join us at the mosque this Friday for prayers."), False, "no named place"),
        Example(_post("Our pen pals live in Yellowknife. Next week we mail our letters."), False, "city"),
        Example(_post("Worship with us Sunday at Cedar Lane Chapel, children's ministry for all ages!"), False,
                "open invitation: no students placed"),
        Example(_post("My sister's choir sings at the Lakeside Pavilion Friday, come out!"), False,
                "someone else's group in the poster's life"),
        Example(_post("Girls weekend in Kingston with my cousins, home Sunday"), False, "adult idiom"),
        Example(_post("Choir kids: we sing at the Lakeside Pavilion Friday at 6, arrive by 5:30!"), True,
                "students placed at a venue"),
        Example(_post("Potluck Sunday at Maple Grove Church, 11 am. Everyone welcome, bring the kids!"), False,
                "an open invitation: the audience's own kids"),
        Example(_post("Grade 9s are learning about Expo 67 — today: Jean Drapeau and the Olympic Stadium."), False,
                "a venue as the topic of a lesson"),
        Example(_post("Applications for the Ottawa Youth Forum trip are open to Gr 11/12. Due Nov 30."), False,
                "a grade range, not a date"),
        Example(_post("Assembly at Maple Hollow CI this morning, led by our student council."), False,
                "a school's own name"),
        Example(_post("Junior boys play at Maple Hollow CI Thursday at 4, bus leaves at 3:15."), True,
                "a team taken to another school"),
    )

    def check(self, item: dict, ctx: CheckContext):
        # A plain function, not a generator: most items return () after the gate, and the engine
        # calls every rule on every item.
        views = text_views(item, ctx)
        found = []
        for view in views:
            if not _may_be_whereabouts(view):
                continue
            people = tuple((m.start, m.end) for m in matcher(ctx).mentions(view.text, view.folded))
            for (ps, pe), (ts, te), why in whereabouts(view.text, _school_names(ctx), people):
                found.append((view, ps, pe, ts, te, why))
        if not found:
            return ()
        if not any(about_students(v.text) for v in views) and not _names_student(item, ctx):
            return ()
        findings = []
        for view, ps, pe, ts, te, why in found:
            text = view.text
            spans = [Span(view.field, ps, pe, text[ps:pe]), Span(view.field, ts, te, text[ts:te])]
            findings.append(self.finding(item, reason="says where students will be, and when", via=view.via,
                                         spans=spans, explanation={"place": why, "time": text[ts:te]}))
        return findings


_CLOCK = re.compile(r"\d(?::\d\d)?\s*[ap]\.?m|\d:\d\d|\d\s?h\b|\d/\d|\d{4}-\d\d-\d\d", re.IGNORECASE)


_AT_NAME = re.compile(r"\b(?:at|au|aux|chez|la)\s+(?:(?:the|a|an|la|le|les)\s+|l['’])?[A-ZÀ-Ý]", re.IGNORECASE)


def _may_be_whereabouts(view: TextView) -> bool:
    """A day, date or clock time, and a venue word or 'at' + a capital: without both, nothing to find."""
    t = view.triggers
    if not t & TIME and not (view.digits and _CLOCK.search(view.text)):
        return False
    if t & TRIP:
        return True
    if t & (VENUE | LANDMARK):
        # A venue is named with capitals ("Riverside Arena"); "the library" names no place. The
        # venue words are folded ("theatre"), so look in the text with its accents folded too.
        plain = view.plain
        if plain is None or any(w.capitalize() in plain or w.upper() in plain for w in view.places):
            return True
    return bool(t & AT) and any(m.group()[-1].isupper() for m in _AT_NAME.finditer(view.text))


def matcher(ctx: CheckContext):
    from auditor.checkers.student_name import matcher as roster_matcher

    return roster_matcher(ctx)


def _names_student(item: dict, ctx: CheckContext) -> bool:
    from auditor.checkers.student_name import item_mentions

    return next(item_mentions(item, ctx), None) is not None


CHECKERS = [PostGeotag, ImageGpsExif, StreetAddress, StudentWhereabouts]
