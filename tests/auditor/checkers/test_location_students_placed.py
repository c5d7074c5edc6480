"""A student word counts for SM305 only when it puts students somewhere (see `about_students`)."""

import pytest

from auditor.checkers.location import about_students


@pytest.mark.parametrize("text", [
    "Grade 6 trip to the Cedar Ridge Museum on Friday",
    "Junior girls play at Fenwick Arena tonight at 7",
    "Kids, meet at the Elm Street Library Tuesday at 3:30",
    "Our students' concert is Thursday at the Oakville Centre",
    "Senior boys weekend tournament at the Brant Fieldhouse",
])
def test_students_placed(text):
    assert about_students(text)


@pytest.mark.parametrize("text", [
    "Service Sunday 10 am at St. Mark's, kids' program provided",
    "Open house Saturday at the Rotary Hall, all students are welcome",
    "My nephew's team plays at Kinsmen Arena Saturday",
    "Ladies night Friday at the Maple Room, can't wait",
    "A girls' trip to Halifax, back Tuesday",
])
def test_no_students_placed(text):
    assert not about_students(text)
