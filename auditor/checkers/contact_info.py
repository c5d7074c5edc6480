"""SM311/SM312: personal phone numbers and personal e-mail addresses on a professional account.

The procedure steers contact with students and families onto board channels (§3: texting
students from a personal phone is discouraged; §4: staff information is confidential). A board
address or a school's office line is fine; what is flagged is a private channel.

Whether a phone number is personal is decided by the words around it, not by the number: "text",
"cell", "call me", WhatsApp or Signal make it personal; an extension, a toll-free prefix, or
"office"/"reception" nearby make it an organisation's line. With neither, a number on a school or
department account is taken to be the school's line, and on a teacher's own account to be theirs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from auditor.checkers.base import CheckContext, Checker, Example
from auditor.checkers.privacy_texts import AT, TextView, text_views
from auditor.findings import Span
from auditor.registry import Account

CLAUSE = "§3 Professional boundaries with students"

_SEP = r"[ \t.\-\u2010-\u2013]"
PHONE = re.compile(
    r"(?<![\w+.\-/$])"
    r"(?P<country>\+\s?1" + _SEP + r"?|1" + _SEP + r")?"
    r"(?:\(\s?(?P<area_p>[2-9]\d{2})\s?\)\s?|(?P<area>[2-9]\d{2})(?P<s1>" + _SEP + r"))"
    r"(?P<exchange>[2-9]\d{2})" + _SEP + r"?" +
    r"(?P<line>\d{4})(?![\w\-]|\.\d)"
)
# Ten digits in a row are a phone number only with a word that says so ("cell 9055550172").
PHONE_RUN = re.compile(r"(?<![\w+.\-/$])(?:\+?1)?[2-9]\d{2}[2-9]\d{6}(?![\w\-]|\.\d)")
TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
EXTENSION = re.compile(r"^\s*(?:,\s*)?(?:ext\.?|extension|x|poste)\s*\d", re.IGNORECASE)
PERSONAL_CUE = re.compile(
    r"\b(?:cell(?:phone)?|cel|mobile|portable|text(?:ing)?|txt|sms|whats\s?app|signal|telegram|"
    r"personal|private|home|my\s+(?:number|phone|line)|call\s+me|reach\s+me|ping\s+me|me\s+at|me\s+on)\b",
    re.IGNORECASE)
# An office, or an organisation named by what it is ("call the Distress Centre at ...").
ORG_CUE = re.compile(
    r"\b(?:office|main\s+(?:line|number)|reception|front\s+desk|switchboard|help\s?line|hotline|"
    r"toll[-\s]?free|attendance|fax|bureau|secr[ée]tariat|school|centre|center|clinic|hospital|"
    r"library|society|association|foundation|services|council|police|ministry|agency|crisis|distress|"
    r"absences?|absent|safe\s+arrival|info(?:rmation)?\s+line|registration)\b",
    re.IGNORECASE)
CUE_WINDOW_BEFORE = 40
CUE_WINDOW_AFTER = 16

EMAIL = re.compile(r"(?<![\w.+\-@])[A-Za-z0-9][A-Za-z0-9._%+\-]*@(?P<domain>[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})")
# "name [at] example [dot] com", "name (at) example.com", "name at example dot com". A bare " at "
# needs a spelled-out " dot " too: "look at example.com" is a web address, not a mailbox.
_TLD = r"(?:com|ca|net|org|edu|me|io|co|info|us)\b"
_BR_AT = r"\s*[\[({<]\s*at\s*[\])}>]\s*"
_BR_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\.)"
_WORD_DOT = r"\s+dot\s+"
_DOT = r"(?:\s*[\[({<]\s*dot\s*[\])}>]\s*|\s+dot\s+|\.)"
_LOCAL = r"(?<![\w.@])(?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]*)"
OBFUSCATED_EMAIL = re.compile(
    _LOCAL + r"(?:" + _BR_AT + r"(?P<domain>[A-Za-z0-9\-]+(?:" + _BR_DOT + r"[A-Za-z0-9\-]+)*" + _BR_DOT + _TLD + r")"
    r"|\s+at\s+(?P<domain2>[A-Za-z0-9\-]+(?:" + _WORD_DOT + r"[A-Za-z0-9\-]+)*" + _WORD_DOT + _TLD + r"))",
    re.IGNORECASE)
_CLOSING_BRACKET = re.compile(r"[\])}>]")
ROLE_MAILBOXES = frozenset({"info", "contact", "office", "admin", "hello", "support", "help", "inquiries",
                            "enquiries", "media", "press", "noreply", "no-reply", "webmaster"})


def _is_official_account(item: dict, ctx: CheckContext) -> bool:
    acct: Account | None = ctx.account(item.get("platform", ""), item.get("account", ""))
    return acct is not None and acct.kind in ("school", "department")


def phone_numbers(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, area code) of every North American number written as a phone number."""
    for m in PHONE.finditer(text):
        # A second separator must match the first ("905-555-0123", not "905 555-0123"? both fine),
        # but a digit group glued to a decimal point is a quantity, not a number.
        yield m.start(), m.end(), m.group("area_p") or m.group("area")
    for m in PHONE_RUN.finditer(text):
        digits = m.group().lstrip("+")
        if len(digits) == 11:
            digits = digits[1:]
        before = text[max(0, m.start() - CUE_WINDOW_BEFORE):m.start()]
        if PERSONAL_CUE.search(before) or re.search(r"\b(?:phone|tel|call)\b", before, re.IGNORECASE):
            yield m.start(), m.end(), digits[:3]


