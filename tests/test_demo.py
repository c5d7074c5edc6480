"""The demo pipeline end to end, on the bundled sample board: the exact findings the sample was
built to contain (config/sample/expected.csv), a second scan that changes nothing, and a reviewed
false positive that stays suppressed."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor.config import load_settings
from auditor.demo import SAMPLE, run_demo
from auditor.review import review_finding
from auditor.runtime import Runtime
from auditor.scan import Scanner
from auditor.store import models as m

UNSCORED = {"account", "student-image"}


def expected_pairs() -> set[tuple[str, str]]:
    with (SAMPLE / "expected.csv").open(encoding="utf-8", newline="") as fh:
        return {(row["item_id"], c) for row in csv.DictReader(fh) for c in row["categories"].split(";") if c}


def finding_rows(rt):
    with rt.db.session() as s:
        return [(f.item_id, f.category, f.rule, f.status, f.presence, f.fingerprint, f.last_seen)
                for f in s.scalars(select(m.Finding).order_by(m.Finding.id))]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    result = run_demo(tmp_path_factory.mktemp("demo"))
    rt = Runtime(load_settings(result.config, env={}))
    yield result, rt
    rt.close()


def test_demo_finds_exactly_what_the_sample_plants(demo):
    result, rt = demo
    assert all(o.outcome == "ok" for o in result.scan.outcomes), result.scan.failed
    rows = finding_rows(rt)
    activity = {(item, cat) for item, cat, *_ in rows if cat not in UNSCORED and not item.startswith("account:")}
    scan_ids = {line.split('"id": "')[1].split('"')[0]
                for f in (SAMPLE / "activity").glob("*.jsonl") for line in f.read_text().splitlines()}
    from_activity = {(i, c) for i, c in activity if i in scan_ids}
    assert from_activity == expected_pairs()


def test_account_rules_flag_unapproved_school_accounts(demo):
    _, rt = demo
    flagged = {item for item, cat, rule, *_ in finding_rows(rt) if rule.startswith("SM401")}
    assert flagged == {"account:x:MCSS_Athletics", "account:bluesky:ospreyarm.bsky.social"}


def test_second_scan_changes_nothing_and_false_positive_stays_suppressed(demo):
    _, rt = demo
    before = finding_rows(rt)
    target = next(r for r in before if r[1] == "student-name")
    with rt.db.session() as s:
        fid = s.scalar(select(m.Finding.id).where(m.Finding.fingerprint == target[5]))
        review_finding(s, fid, "false-positive", note="test", reviewer="principal")
    Scanner(rt).run(trigger="cli", requested_by="test")
    after = finding_rows(rt)
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in after] == [(r[0], r[1], r[2], r[4], r[5]) for r in before]
    status = {r[5]: r[3] for r in after}
    assert status[target[5]] == "false-positive"
    assert sum(1 for r in after if r[3] == "false-positive") == 1


def test_make_demo_command_prints_report_path(tmp_path):
    res = subprocess.run([str(Path(sys.executable).parent / "auditor"), "demo", "--dir", str(tmp_path / "w")],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    last = res.stdout.strip().splitlines()[-1]
    assert last.startswith("report: ") and Path(last[8:]).is_file()
