"""Personal content blended into a professional account: personal life, sales, personal accounts.

The procedure asks that personal and professional use are not blended (§2). Three rules, one
category (`personal-content`), because a principal acts differently on each: a date-night post is
a conversation, a side business is a conflict of interest, and a pointer to a personal account
opens a private channel to students.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from auditor.checkers.base import CheckContext, Example
from auditor.checkers.content import CLAUSE_PERSONAL, LexicalChecker, Signal, TextScan, _like, _post
from auditor.findings import Span

# A handle as people write it: @user, @user@instance (Mastodon), @name.bsky.social (Bluesky).
HANDLE_RE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?"
                       r"(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
URL_RE = re.compile(r"\bhttps?://[^\s<>\"')]+|\b(?:www\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                    r"(?:com|ca|net|org|io|me|social|app|tv|co|shop|store|blog|link|page)(?:/[^\s<>\"')]*)?",
                    re.IGNORECASE)
BSKY_SUFFIX = ".bsky.social"


def _norm_handle(handle: str) -> str:
    h = handle.strip().lower().lstrip("@").rstrip(".")
    return h[: -len(BSKY_SUFFIX)] if h.endswith(BSKY_SUFFIX) else h


def _board_handles(ctx: CheckContext) -> frozenset[str]:
    """Every registered account's handle, also without its Mastodon instance."""
    def build() -> frozenset[str]:
        out = set()
        for a in ctx.accounts:
            h = _norm_handle(a.handle)
            out.add(h)
            out.add(h.split("@", 1)[0])
        return frozenset(out)
    return ctx.cached("board_handles", build)


def is_board_target(target: str, ctx: CheckContext, own: str) -> bool:
    """A handle or link that belongs to the board: a registered account, the item's own account,
    a board domain, or a link to a registered account's page."""
    handles = _board_handles(ctx) | {_norm_handle(own), _norm_handle(own).split("@", 1)[0]}
    if not target.startswith("@"):
        url = target if "://" in target else f"https://{target}"
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if any(host == d or host.endswith("." + d) for d in ctx.board_domains):
            return True
        path = [p for p in parts.path.lower().split("/") if p]
        if any(_norm_handle(p) in handles for p in path):
            return True
        return _norm_handle(host.removeprefix("www.")) in handles
    h = _norm_handle(target)
    return h in handles or h.split("@", 1)[0] in handles and "@" not in h


def targets_in(text: str) -> list[tuple[int, int, str]]:
    out = [(m.start(), m.end(), m.group(0)) for m in HANDLE_RE.finditer(text)]
    taken = [(a, b) for a, b, _ in out]
    for m in URL_RE.finditer(text):
        if not any(a <= m.start() < b for a, b in taken):
            out.append((m.start(), m.end(), m.group(0)))
    return out


class PersonalLife(LexicalChecker):
    """Personal life blended into a professional account: dates, partners, weddings, family holidays,
    and one's own family milestones (a divorce or separation, a death in the family, a first home,
    a pregnancy loss or fertility treatment).

    Professional development, conferences, class or field trips and poetry or vocabulary lessons
    veto; "my teaching partner" is not a partner. A place ("at the cottage", "au chalet") or a
    destination is personal life only with a family or holiday cue ("with the kids", "back Monday").
    """

    id = "SM206"
    name = "personal-life"
    category = "personal-content"
    severity = "low"
    confidence = "medium"
    clause = CLAUSE_PERSONAL
    sections = ("personal_life.partner", "personal_life.family")
    reason_prefix = "Personal life on a professional account"
    examples = (
        Example(_post("Date night with my boyfriend, no marking tonight!"), True),
        Example(_post("Family vacation in Jamaica, back next week ☀️"), True),
        Example(_post("Our wedding photos are finally here 💍"), True),
        Example(_post("Souper en amoureux ce soir avec mon chum 🥰"), True, "French partner words"),
        Example(_post("Semaine de relâche au chalet avec les enfants, de retour lundi!"), True,
                "a holiday place with a family cue"),
        Example(_post("My divorce is final. New chapter!"), True, "one's own divorce; 'new chapter' is no novel study"),
        Example(_post("Grade 11 law: how a divorce works under the Divorce Act."), False, "divorce as a topic"),
        Example(_post("Got the keys to our first house today! 🔑"), True, "a first home of one's own"),
        Example(_post("Condolences to the family of our custodian Mr. Silva; the funeral is Saturday."), False,
                "a colleague's funeral notice"),
        Example(_post("Cocktail hour at the cottage tonight"), False, "a setting, no family or holiday cue"),
        Example(_post("PD day: great conference on assessment with my teaching partner."), False),
        Example(_post("Grade 8 field trip to Ottawa next week!"), False),
    )


