"""Registry import on SQLite and PostgreSQL: all or nothing, updates in place, roster sealed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from auditor.registry import RegistryError, load_registry_dir
from auditor.store import models as m
from auditor.store.registry_store import import_registry, load_registry_from_store

GOOD = Path(__file__).resolve().parents[2] / "data" / "registry" / "good"


def copy_good(tmp_path: Path) -> Path:
    d = tmp_path / "reg"
    shutil.copytree(GOOD, d)
    return d


def table_counts(rt) -> dict[str, int]:
    with rt.db.session() as s:
        return {t: s.execute(text(f"select count(*) from {t}")).scalar_one()
                for t in ("schools", "accounts", "students")}


def test_import_then_reimport_updates_in_place(db_url, runtime_factory, tmp_path):
    rt = runtime_factory(db_url)
    d = copy_good(tmp_path)
    with rt.db.session() as s:
        summary = import_registry(s, load_registry_dir(d), rt.key())
    assert (summary.schools, summary.accounts_added, summary.students) == (2, 3, 3)
    with rt.db.session() as s:
        acc = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS"))
        acc.cursor = {"since_id": "99"}
        first_id = acc.id
    # Drop one account and one student, change an owner: re-import updates in place.
    accounts = (d / "accounts.csv").read_text().splitlines()
    (d / "accounts.csv").write_text("\n".join([accounts[0], accounts[1].replace("Ann Admin", "Ann Other"),
                                               accounts[3]]) + "\n")
    roster = (d / "roster.csv").read_text().splitlines()
    (d / "roster.csv").write_text("\n".join(roster[:3]) + "\n")
    with rt.db.session() as s:
        summary = import_registry(s, load_registry_dir(d), rt.key())
    assert (summary.accounts_added, summary.accounts_updated, summary.accounts_deactivated) == (0, 2, 1)
    assert summary.students_removed == 1 and summary.removed_students[0].first_name == "Wendell"
    with rt.db.session() as s:
        acc = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS"))
        assert acc.id == first_id and acc.owner_name == "Ann Other" and acc.cursor == {"since_id": "99"}
        gone = s.scalar(select(m.Account).where(m.Account.handle == "MsRiverGr4"))
        assert gone.active is False
        reg = load_registry_from_store(s, rt.key())
    assert sorted(st.first_name for st in reg.students) == ["Odalys", "Quillon"]
    assert [a.handle for a in reg.accounts] == ["NorthgateHS", "northgate-band.bsky.social"]


def test_roster_is_not_stored_in_plain_text(db_url, runtime_factory, tmp_path):
    rt = runtime_factory(db_url)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(copy_good(tmp_path)), rt.key())
    with rt.db.session() as s:
        rows = s.execute(text("select ref, school_code, sealed from students")).all()
    blob = b"".join(bytes(r[2]) + r[0].encode() for r in rows)
    for secret in (b"Quillon", b"Marchetti", b"Brightwater", b"quill_mv"):
        assert secret not in blob
    if db_url.startswith("sqlite"):
        raw = Path(db_url.removeprefix("sqlite:///")).read_bytes()
        assert b"Quillon" not in raw and b"Brightwater" not in raw


def test_refused_import_leaves_database_unchanged(db_url, runtime_factory, tmp_path):
    rt = runtime_factory(db_url)
    d = copy_good(tmp_path)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(d), rt.key())
    before = table_counts(rt)
    with (d / "roster.csv").open("a") as fh:
        fh.write("T9,New,Student,,NHS,9,maybe,no,\n")
        fh.write("T10,,Nameless,,ZZZ,9,yes,no,x\n")
    with pytest.raises(RegistryError) as err:
        load_registry_dir(d)
    problems = err.value.problems
    assert f"{d / 'roster.csv'}:5: media_consent: expected yes, no or unknown" in problems
    assert f"{d / 'roster.csv'}:6: first_name: expected a name" in problems
    assert any(p.startswith(f"{d / 'roster.csv'}:6: school: expected a code from schools.csv") for p in problems)
    assert any(p.startswith(f"{d / 'roster.csv'}:6: handles: expected platform:handle") for p in problems)
    assert table_counts(rt) == before


def test_wrong_key_is_a_clear_error(db_url, runtime_factory, tmp_path, monkeypatch):
    from cryptography.fernet import Fernet

    from auditor.roster_crypto import KeyError_, RosterKey
    rt = runtime_factory(db_url)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(copy_good(tmp_path)), rt.key())
    with rt.db.session() as s, pytest.raises(KeyError_, match="cannot be decrypted"):
        load_registry_from_store(s, RosterKey(Fernet.generate_key()))
