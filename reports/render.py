"""Rendering a Report: one self-contained HTML file (inline CSS, no external assets), CSV, JSON.

Post text is hostile until proven otherwise: the jinja2 environment autoescapes everything, and
links are only emitted for http(s) URLs.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reports.model import Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["dt"] = lambda d: d.strftime("%Y-%m-%d %H:%M UTC") if isinstance(d, datetime) else "—"
    env.filters["safe_url"] = lambda u: u if isinstance(u, str) and u.lower().startswith(("https://", "http://")) else ""
    return env


def render_html(report: Report) -> str:
    return environment().get_template("report.html.j2").render(report=report)


FIELDS = ("school", "account", "id", "rule", "category", "severity", "confidence", "via", "status", "presence",
          "item_id", "item_url", "clause", "reason", "evidence", "first_seen", "last_seen", "fingerprint")


def _rows(report: Report):
    for f in report.findings:
        yield {
            "school": f.school, "account": f.account, "id": f.id, "rule": f.rule, "category": f.category,
            "severity": f.severity, "confidence": f.confidence, "via": f.via or "", "status": f.status,
            "presence": f.presence, "item_id": f.item_id, "item_url": f.item_url, "clause": f.clause,
            "reason": f.reason, "evidence": " | ".join(s.get("text", "") for s in f.spans),
            "first_seen": f.first_seen.isoformat(), "last_seen": f.last_seen.isoformat(),
            "fingerprint": f.fingerprint,
        }


def render_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS)
    w.writeheader()
    for row in _rows(report):
        # A cell starting with = + - @ would run as a formula in a spreadsheet.
        w.writerow({k: ("'" + v if isinstance(v, str) and v[:1] in "=+-@" else v) for k, v in row.items()})
    return buf.getvalue()


def render_json(report: Report) -> str:
    data = {
        "board": report.board, "generated_at": report.generated_at.isoformat(), "scope": report.scope,
        "by_severity": report.by_severity, "by_category": report.by_category,
        "failed_accounts": [{"school": s.code, "account": a.key, "status": a.status, "message": a.status_message}
                            for s, a in report.failed_accounts],
        "findings": list(_rows(report)),
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


RENDERERS = {"html": render_html, "csv": render_csv, "json": render_json}
