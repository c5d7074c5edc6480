"""The privacy checkers' fast text extraction must say exactly what auditor.items.item_texts says."""

from __future__ import annotations

import pytest

from auditor.checkers.base import CheckContext
from auditor.checkers.privacy_texts import AT, STREET, TIME, VENUE, raw_texts, text_views
from auditor.items import item_texts

MEDIA = [{"type": "image", "url": "u", "alt": "alt one"}, {"type": "video", "url": "v"}, "junk",
         {"type": "image", "url": "w", "alt": "alt three"}]
ITEMS = [
    {"type": "post", "platform": "x", "account": "a", "id": "1", "text": "own", "media": MEDIA},
    {"type": "post", "platform": "x", "account": "a", "id": "2", "kind": "repost", "text": "theirs"},
    {"type": "post", "platform": "x", "account": "a", "id": "3", "kind": "quote", "text": "mine",
     "quoted": {"text": "quoted words", "media": MEDIA}},
    {"type": "post", "platform": "x", "account": "a", "id": "4", "kind": "reply", "text": "",
     "media": None, "quoted": None},
    {"type": "like", "platform": "x", "account": "a", "id": "5", "post": {"text": "liked", "media": MEDIA}},
    {"type": "like", "platform": "x", "account": "a", "id": "6", "post": "not a dict"},
    {"type": "post", "platform": "x", "account": "a", "id": "8", "text": None, "media": []},
]


@pytest.mark.parametrize("item", ITEMS, ids=lambda i: i["id"])
def test_raw_texts_equal_item_texts(item):
    assert raw_texts(item) == list(item_texts(item))


def test_follow_texts_are_the_targets_name_and_bio():
    follow = {"type": "follow", "platform": "x", "account": "a", "id": "7",
              "target": {"handle": "h", "name": "Maya Chen", "bio": "gr 5"}}
    assert raw_texts(follow) == [("target.name", "Maya Chen", None), ("target.bio", "gr 5", None)]
    assert raw_texts({"type": "follow", "target": "junk"}) == []


def test_profile_texts_are_name_and_bio():
    profile = {"type": "profile", "platform": "x", "account": "a", "id": "p", "name": "Ms. Lee", "bio": "Gr. 4"}
    assert raw_texts(profile) == [("name", "Ms. Lee", None), ("bio", "Gr. 4", None)]


def test_views_are_prepared_once_per_item_and_carry_triggers():
    ctx = CheckContext()
    item = {"type": "post", "platform": "x", "account": "a", "id": "1",
            "text": "Trip Friday at 9:15 to the Riverside Museum, 12 King St, call 905-555-0123"}
    first = text_views(item, ctx)
    assert text_views(item, ctx) is first
    [view] = first
    assert view.digits == 15 and view.triggers & TIME and view.triggers & VENUE and view.triggers & AT
    assert view.triggers & STREET and view.places == ("museum",)
    other = dict(item, id="2")
    assert text_views(other, ctx) is not first
    other["text"] = "changed in place"  # the same dict with new words is prepared again
    assert text_views(other, ctx)[0].text == "changed in place"


@pytest.mark.parametrize("text,digits", [
    ("no digits at all", 0),
    ("Call 905-555-0123 🎉", 10),
    ("Zoë's 3rd ٣ ² place", 1),                 # only ASCII digits count (gates, not matchers)
    ("lone surrogate \ud83d 42", 2),
])
def test_views_count_ascii_digits(text, digits):
    item = {"type": "post", "platform": "x", "account": "a", "id": "d", "text": text}
    assert text_views(item, CheckContext())[0].digits == digits


@pytest.mark.parametrize("text", ["plain words", "Zoë at the Théâtre 🎉", "Straße ﬁve", "\u0301 mark"])
def test_views_keep_the_same_length_ascii_view(text):
    from auditor.text import ascii_view, spaced

    [view] = text_views({"type": "post", "platform": "x", "account": "a", "id": "v", "text": text}, CheckContext())
    assert view.plain == ascii_view(text) and view.folded == spaced(text)
