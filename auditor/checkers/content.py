"""Content rules judged from the lexicons: substances, explicit, political, religious, discriminatory.

What every lexicon-driven content rule (these and `personal_content`) shares: one scan of an
item's texts, judged per rule.

Why a shared scan: the content rules (substances, explicit, political, religious,
discriminatory, personal content) look at the same texts. Each text of an item goes through the
combined automaton of `auditor.lexicon` once; the hits are grouped by lexicon section and kept
for the item, and each rule then judges only its own sections. The scan covers every content
view (`auditor.items.content_views`) so endorsements are judged like the account's own words and
their findings carry `via`.
"""

from __future__ import annotations

from typing import ClassVar, Iterator

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.findings import CONFIDENCES, Finding, Span
from auditor.items import content_views, text_fields
from auditor.lexicon import Hit, Lexicon, Signal, judge, lexicon_for

CONTENT_TOPICS = ("substances", "explicit", "political", "religious", "discriminatory",
                  "personal_life", "personal_sales", "personal_pointer")
# The last item scanned, with its context: (item, ctx, scans, sections with hits). Every content
# rule of a scan asks about the same item in turn, so one slot is the whole cache; identity checks
# keep it right when several contexts or threads interleave (they then just scan again).
_LAST: tuple | None = None
_NOTHING: frozenset[str] = frozenset()
_NO_FINDINGS: tuple = ()
_VIA_WORDS = {"repost": "reposted", "quote": "quoted", "like": "liked"}


class TextScan:
    """One text of an item: where it sits, who said it, and the lexicon hits by section."""

    __slots__ = ("via", "field", "text", "by_section")

    def __init__(self, via: str | None, field: str, text: str, hits: list[Hit]):
        self.via = via
        self.field = field
        self.text = text
        self.by_section: dict[str, list[Hit]] = {}
        for h in hits:
            self.by_section.setdefault(h.section, []).append(h)


def item_text_fields(item: dict) -> list[tuple[str | None, str, str]]:
    """(via, field path, text) for every text a content rule reads.

    Posts and likes: the content views (own words, quoted, reposted, liked). Profiles: the
    display name, the bio and the links, which are the account's own words.
    """
    typ = item.get("type")
    if typ == "post" and not item.get("quoted") and not item.get("media"):
        text = item.get("text")  # the common case, without walking the views
        if not isinstance(text, str) or not text:
            return []
        return [("repost" if item.get("kind") == "repost" else None, "text", text)]
    out: list[tuple[str | None, str, str]] = []
    if typ == "profile":
        for key in ("name", "bio"):
            value = item.get(key)
            if isinstance(value, str) and value:
                out.append((None, key, value))
        links = item.get("links")
        for i, link in enumerate(links if isinstance(links, (list, tuple)) else ()):
            if isinstance(link, str) and link:
                out.append((None, f"links[{i}]", link))
        return out
    for view in content_views(item):
        for path, text in text_fields(view.post, view.path):
            out.append((view.via, path, text))
    return out


def content_lexicon(ctx: CheckContext) -> Lexicon:
    lex = ctx.memo.get("content_lexicon")
    if lex is None:
        lex = ctx.cached("content_lexicon", lambda: lexicon_for(ctx.policy, CONTENT_TOPICS))
    return lex


def scan_item(item: dict, ctx: CheckContext) -> list[TextScan]:
    """The item's texts scanned once per item, whichever content rule asks first."""
    last = _LAST
    if last is not None and last[0] is item and last[1] is ctx:
        return last[2]
    return _scan(item, ctx)[2]


def _scan(item: dict, ctx: CheckContext) -> tuple[dict, CheckContext, list[TextScan], frozenset[str]]:
    """Scan and remember (item, ctx, scans, lexicon sections with hits) as the last scan."""
    lex = ctx.memo.get("content_lexicon") or content_lexicon(ctx)
    scans = []
    get = item.get
    if get("type") == "post" and not get("quoted") and not get("media"):
        text = get("text")  # the common case, inlined: this runs for every post of a scan
        if type(text) is str and text:
            hits = lex.scan(text)
            if hits:
                scans.append(TextScan("repost" if get("kind") == "repost" else None, "text", text, hits))
    else:
        for via, path, text in item_text_fields(item):
            hits = lex.scan(text)
            if hits:
                scans.append(TextScan(via, path, text, hits))
    present = frozenset().union(*(s.by_section for s in scans)) if scans else _NOTHING
    global _LAST
    slot = _LAST = (item, ctx, scans, present)
    return slot


