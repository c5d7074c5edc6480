"""The weekly summary's content: counts, new/resolved in the week, the trend from past review
states, accounts needing IT, approvals, links, weeks in the board's timezone, escaping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from auditor.cli import main
from auditor.registry import load_registry_dir
from auditor.review import review_finding
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from tests.auditor.serve_checkers import SERVE_CHECKERS
from reports.summary import (Week, build_summary, render_summary_html, render_summary_text, school_report_url,
                             subject)

DATA = Path(__file__).resolve().parents[1] / "data" / "serve"
TZ = ZoneInfo("America/Toronto")
SCANNED = datetime(2026, 11, 4, 15, 0, tzinfo=timezone.utc)  # Wednesday of W45
NOW = datetime(2026, 11, 30, 14, 0, tzinfo=timezone.utc)  # Monday of W49


@pytest.fixture
def rt(db_url, runtime_factory):
    rt = runtime_factory(db_url, f'[platforms.x]\nconnector = "jsonl"\npath = "{DATA / "items.jsonl"}"\n')
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(DATA / "registry"), rt.key())
    Scanner(rt, now=lambda: SCANNED, checkers=SERVE_CHECKERS).run(trigger="cli")
    return rt


def finding(s, item_id: str) -> m.Finding:
    return s.scalar(select(m.Finding).where(m.Finding.item_id == item_id))


def summary(rt, week: str, school: str | None = None, **kw):
    with rt.db.session() as s:
        return build_summary(s, board="Lakeshore Board", week=Week.parse(week), school=school, now=NOW, **kw)


def test_weeks_are_iso_weeks_in_the_board_timezone():
    assert Week.parse("2026-W48").bounds(TZ) == (datetime(2026, 11, 23, 5, tzinfo=timezone.utc),
                                                 datetime(2026, 11, 30, 5, tzinfo=timezone.utc))
    # Monday 03:00 UTC is still Sunday evening in Toronto: last complete week is W47, not W48.
    assert Week.last_complete(datetime(2026, 11, 30, 3, tzinfo=timezone.utc), TZ).label == "2026-W47"
    assert Week.last_complete(datetime(2026, 11, 30, 12, tzinfo=timezone.utc), TZ).label == "2026-W48"
    assert Week.parse("2027-W01").minus(1).label == "2026-W53"
    for bad in ("2026-48", "2026-W60", "2025-W53", "W48"):
        with pytest.raises(ValueError):
            Week.parse(bad)


def test_counts_new_resolved_and_trend_from_the_review_log(rt):
    with rt.db.session() as s:
        review_finding(s, finding(s, "x:101").id, "acknowledged", note="", reviewer="p", now=datetime(2026, 11, 10, tzinfo=timezone.utc))
        review_finding(s, finding(s, "x:102").id, "resolved", note="", reviewer="p", now=datetime(2026, 11, 18, tzinfo=timezone.utc))
        gone = finding(s, "x:201")
        gone.presence, gone.status_changed_at = "gone", datetime(2026, 11, 25, tzinfo=timezone.utc)
    w45 = summary(rt, "2026-W45", "NHS")
    assert w45.overall.new == 3 and w45.overall.resolved == 0
    w47 = summary(rt, "2026-W47", "NHS")
    assert (w47.overall.new, w47.overall.resolved) == (0, 1)
    nhs = summary(rt, "2026-W48", "NHS").overall
    # Now: x:102 resolved; x:101 acknowledged still needs attention; the unapproved account.
    assert nhs.open_total == 2 and nhs.open_by_severity["critical"] == 1
    assert nhs.open_by_category == {"student-name": 1, "account": 1}
    assert [(p.label, p.open, p.new) for p in nhs.trend] == [
        ("W41", 0, 0), ("W42", 0, 0), ("W43", 0, 0), ("W44", 0, 0), ("W45", 3, 3), ("W46", 3, 0),
        ("W47", 2, 0), ("W48", 2, 0)]
    rps = summary(rt, "2026-W48", "RPS").overall
    assert rps.resolved == 1  # the post left the platform during W48
    assert [p.open for p in rps.trend][-2:] == [2, 1]
    board = summary(rt, "2026-W48")
    assert board.is_board and [sc.code for sc in board.schools] == ["NHS", "RPS"]
    assert board.overall.open_total == 3 and board.overall.resolved == 1


def test_accounts_needing_it_and_missing_approval(rt):
    with rt.db.session() as s:
        accs = {a.handle: a for a in s.scalars(select(m.Account))}
        accs["NorthgateHS"].status = "needs-reauth"
        accs["NorthgateAthletics"].last_success_at = None
        accs["MsRiverGr4"].last_success_at = NOW - timedelta(days=20)
    nhs = summary(rt, "2026-W48", "NHS").overall
    assert [(a.key, a.problem) for a in nhs.account_issues] == [
        ("x:NorthgateAthletics", "never scanned successfully"), ("x:NorthgateHS", "connection broken (needs-reauth)")]
    assert [(a.key, a.kind) for a in nhs.unapproved] == [("x:NorthgateAthletics", "department")]
    rps = summary(rt, "2026-W48", "RPS").overall
    assert [a.problem for a in rps.account_issues] == ["no successful scan since 2026-11-10"]
    assert rps.unapproved == []  # classroom accounts need no approval
    text = render_summary_text(summary(rt, "2026-W48", "NHS"))
    assert "x: NorthgateHS: connection broken (needs-reauth)" in text
    assert "x: NorthgateAthletics (department)" in text


def test_links_only_to_http_base_urls():
    assert school_report_url("https://audit.example.ca/", "NHS") == "https://audit.example.ca/schools/NHS"
    assert school_report_url("https://audit.example.ca", None) == "https://audit.example.ca/"
    assert school_report_url("javascript:alert(1)//", "NHS") == ""
    assert school_report_url("", "NHS") == ""


def test_rendering_escapes_html_and_keeps_text_plain(rt):
    with rt.db.session() as s:
        s.scalar(select(m.School).where(m.School.code == "NHS")).name = 'North <b>"Gate"</b> & Co'
    summ = summary(rt, "2026-W48", "NHS", base_url="https://audit.example.ca")
    html = render_summary_html(summ)
    assert "North &lt;b&gt;" in html and "<b>\"Gate\"" not in html
    assert 'href="https://audit.example.ca/schools/NHS"' in html
    text = render_summary_text(summ)
    assert 'North <b>"Gate"</b> & Co (NHS)' in text and "&lt;" not in text
    assert "Full report: https://audit.example.ca/schools/NHS" in text
    assert subject(summ).startswith("Social media compliance 2026-W48 - North")
    assert subject(summ).endswith(": 3 need attention (2 critical or high)")
    # The trend chart is drawn with table cells: no image, no script, no external resource.
    assert "<img" not in html and "<script" not in html and "src=" not in html


def test_summary_command_prints_text_and_rejects_bad_weeks(rt):
    cfg = str(rt.settings.path)
    out = CliRunner().invoke(main, ["--config", cfg, "summary", "--school", "RPS", "--week", "2026-W45"])
    assert out.exit_code == 0, out.output
    assert "Riverside Public School (RPS)" in out.output and "This week: 2 new" in out.output
    assert "Brightwater" not in out.output
    bad = CliRunner().invoke(main, ["--config", cfg, "summary", "--week", "2026-48"])
    assert bad.exit_code == 2 and "YYYY-Www" in bad.output
    unknown = CliRunner().invoke(main, ["--config", cfg, "summary", "--school", "ZZZ"])
    assert unknown.exit_code == 2 and "no school with code ZZZ" in unknown.output
