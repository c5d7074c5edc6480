"""End to end through `auditor import`: each format lands in the store and findings, a second
import of the same export changes nothing, and a hostile archive is refused with nothing written."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main
from tests.connectors.exports.conftest import BAD, DATA

ACCOUNTS = [
    ("x", "lakeview_math", DATA / "x_archive.zip"),
    ("mastodon", "lakeview_science@mastodon.example", DATA / "mastodon" / "archive.tar.gz"),
    ("bluesky", "lakeviewart.bsky.social", DATA / "bluesky_repo.car"),
    ("instagram", "lakeview_art", DATA / "instagram.zip"),
    ("facebook", "lakeviewpc", DATA / "facebook.zip"),
]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    monkeypatch.delenv("AUDITOR_CONFIG", raising=False)
    monkeypatch.delenv("AUDITOR_DATABASE_URL", raising=False)
    reg = tmp_path / "registry"
    reg.mkdir()
    (reg / "schools.csv").write_text("code,name,principal_email,aliases\nLSS,Lakeview Secondary School,"
                                     "p@board.example.org,Lakeview\n", encoding="utf-8")
    rows = "\n".join(f"{p},{h},classroom,LSS,T Eacher,t@board.example.org,," for p, h, _ in ACCOUNTS)
    (reg / "accounts.csv").write_text("platform,handle,kind,school,owner_name,owner_email,approved_by,credential\n"
                                      + rows + "\n", encoding="utf-8")
    (reg / "roster.csv").write_text("student_id,first_name,last_name,preferred_name,school,grade,media_consent,"
                                    "safety_flag,handles\nS1,Renée,Roy,,LSS,10,no,no,\n", encoding="utf-8")
    ws = tmp_path / "ws"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(ws)]).exit_code == 0
    cfg = ws / "auditor.toml"
    with cfg.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[imports]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n')
    result = runner.invoke(main, ["--config", str(cfg), "registry", "import", str(reg)])
    assert result.exit_code == 0, result.output
    return cfg


def counts(cfg: Path) -> tuple[int, int]:
    db = sqlite3.connect(cfg.parent / "auditor.db")
    try:
        return (db.execute("select count(*) from items").fetchone()[0],
                db.execute("select count(*) from findings").fetchone()[0])
    finally:
        db.close()


@pytest.mark.parametrize("platform, handle, path", ACCOUNTS, ids=[a[0] for a in ACCOUNTS])
def test_import_twice_changes_nothing_the_second_time(workspace, platform, handle, path):
    runner = CliRunner()
    first = runner.invoke(main, ["--config", str(workspace), "import", f"{platform}:{handle}", str(path)])
    assert first.exit_code == 0, first.output
    new_items = int(re.search(r"(\d+) new items", first.output).group(1))
    assert new_items > 0
    after_first = counts(workspace)
    assert after_first[0] == new_items
    second = runner.invoke(main, ["--config", str(workspace), "import", f"{platform}:{handle}", str(path)])
    assert second.exit_code == 0, second.output
    assert re.search(r"\b0 new items", second.output), second.output
    assert counts(workspace) == after_first


def test_exports_raise_findings(workspace):
    runner = CliRunner()
    for platform, handle, path in ACCOUNTS:
        assert runner.invoke(main, ["--config", str(workspace), "import", f"{platform}:{handle}",
                                    str(path)]).exit_code == 0
    db = sqlite3.connect(workspace.parent / "auditor.db")
    rules = {r[0].split()[0] for r in db.execute("select rule from findings")}
    db.close()
    assert "SM303" in rules  # a GPS-tagged photo, read from the file extracted out of an archive
    assert "SM301" in rules  # Renée Roy, from the Facebook export's repaired text


def test_hostile_archive_is_refused_and_nothing_is_stored(workspace):
    before = counts(workspace)
    result = CliRunner().invoke(main, ["--config", str(workspace), "import", "x:lakeview_math",
                                       str(BAD / "zip_slip.zip")])
    assert result.exit_code != 0
    assert "outside the archive" in result.output
    assert counts(workspace) == before