def content_may_find(item: dict, ctx: CheckContext) -> bool:
    """False when the item's texts hold nothing of any lexicon section: then every lexical rule's
    `check` returns nothing (the engine's gate for them; the scan is kept for the rules)."""
    slot = _LAST
    if slot is None or slot[0] is not item or slot[1] is not ctx:
        slot = _scan(item, ctx)
    return slot[3] is not _NOTHING


def lower_confidence(confidence: str, steps: int = 1) -> str:
    return CONFIDENCES[min(CONFIDENCES.index(confidence) + steps, len(CONFIDENCES) - 1)]


class LexicalChecker(Checker):
    """A content rule judged from lexicon sections; subclasses name their sections."""

    item_types: ClassVar[frozenset[str]] = frozenset({"post", "like", "profile"})
    sections: ClassVar[tuple[str, ...]] = ()
    # What the finding's reason says before the matched words.
    reason_prefix: ClassVar[str] = ""

    @classmethod
    def item_gate(cls):
        """`content_may_find`, which answers for `LexicalChecker.check`; a subclass with a `check`
        of its own is always called."""
        return content_may_find if cls.check is LexicalChecker.check else None

    def signals(self, scan: TextScan, ctx: CheckContext, vetoed: bool = False) -> Iterator[Signal]:
        """This rule's signals in one text; with `vetoed`, also those a context word cancelled."""
        lex = content_lexicon(ctx)
        for key in self.sections:
            hits = scan.by_section.get(key)
            if not hits:
                continue
            sig = judge(lex.sections[key], hits, scan.text)
            if sig is not None and (vetoed or not sig.vetoed):
                yield sig

    def explain(self, item: dict, ctx: CheckContext) -> list[dict]:
        """Every signal of this rule in the item, vetoed ones included, as Presidio-style
        explanations: which lexicon entry matched and which context word vetoed or lowered it.
        For a reviewer asking "why (not)?"; `check` reports only what was not vetoed."""
        out = []
        for scan in scan_item(item, ctx):
            for sig in self.signals(scan, ctx, vetoed=True):
                out.append({"rule": self.rule(), "field": scan.field, "via": scan.via,
                            "fired": not sig.vetoed and self.accept(sig, scan, item, ctx) is not None,
                            **sig.explanation()})
        return out

    def accept(self, sig: Signal, scan: TextScan, item: dict, ctx: CheckContext) -> list[Span] | None:
        """A last say for rules that need more than words (registered accounts, ...): None rejects
        the signal, a list adds evidence spans."""
        return []

    def check(self, item: dict, ctx: CheckContext) -> list[Finding] | tuple:
        slot = _LAST
        if slot is None or slot[0] is not item or slot[1] is not ctx:
            slot = _scan(item, ctx)
        present = slot[3]
        if present is _NOTHING or present.isdisjoint(self.sections):
            return _NO_FINDINGS  # the common case: nothing of this rule's lexicons in the item
        scans = slot[2]
        by_via: dict[str | None, list[tuple[TextScan, Signal, list[Span]]]] = {}
        for scan in scans:
            for sig in self.signals(scan, ctx):
                extra = self.accept(sig, scan, item, ctx)
                if extra is not None:
                    by_via.setdefault(scan.via, []).append((scan, sig, extra))
        return [self._finding(item, via, found) for via, found in by_via.items()]

    def _finding(self, item: dict, via: str | None,
                 found: list[tuple[TextScan, Signal, list[Span]]]) -> Finding:
        spans: list[Span] = []
        confidence = "low"
        details = []
        context: list[str] = []
        for scan, sig, extra in found:
            # Evidence (and so the fingerprint) is the words that break the rule; the context that
            # made them count (cues) is explanation, so a lexicon edit does not reopen a finding.
            field, text = scan.field, scan.text
            spans.extend(Span(field, h.start, h.end, text[h.start:h.end]) for h in sig.terms)
            spans.extend(extra)
            # A strong entry, or a weak one with a real cue, carries the rule's confidence; weak
            # entries that only had each other or minor cues one step less.
            conf = self.confidence if sig.strong or sig.cued else lower_confidence(self.confidence)
            if sig.lowered_by:
                conf = lower_confidence(conf)
            if CONFIDENCES.index(conf) < CONFIDENCES.index(confidence):
                confidence = conf
            if not sig.strong:
                context.extend(text[h.start:h.end].strip() for h in sorted(sig.cues))
            detail = {"field": scan.field, **sig.explanation()}
            if sig.cues:
                detail["cue_spans"] = [{"start": h.start, "end": h.end, "text": scan.text[h.start:h.end]}
                                       for h in sorted(sig.cues)]
            details.append(detail)
        if len(spans) > 1:
            spans = _outermost(spans)
        uniq = list(dict.fromkeys(s.text.strip() for s in spans))
        endorsed = f" ({_VIA_WORDS[via]} content)" if via else ""
        reason = f"{self.reason_prefix}{endorsed}: " + ", ".join(repr(w) for w in uniq[:6])
        if context:  # the words that made weak ones count, so a reviewer sees why
            reason += " (with " + ", ".join(repr(w) for w in list(dict.fromkeys(context))[:4]) + ")"
        # `key`: the same words said and endorsed in one item are two findings, not one.
        return self.finding(item, reason=reason, spans=spans, via=via, confidence=confidence,
                            explanation={"signals": details}, key=f"via:{via}" if via else "")