def judge_phone(text: str, start: int, end: int, area: str) -> tuple[str, str]:
    """('personal'|'organisation'|'unknown', why)."""
    if area in TOLL_FREE:
        return "organisation", "toll-free number"
    if EXTENSION.match(text[end:end + 16]):
        return "organisation", "number with an extension"
    before = text[max(0, start - CUE_WINDOW_BEFORE):start]
    cues = [(m.end(), "personal", m.group()) for m in PERSONAL_CUE.finditer(before)]
    cues += [(m.end(), "organisation", m.group()) for m in ORG_CUE.finditer(before)]
    if cues:
        _, kind, word = max(cues)
        return kind, f"'{word.lower()}' before the number"
    after = text[end:end + CUE_WINDOW_AFTER]
    m = PERSONAL_CUE.search(after)
    if m:
        return "personal", f"'{m.group().lower()}' after the number"
    if ORG_CUE.search(after):
        return "organisation", "an office named after the number"
    return "unknown", "no word says whose number it is"


def _post(text: str, **extra) -> dict:
    return {"type": "post", "platform": "x", "account": "MsLeeGr4", "id": "ex", "kind": "original",
            "text": text, **extra}


def _example_context() -> CheckContext:
    from auditor.registry import Account
    return CheckContext(accounts=[
        Account("x", "MsLeeGr4", "classroom", "SCH", "Ada Lee", "a.lee@board.example"),
        Account("x", "CentralSS", "school", "SCH", "Bo Ray", "b.ray@board.example"),
    ])


class PersonalPhone(Checker):
    """A personal phone number: North American formats ((905) 555-0123, 905.555.0123, +1 905 555 0123,
    905 555 0123) with a word that makes it the staff member's own line (text, cell, call me,
    WhatsApp), or with no such word on a teacher's own account. Office lines are fine: a toll-free
    number, a number with an extension, or one introduced as an office, reception or help line;
    on a school or department account a number with no personal word is the school's line."""

    id = "SM311"
    name = "personal-phone"
    category = "contact-info"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE
    item_types: ClassVar = frozenset({"post", "like", "profile"})
    example_context: ClassVar = staticmethod(_example_context)
    examples = (
        Example(_post("Questions about the trip? Text me at 905-555-0172 tonight."), True, "text me"),
        Example(_post("Call my cell, (289) 555-0117, if the bus is late"), True, "cell, parentheses"),
        Example(_post("Reach me on WhatsApp: +1 905 555 0186"), True, "country code, spaces"),
        Example(_post("Sponsors can reach our mentor at 905.555.0163 (cell)"), True, "cue after, dots"),
        Example(_post("Kids Help Phone: call 1-800-668-6868 any time"), False, "toll-free"),
        Example(_post("Questions? Call the main office at 905-555-0100."), False, "office line"),
        Example(_post("Guidance: 905-555-0102 ext. 2204"), False, "extension"),
        Example(_post("Pi to ten places: 3.14159 26535 89793"), False, "digits, not a number"),
        Example({"type": "profile", "platform": "x", "account": "CentralSS", "id": "ex",
                 "name": "Central SS", "bio": "Official account · 905-555-0100"}, False,
                "school account's own line"),
    )

    def check(self, item: dict, ctx: CheckContext):
        if item.get("type") not in self.item_types:  # a followed account's bio is not the account's
            return ()
        # Every North American number has ten digits; without such a text, no generator is made.
        views = [view for view in text_views(item, ctx) if view.digits >= 10]
        return self._phones(item, ctx, views) if views else ()

    def _phones(self, item: dict, ctx: CheckContext, views: list[TextView]):
        official = None
        for view in views:
            field, text, via = view.field, view.text, view.via
            for start, end, area in phone_numbers(text):
                kind, why = judge_phone(text, start, end, area)
                if kind == "organisation":
                    continue
                confidence = "high"
                if kind == "unknown":
                    if official is None:
                        official = _is_official_account(item, ctx)
                    if official:
                        continue
                    confidence = "medium"
                yield self.finding(
                    item, reason="personal phone number on a professional account", via=via,
                    spans=[Span(field, start, end, text[start:end])], confidence=confidence,
                    explanation={"why": why},
                )


