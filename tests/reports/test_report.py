"""The HTML report: self-contained, evidence highlighted, hostile post text inert."""

from __future__ import annotations

import re
from pathlib import Path

from auditor.registry import load_registry_dir
from auditor.scan import Scanner
from auditor.store.registry_store import import_registry
from connectors.jsonl import JsonlConnector
from reports.model import build_report, highlight
from reports.render import render_csv, render_html, render_json

DATA = Path(__file__).resolve().parents[1] / "data"


def scanned(rt):
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(DATA / "registry" / "good"), rt.key())
    Scanner(rt, connector_factory=lambda p: JsonlConnector({"path": str(DATA / "scan" / "items.jsonl")})).run()
    with rt.db.session() as s:
        return build_report(s, board="Test Board")


def test_script_in_a_post_renders_as_text(runtime_factory, tmp_path):
    report = scanned(runtime_factory(f"sqlite:///{tmp_path / 'r.db'}"))
    html = render_html(report)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # Self-contained: no external stylesheet, script or image.
    assert not re.search(r"<(link|script|img)\b", html)
    assert "<mark>Quillon Marchetti-Vance</mark>" in html
    assert "Riverside Public School (RPS)" in html


def test_csv_and_json_carry_the_same_findings(runtime_factory, tmp_path):
    report = scanned(runtime_factory(f"sqlite:///{tmp_path / 'r.db'}"))
    rows = render_csv(report).splitlines()
    assert rows[0].startswith("school,account,id,rule")
    assert len(rows) - 1 == len(report.findings) > 0
    assert '"findings"' in render_json(report)


def test_csv_cells_cannot_become_formulas(runtime_factory, tmp_path):
    report = scanned(runtime_factory(f"sqlite:///{tmp_path / 'r.db'}"))
    report.findings[0].reason = "=HYPERLINK(\"http://evil\")"
    assert "'=HYPERLINK" in render_csv(report)


def test_highlight_segments_and_cuts_long_text():
    segs = highlight("abc NAME def", [(4, 8)])
    assert [(s.text, s.hit) for s in segs] == [("abc ", False), ("NAME", True), (" def", False)]
    long = "x" * 2000 + "HIT" + "y" * 2000
    segs = highlight(long, [(2000, 2003)], window=100)
    assert segs[0].text == "…" and segs[-1].text == "…" and any(s.hit and s.text == "HIT" for s in segs)