def _outermost(spans: list[Span]) -> list[Span]:
    """Drop spans inside a longer span of the same field ("God" inside "God is good")."""
    spans = sorted(set(spans), key=lambda s: (s.field, s.start, -s.end))
    out: list[Span] = []
    for s in spans:
        if out and out[-1].field == s.field and out[-1].start <= s.start and s.end <= out[-1].end:
            continue
        out.append(s)
    return out


# --- the rules ------------------------------------------------------------------------------

CLAUSE_PERSONAL = "§2 Personal vs. professional"
CLAUSE_BOUNDARIES = "§3 Professional boundaries with students"


def _post(text: str, **extra) -> dict:
    return {"type": "post", "platform": "x", "account": "MsExample", "id": "ex", "kind": "original",
            "text": text, **extra}


def _like(text: str) -> dict:
    return {"type": "like", "platform": "bluesky", "account": "msexample.bsky.social", "id": "ex",
            "post": {"text": text, "author": {"handle": "someone.bsky.social"}}}


class Substances(LexicalChecker):
    """Alcohol, cannabis or other drugs, tobacco or vaping shown or promoted as enjoyment.

    The procedure forbids content promoting alcohol, drug or tobacco use on professional accounts.
    Drinks, brands and emoji (🍷 🍺 🥂 🚬) fire, in English and French (a 5 à 7, une brosse, mal de
    bloc); context words of a health or prevention lesson, a history unit, an assembly, a science
    lab or an alcohol-free drink veto the rule ("Santé!" is a toast, not a health class; Dry January
    vetoes only when someone is doing it; finishing a unit of some other subject does not). Wine,
    beer, spirits, vapes and dip by brand fire (Kim Crawford, Skoal, a tin of Copenhagen, a new
    disposable with its flavour). Words that are also ordinary ("drinks", "weed", "joint",
    "caribou", "Fireball", "disposable") need an enjoyment cue or the drink they come in; the Keg
    steakhouse and woodworking joints are not drinks or drugs (drinks at the Keg are). Breweries,
    distilleries and cideries count by name ("Lakeview Brewing") and drinks by strength ("a 6.5% IPA"),
    and a drink said as the form of a science joke ("in margarita form") outweighs the chemistry
    words; a class that looked at what is in a vape is a lesson. Other drugs count by their slang (a
    line or a bump, molly, acid, shrooms), cigarettes by brand or as "a smoke", beer as "a few cold
    ones"; a still life of bottles, a biology class on receptors and Daphne du Maurier do not.
    """

    id = "SM201"
    name = "substances"
    category = "substances"
    severity = "high"
    confidence = "high"
    clause = CLAUSE_PERSONAL
    sections = ("substances.alcohol", "substances.cannabis", "substances.tobacco")
    reason_prefix = "Alcohol, drugs or tobacco shown as enjoyment"
    examples = (
        Example(_post("Report cards done. Time for a cold one 🍺"), True),
        Example(_post("Friday patio with the department, first pitcher of sangria is on me!"), True),
        Example(_like("Happy 4/20 to all who celebrate 🌿"), True, "an endorsement"),
        Example(_post("Gr. 9 health: the real risks of vaping, and where to get help to quit."), False),
        Example(_post("History unit: Prohibition and the rum-runners of the Great Lakes."), False),
        Example(_post("Root beer floats for the class party! 🥤"), False),
        Example(_post("Mal de bloc ce matin, notre 5 à 7 de fin d'étape a fini tard"), True, "Québec French"),
        Example(_post("Grade 6 science: the caribou herd migrates north each spring."), False),
        Example(_post("The edibles finally kicked in, this movie is amazing"), True),
        Example(_post("Thanks to Constable Roy for the cannabis presentation to our grade 10s"), False),
        Example(_post("Wrapped up the fractions unit. A box of wine and zero marking tonight"), True,
                "a unit of another subject is not a lesson about drinking"),
        Example(_post("Woodworking club cut dovetail joints for their keepsake boxes"), False),
        Example(_post("Snuck out for a smoke between report cards, first one in weeks"), True),
        Example(_post("Biology 12: how nicotine acts on receptors in the brain"), False),
        Example(_post("Just tried the new 6.5% hazy IPA from Lakeview Brewing 🍻"), True, "a brewery by name"),
        Example(_post("Field trip to the Distillery District market with the Grade 5s"), False),
    )