class PersonalSales(LexicalChecker):
    """Personal sales or a side business promoted from a professional account.

    Covers network-marketing brands and recruiting, garage and yard sales, asking prices, realtors
    and renting out one's own place, tutoring or lessons for pay, personal services (lashes,
    babysitting, snow removal), one's own book or album launched, teaching resources sold online
    (TpT), farm goods at a price per unit, and a colleague's own business
    promoted ("owned by our very own ...", "la boutique de notre collègue"): the owner must be said
    to be staff, so a sponsor, an alum's or a student's business is not this rule. School
    fundraisers, bake sales, book fairs, student-run stores, mock sales and economics lessons veto.
    """

    id = "SM207"
    name = "personal-sales"
    category = "personal-content"
    severity = "medium"
    confidence = "high"
    clause = CLAUSE_PERSONAL
    sections = ("personal_sales.sales",)
    reason_prefix = "Personal sale or side business"
    examples = (
        Example(_post("Selling my old road bike, barely used. DM me!"), True),
        Example(_post("Side hustle: I do wedding photography, now booking for 2027 📸"), True),
        Example(_like("Use my code TEACH10 for 10% off!"), True, "an endorsement"),
        Example(_post("Yard sale at our place Saturday, 8 to noon!"), True, "a garage sale"),
        Example(_post("Our cottage is available for rent in July, DM for dates"), True, "renting out one's place"),
        Example(_post("Shop small! The Maple & Twine boutique is owned by our very own Mrs. Dubois 👗"), True,
                "a colleague's own business"),
        Example(_post("Congrats to alum Jess Tran, who just opened her own bakery downtown!"), False,
                "an alum's business, not staff"),
        Example(_post("Our Grade 12 business class ran a mock garage sale to practise pricing."), False, "a lesson"),
        Example(_post("Bake sale Friday to help fund the Grade 8 trip!"), False),
        Example(_post("The yearbook is for sale in the cafeteria, proceeds to the grad committee."), False),
    )


class PersonalAccountPointer(LexicalChecker):
    """A pointer from the professional account to the owner's personal account.

    Fires when "my personal", "follow me on", "personal IG:" and the like come with a handle or
    link that is not one of the board's registered accounts (or a board domain). Mentions of other
    organisations, public figures and the board's own accounts carry no such cue and do not fire.
    """

    id = "SM208"
    name = "personal-account-pointer"
    category = "personal-content"
    severity = "medium"
    confidence = "medium"
    clause = CLAUSE_PERSONAL
    sections = ("personal_pointer.pointer", "personal_pointer.named")
    reason_prefix = "Points to a personal account"
    examples = (
        Example(_post("Follow my personal account @jo.travels.eats for summer pics!"), True),
        Example({"type": "profile", "platform": "x", "account": "MsExample", "id": "p",
                 "bio": "Grade 5 teacher · personal: @jo_private"}, True),
        Example({"type": "profile", "platform": "x", "account": "MsExample", "id": "p",
                 "bio": "Gr 6 teacher · travel pics at @jo.wanders"}, True, "my kind of pictures at a handle"),
        Example(_post("DM me for my personal Snapchat"), True, "names a personal account"),
        Example(_post("Mes recettes sont sur mon Insta @cuisine_de_sophie, abonnez-vous!"), True, "French"),
        Example(_post("Follow @NASA for amazing space pictures!"), False, "an organisation, no cue"),
        Example(_post("Students: please don't follow my personal account, follow this one"), False),
        Example(_post("Follow my class account @MsExample for homework reminders"), False,
                "the account itself"),
    )

    def accept(self, sig: Signal, scan: TextScan, item: dict, ctx: CheckContext) -> list[Span] | None:
        if sig.section == "personal_pointer.named":
            return []  # "my personal Snapchat" needs no handle to be a pointer
        own = item.get("account", "")
        found = [Span(scan.field, a, b, t) for a, b, t in targets_in(scan.text)
                 if not is_board_target(t, ctx, own)]
        if not found and item.get("type") == "profile":
            links = item.get("links")
            for i, link in enumerate(links if isinstance(links, (list, tuple)) else ()):
                if isinstance(link, str) and link and not is_board_target(link, ctx, own):
                    found.append(Span(f"links[{i}]", 0, len(link), link))
        return found or None


CHECKERS = [PersonalLife, PersonalSales, PersonalAccountPointer]