def _may_spell_out(view: TextView) -> bool:
    """A spelled-out address has " dot " or a bracketed "at": both leave " at "/" dot " folded."""
    return " dot " in view.folded or bool(view.triggers & AT and _CLOSING_BRACKET.search(view.text))


def _email_example_context() -> CheckContext:
    ctx = _example_context()
    ctx.options["board_domains"] = ["schools.board.example"]
    return ctx


class PersonalEmail(Checker):
    """A personal e-mail address: any address outside the board's domains (the domains of the
    registered accounts' owner_email and principals, subdomains included, plus `checks.board_domains`),
    also when written as "name [at] example [dot] com". A fediverse handle (@user@server) is not an
    e-mail address. Role mailboxes of other organisations (info@, office@) are reported with medium
    confidence: the address is not the board's, but it may be a partner's."""

    id = "SM312"
    name = "personal-email"
    category = "contact-info"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE
    item_types: ClassVar = frozenset({"post", "like", "profile"})
    example_context: ClassVar = staticmethod(_email_example_context)
    examples = (
        Example(_post("Questions? Email me at ada.lee88@gmail.com"), True, "webmail"),
        Example(_post("Send baby photos to adalee [at] outlook [dot] com"), True, "spelled out"),
        Example({"type": "profile", "platform": "x", "account": "MsLeeGr4", "id": "ex", "name": "Ms. Lee",
                 "bio": "Grade 4 · questions: adalee@protonmail.com"}, True, "in the profile bio"),
        Example(_post("Report card questions: a.lee@board.example"), False, "board address"),
        Example(_post("Library: library@central.schools.board.example"), False, "configured board domain"),
        Example(_post("Follow me at @ada_travels@mastodon.social"), False, "fediverse handle"),
    )

    def check(self, item: dict, ctx: CheckContext):
        if item.get("type") not in self.item_types:
            return ()
        views = [view for view in text_views(item, ctx) if "@" in view.text or _may_spell_out(view)]
        return self._addresses(item, ctx, views) if views else ()

    def _addresses(self, item: dict, ctx: CheckContext, views: list[TextView]):
        board = ctx.board_domains
        for view in views:
            field, text, via = view.field, view.text, view.via
            taken: list[tuple[int, int]] = []
            if "@" in text:
                for m in EMAIL.finditer(text):
                    taken.append((m.start(), m.end()))
                    yield from self._judge(item, field, text, via, m.start(), m.end(), m.group("domain"),
                                           text[m.start():m.group().index("@") + m.start()], board)
            if not _may_spell_out(view):
                continue
            for m in OBFUSCATED_EMAIL.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                domain = re.sub(_DOT, ".", m.group("domain") or m.group("domain2"), flags=re.IGNORECASE).lower()
                if "." not in domain or m.group("local").lower() in ("me", "us", "them", "him", "her"):
                    continue
                yield from self._judge(item, field, text, via, m.start(), m.end(), domain,
                                       m.group("local"), board, obfuscated=True)

    def _judge(self, item, field, text, via, start, end, domain, local, board, obfuscated=False):
        domain = domain.lower()
        if any(domain == d or domain.endswith("." + d) for d in board):
            return
        role = local.lower() in ROLE_MAILBOXES
        yield self.finding(
            item, reason="e-mail address outside the board's domains", via=via,
            spans=[Span(field, start, end, text[start:end])], confidence="medium" if role else "high",
            explanation={"domain": domain, "written": "spelled out" if obfuscated else "plain",
                         **({"mailbox": "role address"} if role else {})},
        )


CHECKERS = [PersonalPhone, PersonalEmail]