class Explicit(LexicalChecker):
    """Sexual content, and profanity including masked (f***, a**hole) and leetspeak (sh1t) spellings.

    Profanity also counts as acronyms (FFS, STFU), Québec sacres and French vulgarity (p*te,
    bordel), and spelled out or masked with dashes (F-U-C-K, motherf---ing, sh_t); sexual content
    also when described (smut, sex scenes, a "spicy" book) or implied (a quickie, someone done on a
    desk, nothing on but an apron, performance in bed; bondage props or "X me any day" with a
    flirting emoji; a stock double entendre, "long and hard", "like I like my men", "minds out of
    the gutter", "not the only thing getting ... tonight", a creaking headboard, "gets me going",
    with such an emoji; sex toys and novelty bedroom gifts, edible underwear, fuzzy handcuffs).
    Clinical and educational words (puberty, consent, sexual health) veto the sexual signals; mild
    words such as "darn" or "heck" are not in the lexicon.
    """

    id = "SM202"
    name = "explicit"
    category = "explicit"
    severity = "high"
    confidence = "high"
    clause = CLAUSE_PERSONAL
    sections = ("explicit.profanity", "explicit.sexual")
    reason_prefix = "Profanity or sexual content"
    examples = (
        Example(_post("The wifi is down again, what the f*ck"), True),
        Example(_post("This sh1t is hilarious"), True),
        Example(_post("Spicy new pics up, link in bio 😏 #nsfw"), True),
        Example(_post("Darn it, the projector died again"), False),
        Example(_post("Grade 7 health: puberty, consent and healthy relationships start next week."), False),
        Example(_post("Sorting shiitake mushrooms in foods class"), False),
        Example(_post("Quel bordel ce matin, j'en ai plein le cul"), True, "French vulgarity"),
        Example(_post("This month's book club pick is pure smut and I'm here for it"), True),
        Example(_post("Le cul-de-sac derrière l'école sera fermé lundi pour les travaux"), False),
        Example(_post("F-U-C-K this printer, third jam today"), True, "spelled out"),
        Example(_post("Sneaking in a lunchtime quickie before the bell 😏"), True, "innuendo"),
        Example(_post("Quickie reminder: permission forms are due Friday"), False),
        Example(_post("I like my coffee like I like my men: long and hard 😏"), True, "double entendre"),
        Example(_post("Our team worked long and hard on this mural"), False),
        Example(_post("Staff gift exchange: edible underwear and fuzzy handcuffs 😈"), True, "novelty sex gifts"),
        Example(_post("New headboard and duvet for the guest room, ready for the in-laws"), False),
    )


