"""The texts of an item as the privacy checkers read them, prepared once per item.

Six privacy rules read the same texts. Each text is folded once (`auditor.text.spaced`), its
digits counted once, and passed once through a small automaton of trigger words (days, months,
venue and street words), so that each rule can skip a text in well under a microsecond when it
cannot possibly match: no digits means no phone number, no '@' means no e-mail address, no day
or clock time means no "where students will be". Only the rare text that passes a gate meets
the rule's full regular expressions.

The prepared views of the last item are kept in the CheckContext (one slot, keyed by the identity
of the item and of its main text), which is how the rules share them without the engine knowing.
"""

from __future__ import annotations

from typing import NamedTuple

import ahocorasick

from auditor.checkers.base import CheckContext
from auditor.text import ascii_view, spaced_from

# Trigger kinds, as bits of TextView.triggers.
TIME, VENUE, LANDMARK, STREET, FR_STREET, AT, TRIP = 1, 2, 4, 8, 16, 32, 64

_TRIGGERS: dict[int, str] = {
    TIME: """monday tuesday wednesday thursday friday saturday sunday mondays tuesdays wednesdays thursdays
        fridays saturdays sundays mon tue tues wed thu thur thurs fri sat sun tomorrow tonight today
        january february march april may june july august september october november december jan feb
        mar apr jun jul aug sep sept oct nov dec noon demain soir aujourd hui semaine midi lundi mardi
        mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout septembre
        octobre novembre decembre""",
    VENUE: """centre center museum gallery theatre theater arena stadium library bibliotheque zoo aquarium
        planetarium farm orchard marsh beach plage conservation camp hall auditorium gym gymnasium pool rink
        complex fairgrounds station trailhead park parc gardens pavilion amphitheatre legislature
        observatory lodge mall plaza market marche cinema college university universite campus arboretum
        sanctuary reserve fieldhouse fairground ymca ywca quarry speedway racetrack bowl musee salle""",
    LANDMARK: "hill falls bay lake island valley point mountain forest woods river creek trail ski harbour "
              "harbor cove ridge peak glen",
    STREET: """street st avenue ave av road rd drive dr crescent cres cr court ct boulevard blvd lane ln way
        pl terrace terr trail trl parkway pkwy circle cir highway hwy line sideroad concession
        grove square sq crossing mews quay landing esplanade promenade alley boardwalk""",
    FR_STREET: "rue avenue av boulevard boul blvd chemin ch route rang place allee promenade montee croissant "
               "impasse cote",
    AT: "at au aux chez a la",
    TRIP: "trip trips excursion outing sortie voyage",
}
# Going somewhere: the words after these name a destination (folded, so "heading to" covers "Heading to").
_TRIP_PHRASES = ("head to", "heads to", "heading to", "off to", "going to", "leave for", "leaves for",
                 "leaving for", "travel to", "travelling to", "traveling to", "depart for", "departs for",
                 "bound for", "on our way to", "en route to", "partons pour", "partent pour")


def _build_triggers():
    auto = ahocorasick.Automaton()
    keys: dict[str, int] = {}
    for kind, words in _TRIGGERS.items():
        for word in words.split():
            keys[f" {word} "] = keys.get(f" {word} ", 0) | kind
    keys[" a la "] = AT
    for phrase in _TRIP_PHRASES:
        keys[f" {phrase} "] = keys.get(f" {phrase} ", 0) | TRIP
    keys[" this morning "] = TIME
    for key, kinds in keys.items():
        auto.add_word(key, (kinds, key.strip()))
    auto.make_automaton()
    return auto


_TRIGGER_AUTOMATON = _build_triggers()
# Every byte but the ASCII digits: deleting them from the UTF-8 bytes leaves just the digits (bytes of
# non-ASCII characters are all >= 0x80), several times faster than counting in the str.
_NOT_DIGIT_BYTES = bytes(b for b in range(256) if not 0x30 <= b <= 0x39)


class TextView(NamedTuple):
    """One text of an item (`field` path, original `text`, endorsement `via`) with its cheap facts."""

    field: str
    text: str
    via: str | None
    folded: str  # auditor.text.spaced(text)
    digits: int  # how many ASCII digits
    triggers: int  # bits of the trigger kinds present
    places: tuple[str, ...]  # the venue and landmark words found (folded)
    plain: str | None = None  # auditor.text.ascii_view(text): accents folded, same offsets


def _view(field: str, text: str, via: str | None) -> TextView:
    plain = ascii_view(text)
    folded = spaced_from(text, plain)
    mask = 0
    places = []
    for _end, (kind, word) in _TRIGGER_AUTOMATON.iter(folded):
        mask |= kind
        if kind & (VENUE | LANDMARK):
            places.append(word)
    # surrogatepass: JSON may carry a lone surrogate ("\ud83d"); it is not a digit either way.
    digits = len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_DIGIT_BYTES))
    return TextView(field, text, via, folded, digits, mask, tuple(places), plain)


def raw_texts(item: dict) -> list[tuple[str, str, str | None]]:
    """auditor.items.item_texts (plus the name and bio of a profile or of a followed account),
    without its generator and
    dataclass overhead: this runs for every item of a scan. tests/auditor/checkers/
    test_privacy_texts.py holds it equal to item_texts."""
    typ = item.get("type")
    if typ == "profile":
        return [(k, item[k], None) for k in ("name", "bio") if isinstance(item.get(k), str) and item[k]]
    if typ == "follow":  # the followed account's name and bio (only the name rule reads follows)
        target = item.get("target")
        if not isinstance(target, dict):
            return []
        return [(f"target.{k}", target[k], None) for k in ("name", "bio")
                if isinstance(target.get(k), str) and target[k]]
    if typ == "post":
        posts = [(item, "repost" if item.get("kind") == "repost" else None, "")]
        quoted = item.get("quoted")
        if isinstance(quoted, dict):
            posts.append((quoted, "quote", "quoted."))
    elif typ == "like" and isinstance(item.get("post"), dict):
        posts = [(item["post"], "like", "post.")]
    else:
        return []
    out = []
    for post, via, prefix in posts:
        text = post.get("text")
        if isinstance(text, str) and text:
            out.append((prefix + "text", text, via))
        media = post.get("media")
        if media:
            for i, m in enumerate(media):
                if isinstance(m, dict):
                    alt = m.get("alt")
                    if isinstance(alt, str) and alt:
                        out.append((f"{prefix}media[{i}].alt", alt, via))
    return out


def text_views(item: dict, ctx: CheckContext) -> tuple[TextView, ...]:
    """The item's texts (profile name and bio for a profile item), prepared once per item."""
    # Five rules ask for every item: plain lookups here, the helpers only when they are needed.
    slot = ctx.memo.get("privacy_text_views")
    if slot is None:
        slot = ctx.cached("privacy_text_views", _new_slot)
    key = item["text"] if "text" in item else _key_text(item)
    # The same item object with the same text object: computed by the rule that ran before.
    if slot[0] is item and slot[2] is key:
        return slot[1]
    views = tuple(_view(f, t, v) for f, t, v in raw_texts(item))
    slot[0], slot[1], slot[2] = item, views, key
    return views


def _key_text(item: dict):
    """The object whose identity says the item's words are unchanged (its own text, or the liked
    post's, or the followed account's bio)."""
    if "text" in item:
        return item["text"]
    inner = item.get("post") or item.get("target")
    return inner.get("text", inner.get("bio")) if isinstance(inner, dict) else item.get("bio")


def _new_slot() -> list:
    return [None, (), ()]
