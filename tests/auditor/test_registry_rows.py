"""Roster rows read the way csv.DictReader read them, every problem reported with its line.

The roster reader takes a fast path for the usual row; these pin what a board sees for the
unusual ones (short and long rows, blank and multi-line records, repeated ids, bad handles).
"""

from __future__ import annotations

from auditor.registry import RegistryError, load_registry, parse_roster

HEADER = "student_id,first_name,last_name,preferred_name,school,grade,media_consent,safety_flag,handles\n"


def _roster(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "roster.csv"
    path.write_text(header + body, encoding="utf-8")
    problems: list[str] = []
    return path, parse_roster(path, {"S1", "S2"}, problems), problems


def test_usual_rows_parse_with_every_field(tmp_path):
    _, students, problems = _roster(tmp_path, "A1, Maya , Chen,,S1,5,YES,no,\n"
                                              "A2,Zoë,Tremblay,Zo,S2,10,,Yes,x:zt;bluesky: zt.b \n")
    assert problems == []
    a, b = students
    assert (a.student_id, a.first_name, a.last_name, a.media_consent, a.safety_flag, a.handles) == \
        ("A1", "Maya", "Chen", "yes", False, [])
    assert (b.preferred_name, b.media_consent, b.safety_flag, b.handles) == \
        ("Zo", "unknown", True, [("x", "zt"), ("bluesky", "zt.b")])


def test_short_row_leaves_missing_fields_empty_and_long_row_is_reported(tmp_path):
    path, students, problems = _roster(tmp_path, "A1,Maya,Chen,,S1\n"
                                                 "A2,Liam,Roy,,S1,4,yes,no,,surplus\n"
                                                 "A3,Ava\n")
    assert [s.student_id for s in students] == ["A1"]
    assert (students[0].grade, students[0].media_consent, students[0].safety_flag) == ("", "unknown", False)
    assert problems == [f"{path}:3: row: more fields than the header has",
                        f"{path}:4: last_name: expected a name",
                        f"{path}:4: school: expected a code from schools.csv, got ''"]


def test_blank_lines_skipped_and_multiline_record_reports_its_last_line(tmp_path):
    path, students, problems = _roster(tmp_path, "\nA1,Maya,Chen,,S1,5,yes,no,\n\n"
                                                 'A2,"Liam\nJames",Roy,,S9,4,maybe,no,\n')
    assert [s.student_id for s in students] == ["A1"]
    assert problems == [f"{path}:6: school: expected a code from schools.csv, got 'S9'",
                        f"{path}:6: media_consent: expected yes, no or unknown"]


def test_every_problem_of_a_row_and_of_later_rows_is_collected(tmp_path):
    path, students, problems = _roster(tmp_path, "A1,Maya,Chen,,S1,5,yes,no,\n"
                                                 "A1,,Chen,,S1,5,yes,perhaps,myspace:m;x:\n"
                                                 ",Ava,Kim,,S2,5,no,no,x:ak\n")
    assert [s.student_id for s in students] == ["A1"]
    assert problems == [
        f"{path}:3: student_id: duplicate 'A1'",
        f"{path}:3: first_name: expected a name",
        f"{path}:3: safety_flag: expected yes or no",
        f"{path}:3: handles: expected platform:handle entries separated by ';', got 'myspace:m'",
        f"{path}:3: handles: expected platform:handle entries separated by ';', got 'x:'",
        f"{path}:4: student_id: expected an identifier",
    ]


def test_byte_order_mark_and_columns_in_another_order(tmp_path):
    header = "\ufeffschool,last_name,first_name,student_id\n"
    _, students, problems = _roster(tmp_path, "S1,Chen,Maya,A1\n", header=header)
    assert problems == []
    assert (students[0].student_id, students[0].first_name, students[0].last_name, students[0].school) == \
        ("A1", "Maya", "Chen", "S1")


def test_repeated_header_column_takes_its_last_value(tmp_path):
    header = "student_id,first_name,last_name,school,school\n"
    _, students, problems = _roster(tmp_path, "A1,Maya,Chen,S9,S2\n", header=header)
    assert problems == [] and students[0].school == "S2"


def test_not_utf8_is_reported_and_nothing_is_imported(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(HEADER.encode() + b"A1,Maya,Chen,,S1,5,yes,no,\nA2,Ren\xe9,Roy,,S1,5,yes,no,\n")
    try:
        load_registry(roster=path)
    except RegistryError as exc:
        assert exc.problems == [f"{path}: encoding: expected UTF-8"]
    else:
        raise AssertionError("a roster that is not UTF-8 must be refused")