class Political(LexicalChecker):
    """Promoting a party, candidate or partisan position, or asking people to vote for one.

    Canadian federal, provincial and territorial parties (English and French names), their leaders
    and premiers, and US parties and figures are known out of the box; a board adds local parties
    and candidates in the policy file's `[lexicons.political.*]`. Naming a party is civics; backing
    or attacking it is not: "vote", "support", a #Vote hashtag, "re-elect", "Vote <Name>", praise
    or contempt ("the only party", "the only premier who cares", "too scared to", "send him packing",
    "hold them to their promises", "a raison", "une honte", "n'a pas le courage"), cheering a party on
    at home or in an election abroad ("rooting for", "fingers crossed", "allez les démocrates"), a
    campaign hashtag (#Pierre4PM, #TeamCarney), a party colour on the ballot, or a side taken on
    sovereignty or a referendum. Campaign work of every kind counts too: knocking doors, signing
    nomination papers, phone banking, a campaign office, money asked for a party ("chip in $5 before
    midnight", "faites un don au parti"), a slate in a board race, glad or sorry about an election
    result, a party judged by its stance on a bill ("any party that supports it doesn't deserve my
    vote"), "Go <party>!", "Vive le Bloc", a vote announced or urged ("voted Liberal", "votons NPD"),
    a warning ("don't be fooled again", "faites-vous pas avoir") and a referendum side ("non au
    référendum"). So do a party to be put out ("get the Liberals out", "turf the UCP", "the PCs are
    toast"), a party implied rather than named ("you know which party to vote against", "only one
    party on the ballot"), a vote for a named candidate announced or regretted ("should've voted Jane
    Doe") and time given to a candidate's campaign ("spent every Saturday on her campaign"). So do a
    representative lobbied with a demand ("email your MPP and tell them to vote no", "écrivez à votre
    député pour exiger ..."), a vote withheld ("doesn't deserve your vote", "won't get my vote") and
    a party accused of a power grab or of wanting to ban books.
    Mock elections, Student Vote, nonpartisan voter information and get-out-the-vote for any party
    alike ("whether you vote Liberal or NDP"), legislature visits and history lessons veto.
    """

    id = "SM203"
    name = "political"
    category = "political"
    severity = "medium"
    confidence = "medium"
    clause = CLAUSE_PERSONAL
    sections = ("political.party", "political.campaign")
    reason_prefix = "Promotes a party, candidate or partisan position"
    examples = (
        Example(_post("Proud to support the Conservatives this fall, vote blue! #VoteCPC"), True),
        Example(_post("Vote Alex Martin for school trustee on Monday!"), True),
        Example(_post("Votez pour le NPD le 20 octobre!"), True),
        Example(_post("Our MP (Conservative) has done nothing for our schools. Time to send him packing."), True,
                "contempt for a party is partisan"),
        Example(_post("Un référendum maintenant! Oui à l'indépendance avec le PQ ⚜️"), True, "a side on sovereignty"),
        Example(_post("Rooting for the Democrats tonight from up here, fingers crossed 🤞"), True,
                "cheering a party in an election abroad"),
        Example(_post("Hot take: the Liberals are too scared to touch class sizes."), True, "a stance with a jab at a party"),
        Example(_post("#Pierre4PM 🇨🇦"), True, "a leader's campaign hashtag"),
        Example(_post("Spent Saturday knocking doors for our NDP candidate. Chip in $10 before midnight!"), True,
                "campaign work and money for a party"),
        Example(_post("Non au référendum! Faites-vous pas avoir par le PQ."), True, "a referendum side and a warning"),
        Example(_post("Gr. 5 ran a Student Vote mock election: the Green Party won in our class!"), False),
        Example(_post("Civics: how a bill becomes law, then we visited the legislature."), False),
        Example(_post("Election day is Monday. Eligible voters can find where to vote online."), False),
        Example(_post("Grade 11 history studied the 1995 Quebec referendum and the Clarity Act."), False),
        Example(_post("Knocking on doors for the food drive with student council; chip in $5 for Ms. Lee's gift!"), False,
                "door-to-door for a charity, money for a colleague"),
        Example(_post("Class sizes matter. You all know which party to vote against this fall 😉"), True,
                "a party implied, not named"),
        Example(_post("The only fix for rural schools is getting the Sask Party out."), True, "a party to be put out"),
        Example(_post("Bill 98 is a PC power grab. Email your MPP and tell them to vote no."), True,
                "a party attacked and a representative lobbied"),
        Example(_post("Grade 5 wrote letters to their MPP about the new park for our civics unit."), False),
        Example(_post("The grade 8s voted Sarah Jones as their team captain. Get the kids out the door by 8:15!"), False,
                "a team vote, not an election"),
    )


