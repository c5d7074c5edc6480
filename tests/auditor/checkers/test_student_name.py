"""SM301 student-full-name: the forms a name takes in a post, what the finding says and does not say."""

from __future__ import annotations

import json

import pytest

import auditor.checkers.student_name as sn
from auditor.checkers.student_name import StudentFullName
from auditor.engine import Engine
from tests.auditor.checkers.privacy_context import post, privacy_context


def run(item, ctx=None):
    return list(StudentFullName().check(item, ctx or privacy_context()))


@pytest.mark.parametrize("text,quoted", [
    ("Congrats Zoë Tremblay!", "Zoë Tremblay"),
    ("Congrats Zoe Tremblay!", "Zoe Tremblay"),                      # accent dropped in the post
    ("ZOE TREMBLAY WITH THE GOAL", "ZOE TREMBLAY"),
    ("zoe tremblay's poem", "zoe tremblay"),
    ("Liam O\u2019Brien\u2019s shot 🏒", "Liam O\u2019Brien"),            # curly apostrophes
    ("Liam OBrien? no: Liam O'Brien!", "Liam O'Brien"),
    ("Well done Ana\nDe La Cruz", "Ana\nDe La Cruz"),                  # line break, multi-part surname
    ("Ana  de   la  Cruz scored", "Ana  de   la  Cruz"),                # extra spaces, lower-case particles
    ("Volcano by Tina Nguyen-Tran.", "Tina Nguyen-Tran"),
    ("Volcano by Tina Nguyen Tran", "Tina Nguyen Tran"),
    ("Award: Benjamin D\u2019Souza 🏅", "Benjamin D\u2019Souza"),
    ("Bravo Noémie Roy!", "Noémie Roy"),                             # accent only in the post
    ("#CongratsMayaChen 🎉", "#CongratsMayaChen"),
    ("#gojasdhillon", "#gojasdhillon"),                                # preferred name, lower-case tag
    ("Lab pairs: Kowalski, Ethan & Wong, Ben", "Kowalski, Ethan"),
    ("Top readers: Kowalski Ethan and others", "Kowalski Ethan"),     # surname first, capitalised
    ("Maya Chen🔬 and friends", "Maya Chen"),
])
def test_name_forms_are_found_and_quoted_as_written(text, quoted):
    [f] = run(post(text))
    span = f.spans[0]
    assert span.field == "text" and text[span.start:span.end] == span.text == quoted


@pytest.mark.parametrize("text", [
    "Great job Maya!",
    "Thanks Maya C. for helping",
    "Maya is great. Chen is the surname of our principal",
    "Mayachenko is a word",
    "Follow @MayaChen for updates",
])
def test_not_a_full_name(text):
    assert not run(post(text)), text


def test_shared_name_maps_to_all_students_and_strongest_flag_without_roster_data():
    [f] = run(post("Science fair winner: Maya Chen!"))
    assert f.severity == "critical"  # one of the two Maya Chens has no media consent
    assert f.explanation["students_matched"] == 2
    assert f.explanation["roster_flag"] == "no media consent"
    dumped = json.dumps(f.to_dict())
    for leak in ("P001", "P002", "RVR", "OAK", "Zoë", "Tremblay", '"grade"'):
        assert leak not in dumped


def test_severity_and_confidence():
    [ok] = run(post("Well done Liam O'Brien"))
    assert ok.severity == "high" and ok.confidence == "high" and ok.explanation["roster_flag"] == "media consent on file"
    [flag] = run(post("Go Jas Dhillon"))
    assert flag.severity == "critical" and flag.explanation["roster_flag"] == "safety flag"
    [unknown] = run(post("Tina Nguyen-Tran's volcano"))
    assert unknown.severity == "critical" and unknown.explanation["roster_flag"] == "media consent unknown"
    [lower] = run(post("liam o'brien scored"))
    assert lower.confidence == "medium" and lower.severity == "high"


def test_endorsed_content_and_alt_text_carry_via_and_field():
    item = post("So proud 💙", kind="quote", quoted={"text": "Riverside's Liam O'Brien named MVP"},
                media=[{"type": "image", "url": "https://x/1.jpg", "alt": "Zoe Tremblay with the banner"}])
    found = {(f.spans[0].field, f.via) for f in run(item)}
    assert found == {("media[0].alt", None), ("quoted.text", "quote")}
    repost = post("Ethan Kowalski wins the chess final", kind="repost", author={"handle": "parent"})
    [f] = run(repost)
    assert f.via == "repost"


def test_two_names_in_one_post_are_two_findings_with_distinct_fingerprints():
    found = run(post("Drive team: Maya Chen (driver), Liam O'Brien (operator)"))
    assert len(found) == 2 and len({f.fingerprint for f in found}) == 2


def test_automaton_built_once_per_context(monkeypatch):
    built = []
    real = sn.RosterMatcher

    class Counting(real):
        def __init__(self, students):
            built.append(len(students))
            super().__init__(students)

    monkeypatch.setattr(sn, "RosterMatcher", Counting)
    ctx = privacy_context()
    engine = Engine(ctx, checkers=[StudentFullName])
    for i in range(20):
        engine.check_item(post(f"Post {i}: Liam O'Brien"))
    assert built == [10]


def test_empty_roster_finds_nothing():
    from auditor.checkers.base import CheckContext
    assert run(post("Maya Chen"), CheckContext()) == []


@pytest.mark.parametrize("text,doubt", [
    ("Mr. Ethan Kowalski joins the staff", "after an adult's title"),
    ("Coach Liam O'Brien runs practice", "after an adult's title"),
    ("we asked kowalski ethan about it", "surname first in lower case"),
])
def test_doubtful_forms_are_reported_with_low_confidence(text, doubt):
    [f] = run(post(text))
    assert f.confidence == "low" and f.explanation["doubt"] == doubt


def test_hashtag_forms_are_built_only_when_a_text_has_a_hashtag():
    ctx = privacy_context()
    engine = Engine(ctx, checkers=[StudentFullName])
    assert [f.spans[0].text for f in engine.check_item(post("Go mayachen go, Maya Chen!"))] == ["Maya Chen"]
    m = sn.matcher(ctx)
    assert m._joined is None  # no '#' yet: "mayachen" outside a hashtag was never looked up
    assert [f.spans[0].text for f in engine.check_item(post("Finals! #GoMayaChen"))] == ["#GoMayaChen"]
    assert m._joined is not None
    assert [f.spans[0].text for f in engine.check_item(post("#1 mayachen fan"))] == []
