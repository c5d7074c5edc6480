"""SM101/SM102: roster handles per platform, and bio signals with their adult vetoes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from auditor.checkers.base import CheckContext
from auditor.checkers.student_follow import (RosterHandles, StudentFollowBio, StudentFollowRoster,
                                             handle_key, school_year_end)
from auditor.registry import School, Student


def ctx(now=datetime(2026, 11, 28, tzinfo=timezone.utc)) -> CheckContext:
    students = [
        Student("S1", "Ava", "Roy", "", "NHS", "10", "yes", False,
                [("x", "@Ava_Roy10"), ("bluesky", "avaroy.bsky.social"), ("mastodon", "avar@mstdn.ca"),
                 ("instagram", "ava.roy")]),
        Student("S2", "Ben", "Li", "", "NHS", "9", "no", False, [("bluesky", "benli"), ("mastodon", "benl")]),
    ]
    schools = [School("NHS", "Northview High School", "p@board.example", ["Northview", "NVHS"])]
    return CheckContext(students=students, schools=schools, now=now)


def follow(platform, handle, name="", bio="", url=None):
    target = {"id": "1", "handle": handle, "name": name, "bio": bio}
    if url:
        target["url"] = url
    return {"type": "follow", "platform": platform, "account": "MsT", "id": "f1", "target": target}


@pytest.mark.parametrize("platform,handle,expected", [
    ("x", "@Ava_Roy10", ("ava_roy10", None)),
    ("bluesky", "@AvaRoy.bsky.social", ("avaroy", None)),
    ("bluesky", "ava.example.com", ("ava.example.com", None)),
    ("mastodon", "@avar@mstdn.ca", ("avar", "mstdn.ca")),
    ("mastodon", "avar", ("avar", None)),
    ("instagram", "https://www.instagram.com/ava.roy/", ("ava.roy", None)),
])
def test_handle_key(platform, handle, expected):
    assert handle_key(platform, handle) == expected


@pytest.mark.parametrize("platform,handle,student", [
    ("x", "ava_roy10", "S1"), ("x", "@AVA_ROY10", "S1"), ("bluesky", "avaroy", "S1"),
    ("bluesky", "benli.bsky.social", "S2"), ("mastodon", "@avar@mstdn.ca", "S1"),
    ("mastodon", "avar", "S1"), ("mastodon", "benl@mastodon.social", "S2"),
    ("mastodon", "avar@mastodon.social", None), ("instagram", "ava_roy10", None), ("x", "ava_roy1", None),
])
def test_roster_lookup_per_platform(platform, handle, student):
    found = RosterHandles(ctx().students).find(platform, handle)
    assert (found.student_id if found else None) == student


def test_roster_finding_names_the_student_id_not_the_name():
    [f] = StudentFollowRoster().check(follow("x", "@ava_roy10"), ctx())
    assert f.severity == "high" and f.confidence == "high" and f.category == "student-follow"
    assert "S1" in f.reason and "Ava" not in f.reason and "Roy" not in f.reason
    assert f.explanation["roster_student_id"] == "S1"


def test_roster_match_through_the_profile_url():
    item = follow("instagram", "someone_else", url="https://www.instagram.com/ava.roy/")
    [f] = StudentFollowRoster().check(item, ctx())
    assert f.spans[0].field == "target.url"


@pytest.mark.parametrize("name,bio,signal", [
    ("Jo", "gr 7 at Northview. i read a lot", "grade"),
    ("Jo | Gr. 8", "minecraft", "grade"),
    ("Jo", "grade 11 history nerd", "grade"),
    ("Jo", "9th grader · soccer", "grade"),
    ("Jo", "élève de 3e année", "grade"),
    ("Jo", "class of 2029 ✨", "class year to come"),
    ("Jo", "NVHS '28 | 400m", "class year to come"),
    ("Jo", "14 y/o · dancer", "age under 18"),
    ("Jo", "15 | trumpet | jazz band", "age under 18"),
    ("Jo", "point guard · U14 rep", "youth age group"),
    ("Jo", "student at Northview · art", "student at a school of the board"),
    ("Jo", "high school student, future vet", "student words"),
])
def test_bio_signals_fire_and_are_named(name, bio, signal):
    [f] = StudentFollowBio().check(follow("x", "jo_x", name, bio), ctx())
    assert signal in f.explanation["signals"] and f.confidence == "medium"
    assert f.spans and all((f"{name}\n{bio}").find(s.text) >= 0 for s in f.spans)


@pytest.mark.parametrize("name,bio", [
    ("Mr. K", "Grade 9 math teacher"),
    ("Coach Dee", "Coach · Grade 9 & 10 PE"),
    ("Dee", "Proud mom of a class of 2028 Hawk"),
    ("Sam", "Northview class of 2019 · nurse"),
    ("Sam", "Northview alum ('21)"),
    ("Robo League", "High school robotics · grades 9–12"),
    ("Youth Orchestra", "for musicians ages 12–18"),
    ("Library", "Free programs for kids ages 5–12"),
    ("Ms. T", "Student teacher @ Northview · B.Ed. candidate"),
    ("Pat", "Gr 7/8 science"),
    ("Pat", "film · coffee · cats"),
    ("Pat", "student at the University of Toronto"),
])
def test_bio_without_a_current_student(name, bio):
    assert list(StudentFollowBio().check(follow("x", "someone", name, bio), ctx())) == []


def test_class_year_relative_to_now():
    item = follow("x", "jo", "Jo", "class of 2026")
    assert list(StudentFollowBio().check(item, ctx(datetime(2026, 3, 1, tzinfo=timezone.utc))))
    assert not list(StudentFollowBio().check(item, ctx(datetime(2026, 9, 1, tzinfo=timezone.utc))))
    assert school_year_end(datetime(2026, 9, 1)) == 2027 and school_year_end(datetime(2026, 3, 1)) == 2026


def test_bio_rule_leaves_roster_matches_to_sm101():
    item = follow("x", "ava_roy10", "Ava", "gr 10 at Northview")
    assert list(StudentFollowBio().check(item, ctx())) == []
    assert list(StudentFollowRoster().check(item, ctx()))


def probe_bios():
    path = Path(__file__).resolve().parents[2] / "data" / "conduct" / "bios.tsv"
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            fires, name, bio = line.split("\t")
            yield pytest.param(fires == "yes", name, bio, id=f"line{n}")


@pytest.mark.parametrize("fires,name,bio", list(probe_bios()))
def test_probe_bio(fires, name, bio):
    other_board = CheckContext(
        schools=[School("RCI", "Riverside Collegiate Institute", "p@b.example", ["RCI", "Riverside"]),
                 School("OPS", "Oakwood Public School", "q@b.example", ["Oakwood", "OPS"])],
        now=datetime(2026, 10, 15, tzinfo=timezone.utc))
    assert bool(list(StudentFollowBio().check(follow("x", "h", name, bio), other_board))) == fires