class Religious(LexicalChecker):
    """Promoting a faith or practice, inviting to worship, or proselytising.

    Devotional statements ("Jesus loves you", a Bible verse cited or quoted in English or French,
    "the one true path", "Jésus est le chemin", prayer or a sacrament as a remedy, asking a saint to
    intercede, prayer back in schools, scripture offered free or as the answer, exclusivism such as
    "only Christ saves" or other faiths called false gods) fire; so does a practice urged on the
    reader ("go to confession", "light the Shabbat candles", "allez à la messe"), a call to come back
    or convert ("come back to the Church", "revenez à Dieu"), a practice made a duty for a faith
    group ("every Catholic family should be at Mass"), a faith's parents told what to forbid,
    creation said to prove a Creator, and students or parents addressed about a youth group or
    Bible study; scripture copies offered ("free copy", "copies available"), praise nights and
    refuge ceremonies count as invitations; faith words of every tradition (church,
    mass, Shabbat, Jummah, gurdwara, satsang, puja, retreat, confession; French prière, messe, le
    Christ, Évangile) fire with an invitation or an enrolment ("join us", "everyone welcome",
    "venez", "inscrivez-vous", "come with me", "I can sign you up") or a recommendation ("give it a
    try", "you won't regret it", "your soul will thank you");
    God named together with an address to the reader, a testimony or a claim about everything
    ("you", "my", "nothing", "He") fires unless it is an exclamation ("oh my god").
    A congregation by its name ("Grace Fellowship", "Living Word Ministries") counts as a faith word;
    a chant or mantra recommended as a daily habit ("five minutes a day", "it transformed my
    practice"), scripture handed to students ("every student gets a New Testament") and Christ's
    sacrifice told as fact ("so they understand what He did for us") fire.
    Inclusive holiday greetings are not signals (they lower confidence when they come with one),
    and world-religions lessons and visits veto, as do school concerts, ceremonies and food drives
    held in a place of worship.
    """

    id = "SM204"
    name = "religious"
    category = "religious"
    severity = "medium"
    confidence = "medium"
    clause = CLAUSE_PERSONAL
    sections = ("religious.devotion", "religious.deity")
    reason_prefix = "Promotes a faith or invites to worship"
    examples = (
        Example(_post("Students, come join us at the temple for puja this Saturday, all are welcome!"), True),
        Example(_post("God is good! Pray every morning, kids 🙏"), True),
        Example(_post("Psalm 23:1 for my Grade 6s this morning."), True),
        Example(_post("Eid Mubarak and Happy Diwali to all our families celebrating!"), False),
        Example(_post("Grade 11 World Religions visited a synagogue and a mosque today."), False),
        Example(_post("Oh my god, this experiment worked on the first try"), False),
        Example(_post("Whatever you face this week, God walks beside you."), True, "God named with an address"),
        Example(_post("God, this week was long. Thank goodness for the long weekend"), False),
        Example(_post("The rosary is the best remedy for anxiety. Ask Mary to intercede for you 📿"), True,
                "prayer as a remedy, intercession"),
        Example(_post("Ramenons la prière dans nos écoles!"), True, "prayer in schools advocacy"),
        Example(_post("Join us Saturday at St. Luke's Church for the community food drive!"), False),
        Example(_post("Go to confession this Lent. Best thing you'll ever do for your soul."), True,
                "a sacrament urged on the reader"),
        Example(_post("Car Dieu a tant aimé le monde qu'il a donné son Fils unique."), True, "scripture quoted in French"),
        Example(_post("Jesus alone saves. Every other religion is a lie."), True, "exclusivism"),
        Example(_post("Confession: I ate the last donut in the staff room 🍩"), False, "an admission, not the sacrament"),
        Example(_post("It's never too late: come back to the Lord this Easter."), True, "a call to return to a faith"),
        Example(_post("Every Muslim family should be praying together five times a day."), True,
                "a practice made a duty for a faith group"),
        Example(_post("Grade 12 Philosophy debated whether intelligent design is science."), False,
                "creationism discussed in a class"),
        Example(_post("Handing out free Bibles to every student in my homeroom this week."), True,
                "scripture handed to students"),
        Example(_post("Chant Om Mani Padme Hum ten minutes a day. It changed my life 🙏"), True,
                "a mantra recommended as a daily habit"),
        Example(_post("Research Fellowship applications are due Friday, everyone's welcome to apply."), False,
                "an academic fellowship, not a congregation"),
    )


