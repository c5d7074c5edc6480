"""Retention: old raw items go, findings keep their evidence; a student removed from the roster
leaves findings, spans and stored items (through `auditor registry import` too)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from auditor import registry as reg
from auditor.cli import main
from auditor.registry import load_registry_dir
from auditor.retention import MARKER, build_pattern, purge_items, purge_removed_students, redact_finding
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from tests.auditor.serve_checkers import SERVE_CHECKERS

DATA = Path(__file__).resolve().parents[1] / "data" / "serve"
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def jsonl_config(tmp_path: Path) -> str:
    return f'[platforms.x]\nconnector = "jsonl"\npath = "{DATA / "items.jsonl"}"\n'


@pytest.fixture
def scanned(db_url, runtime_factory, tmp_path):
    rt = runtime_factory(db_url, jsonl_config(tmp_path))
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(DATA / "registry"), rt.key())
    Scanner(rt, checkers=SERVE_CHECKERS).run(trigger="cli")
    return rt


def _student(first, last, preferred="", handles=()):
    return reg.Student("S9", first, last, preferred, "NHS", "9", "yes", False, list(handles))


def test_purge_items_keeps_recent_items_and_every_finding(scanned):
    rt = scanned
    with rt.db.session() as s:
        rows = list(s.scalars(select(m.StoredItem).order_by(m.StoredItem.id)))
        assert len(rows) == 5
        for i, row in enumerate(rows):  # fetched 0, 100, 200, 300, 400 days ago
            row.fetched_at = NOW - timedelta(days=100 * i)
        findings_before = {f.fingerprint: (f.context, f.spans) for f in s.scalars(select(m.Finding))}
    assert purge_items(rt.db, 0, now=NOW) == 0  # 0 turns the purge off
    assert purge_items(rt.db, 250, now=NOW, batch=1) == 2  # 300 and 400 days; batched
    with rt.db.session() as s:
        ages = sorted((NOW - r.fetched_at).days for r in s.scalars(select(m.StoredItem)))
        after = {f.fingerprint: (f.context, f.spans) for f in s.scalars(select(m.Finding))}
    assert ages == [0, 100, 200]
    assert after == findings_before  # evidence is kept with the findings


def test_retention_setting_drives_the_purge_after_a_scan(scanned):
    rt = scanned
    assert rt.settings["retention"]["raw_item_days"] == 400
    assert purge_items(rt.db, rt.settings["retention"]["raw_item_days"]) == 0
    assert purge_items(rt.db, 1, now=datetime.now(timezone.utc) + timedelta(days=2)) == 5


def test_pattern_redacts_full_names_handles_and_keeps_shared_given_names():
    removed = [_student("Quillon", "Marchetti-Vance", "Quill", [("x", "quill_mv")]),
               _student("Wendell", "Ashcombe")]
    kept = [_student("Wendell", "Smith")]
    pat = build_pattern(removed, kept)
    text = "Quillon  Marchetti-Vance, @quill_mv and Quill met Wendell Ashcombe; Wendell Smith too. Quilling!"
    out = pat.sub(MARKER, text)
    assert out == (f"{MARKER}, {MARKER} and {MARKER} met {MARKER}; Wendell Smith too. Quilling!")
    assert build_pattern([]) is None


def test_redacted_finding_spans_still_point_at_the_marker():
    pat = build_pattern([_student("Odalys", "Brightwater", "Ody")])
    text = "Big day: Ody Brightwater and Odalys Brightwater both read."
    start = text.index("Odalys")
    f = m.Finding(context={"text": text, "other": "nothing here"}, reason="names Odalys Brightwater",
                  explanation={"matched": ["Odalys Brightwater"], "score": 3},
                  spans=[{"field": "text", "start": start, "end": start + 18, "text": "Odalys Brightwater"},
                         {"field": "text", "start": text.index("read"), "end": text.index("read") + 4, "text": "read"}])
    assert redact_finding(f, pat)
    new = f.context["text"]
    assert new == f"Big day: {MARKER} and {MARKER} both read."
    s0, s1 = f.spans
    assert new[s0["start"]:s0["end"]] == MARKER and s0["text"] == MARKER
    assert new[s1["start"]:s1["end"]] == "read" and s1["text"] == "read"
    assert f.reason == f"names {MARKER}" and f.explanation == {"matched": [MARKER], "score": 3}
    assert f.context["other"] == "nothing here"
    assert not redact_finding(f, pat)  # idempotent


def test_registry_import_removing_a_student_redacts_stored_data(scanned, tmp_path):
    rt = scanned
    names = ("Quillon", "Marchetti-Vance", "quill_mv")

    def dump() -> str:
        with rt.db.session() as s:
            fs = [(f.context, f.spans, f.reason, f.explanation) for f in s.scalars(select(m.Finding))]
            items = [r.data for r in s.scalars(select(m.StoredItem))]
        return json.dumps([fs, items], ensure_ascii=False)

    before = dump()
    assert all(n.lower() in before.lower() for n in names)
    result = CliRunner().invoke(main, ["--config", str(rt.settings.path), "registry", "import",
                                       str(DATA / "registry-after")])
    assert result.exit_code == 0, result.output
    assert "(removed 1)" in result.output and "redacted from 2 findings and 2 stored items" in result.output
    after = dump()
    for n in names:
        assert n.lower() not in after.lower()
    assert MARKER in after
    # Students still on the roster keep their evidence.
    assert "Wendell Ashcombe" in after and "Ody Brightwater" in after
    with rt.db.session() as s:
        assert s.scalar(select(func.count(m.Student.id))) == 2
        f = s.scalar(select(m.Finding).where(m.Finding.item_id == "x:101"))
        assert f.context["text"][f.spans[0]["start"]:f.spans[0]["end"]] == MARKER


def test_purge_removed_students_without_removals_changes_nothing(scanned):
    with scanned.db.session() as s:
        r = purge_removed_students(s, [], kept=[])
    assert (r.findings, r.items) == (0, 0)
