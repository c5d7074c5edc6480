"""`auditor check` as a teacher runs it: JSON on stdout, exit 0; exit 2 naming file and line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"
REG = DATA / "registry" / "good"


def run(*args, cwd=None):
    return subprocess.run([str(Path(sys.executable).parent / "auditor"), *args],
                          capture_output=True, text=True, cwd=cwd)


def test_json_findings_with_the_contract_fields():
    res = run("check", str(DATA / "scan" / "items.jsonl"), "--roster", str(REG / "roster.csv"),
              "--schools", str(REG / "schools.csv"), "--accounts", str(REG / "accounts.csv"), "--format", "json")
    assert res.returncode == 0, res.stderr
    findings = json.loads(res.stdout)
    by_item = {(f["item_id"], f["category"]) for f in findings}
    assert ("x:1", "student-name") in by_item and ("x:10", "student-name") in by_item
    assert ("x:3", "location") in by_item
    assert not [f for f in findings if f["item_id"] == "x:2"]
    for f in findings:
        assert set(f) >= {"rule", "category", "severity", "confidence", "item_id", "platform", "account",
                          "evidence", "clause", "fingerprint"}
        assert f["rule"].split(" ")[0].startswith("SM")


def test_clean_input_exits_zero_with_empty_array(tmp_path):
    p = tmp_path / "clean.jsonl"
    p.write_text('{"type":"post","platform":"x","account":"a","id":"x:1","text":"Library opens at 8."}\n')
    res = run("check", str(p), "--format", "json")
    assert res.returncode == 0 and json.loads(res.stdout) == []


def test_corrupt_line_exits_2_naming_file_and_line(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"type":"post","platform":"x","account":"a","id":"x:1","text":"ok"}\n\n{"type": "post", "platform"\n')
    res = run("check", str(p), "--format", "json")
    assert res.returncode == 2 and res.stdout == ""
    assert f"{p}:3: not valid JSON" in res.stderr


def test_contract_violation_names_the_field(tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"type":"post","platform":"myspace","account":"a","id":"x:1"}\n')
    res = run("check", str(p))
    assert res.returncode == 2 and f"{p}:1: platform: expected one of" in res.stderr


def test_bad_roster_row_exits_2(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text((REG / "roster.csv").read_text() + "T4,,Lastname,,NHS,9,yes,no,\n")
    res = run("check", str(DATA / "scan" / "items.jsonl"), "--roster", str(roster))
    assert res.returncode == 2 and f"{roster}:5: first_name: expected a name" in res.stderr