class Discriminatory(LexicalChecker):
    """Demeaning a group by a Human Rights Code ground (sex, race, creed, disability, ...).

    A group word fires only with a demeaning generalisation close by ("can't", "shouldn't",
    "naturally better", "don't belong", "nosy", "hypocrites") or two sneering markers ("always",
    "🙄"); slurs and phrases such as "like a girl" fire alone. A group is named many ways: a people
    or creed ("Muslims"), a role with a ground ("female referees", "Tamil drivers"), people marked
    by one ("anyone with a hearing aid") or hinted at ("certain communities"); insinuation
    ("connect the dots", "do your own research") counts as the generalisation, because a dog
    whistle leaves the claim for the reader to finish; so does a mocking tone (laughing emoji,
    "lol", "bless their") beside a group marked by origin, creed, identity or disability, but not
    beside "girls" or "boys", which staff write about fondly with the same emoji. Lessons against discrimination (human
    rights, anti-bullying, history, stereotypes) veto, unless the lesson word is itself sneered at
    ("inclusion nonsense").
    """

    id = "SM205"
    name = "discriminatory"
    category = "discriminatory"
    severity = "high"
    confidence = "medium"
    clause = CLAUSE_BOUNDARIES
    sections = ("discriminatory.generalisation",)
    reason_prefix = "Demeans a group protected by the Human Rights Code"
    examples = (
        Example(_post("Immigrants just don't belong in our schools."), True),
        Example(_post("Stop crying and man up, boys"), True),
        Example(_post("Girls can't do physics, sorry."), True),
        Example(_post("Female referees are clueless about hockey."), True),
        Example(_post("Test scores dipped the year the refugee families arrived. Connect the dots."), True),
        Example(_post("Newcomer families: ESL registration is open at the board office this week."), False),
        Example(_post("Our female referees clinic runs Saturday, register at the office."), False),
        Example(_post("Sikh kid showed up with his kirpan again, good luck to the metal detector lol"), True),
        Example(_post("The girls laughed through the whole camp skit 😂"), False),
        Example(_post("Pink Shirt Day: we stand together against bullying and homophobia."), False),
        Example(_post("Our senior girls basketball team can't wait for Saturday!"), False),
        Example(_post("History: how racist laws like the Chinese Head Tax were fought and repealed."), False),
    )


CHECKERS = [Substances, Explicit, Political, Religious, Discriminatory]
