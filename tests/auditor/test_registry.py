"""CSV validation: every bad row reported as file:line: field: expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.registry import RegistryError, load_registry, load_registry_dir

GOOD = Path(__file__).resolve().parents[1] / "data" / "registry" / "good"


def test_good_registry_parses():
    reg = load_registry_dir(GOOD)
    assert [s.code for s in reg.schools] == ["NHS", "RPS"]
    assert reg.schools[0].aliases == ["NHS", "Northgate"]
    t1 = reg.students[0]
    assert t1.handles == [("x", "quill_mv")] and t1.protected
    assert not reg.students[1].protected and reg.students[2].protected  # safety flag


def test_every_bad_account_row_is_reported(tmp_path):
    (tmp_path / "schools.csv").write_text((GOOD / "schools.csv").read_text())
    acc = tmp_path / "accounts.csv"
    acc.write_text(
        "platform,handle,kind,school,owner_name,owner_email,approved_by,credential\n"
        "myspace,someone,classroom,NHS,A,a@b.ca,,\n"
        "x,ok1,school,NHS,A,not-an-email,,\n"
        "x,ok2,classroom,NHS,A,a@b.ca,,sk-live-abcdef123\n"
        "x,ok3,hobby,NHS,A,a@b.ca,,\n")
    with pytest.raises(RegistryError) as err:
        load_registry(schools=tmp_path / "schools.csv", accounts=acc)
    assert err.value.problems == [
        f"{acc}:2: platform: expected one of blog, bluesky, facebook, flickr, instagram, mastodon, pinterest, x, youtube",
        f"{acc}:3: owner_email: expected an e-mail address",
        f"{acc}:4: credential: expected a reference such as env:NAME or file:/path, never the token itself",
        f"{acc}:5: kind: expected one of classroom, school, department, club, professional",
    ]


def test_missing_column_names_the_header(tmp_path):
    p = tmp_path / "schools.csv"
    p.write_text("code,name\nA,Alpha\n")
    with pytest.raises(RegistryError) as err:
        load_registry(schools=p)
    assert err.value.problems == [f"{p}:1: header: missing column(s) principal_email; "
                                  "expected code,name,principal_email,aliases"]
