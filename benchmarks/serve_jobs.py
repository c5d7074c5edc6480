#!/usr/bin/env python3
"""How long the serving process's own jobs take on a large board (scans are measured elsewhere).

Usage:
    python benchmarks/serve_jobs.py [--schools 40] [--findings 20000] [--items 100000] [--db-url URL]

Fills a fresh database (SQLite in a temp folder by default, or --db-url, e.g. an empty PostgreSQL
database) with a synthetic board: schools, 10 accounts each, findings spread over ten weeks with a
review log on a third of them, and raw items half of which are past retention. Then times:
- the weekly summary model (board-wide, and one school) and its rendering (text, HTML + css_inline),
- the claim of one on-demand request,
- the retention purge of the old half of the items,
- the redaction of 10 removed students over every finding and remaining item.
Prints one line per figure. The machine these figures were taken on has 2 cores.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

from auditor import queue  # noqa: E402
from auditor import registry as reg  # noqa: E402
from auditor.retention import purge_items, purge_removed_students  # noqa: E402
from auditor.store import models as m  # noqa: E402
from auditor.store.db import Database  # noqa: E402
from reports.summary import Week, build_summary, render_summary_html, render_summary_text  # noqa: E402

NOW = datetime(2026, 11, 30, 13, 0, tzinfo=timezone.utc)
SEVERITIES = ("critical", "high", "medium", "low", "info")
CATEGORIES = ("student-name", "location", "contact-info", "personal-content", "account", "student-follow")


def fill(db: Database, schools: int, findings: int, items: int, rnd: random.Random) -> None:
    with db.session() as s:
        s.execute(insert(m.School), [{"code": f"S{i:03d}", "name": f"School {i}", "principal_email": f"p{i}@b.example",
                                      "aliases": []} for i in range(schools)])
        school_ids = list(s.scalars(select(m.School.id)))
        accounts = [{"platform": "x", "handle": f"acct{i}", "handle_key": f"acct{i}", "kind": rnd.choice(
            ["classroom", "school", "club"]), "school_id": school_ids[i % schools], "owner_name": "Staff",
            "owner_email": "s@b.example", "approved_by": rnd.choice(["", "p@b.example"]), "credential": "env:T",
            "active": True, "status": rnd.choice(["ok"] * 8 + ["needs-reauth", "error"]), "status_message": "",
            "registered_at": NOW - timedelta(days=400), "last_success_at": NOW - timedelta(days=rnd.randint(0, 20))}
            for i in range(schools * 10)]
        s.execute(insert(m.Account), accounts)
        account_ids = list(s.scalars(select(m.Account.id)))
        rows = []
        for i in range(findings):
            first = NOW - timedelta(days=rnd.uniform(0, 70))
            name = f"Student{i % 500} Lastname{i % 500}"
            rows.append({"fingerprint": f"{i:064x}", "account_id": rnd.choice(account_ids), "item_id": f"x:{i}",
                         "item_url": "", "rule": "SM301 student-full-name", "category": rnd.choice(CATEGORIES),
                         "severity": rnd.choice(SEVERITIES), "confidence": "high", "clause": "§4", "reason":
                         f"names {name}", "spans": [{"field": "text", "start": 0, "end": len(name), "text": name}],
                         "context": {"text": f"{name} won the prize"}, "explanation": {}, "status": "open",
                         "presence": rnd.choice(["present"] * 9 + ["gone"]), "first_seen": first, "last_seen": NOW,
                         "status_changed_at": first + timedelta(days=3)})
        for chunk in range(0, len(rows), 5000):
            s.execute(insert(m.Finding), rows[chunk:chunk + 5000])
        ids = list(s.scalars(select(m.Finding.id)))
        reviews = []
        for fid in rnd.sample(ids, len(ids) // 3):
            reviews.append({"finding_id": fid, "from_status": "open", "to_status": rnd.choice(
                ["acknowledged", "resolved", "false-positive"]), "note": "", "reviewer": "p",
                "at": NOW - timedelta(days=rnd.uniform(0, 60))})
        s.execute(insert(m.ReviewEntry), reviews)
        item_rows = [{"account_id": rnd.choice(account_ids), "item_id": f"x:{i}", "type": "post",
                      "fetched_at": NOW - timedelta(days=rnd.choice([10, 500])), "url": "",
                      "data": {"type": "post", "text": f"Student{i % 500} Lastname{i % 500} at the game"}}
                     for i in range(items)]
        for chunk in range(0, len(item_rows), 10000):
            s.execute(insert(m.StoredItem), item_rows[chunk:chunk + 10000])


def timed(label: str, fn):
    t = time.perf_counter()
    out = fn()
    print(f"{label}: {time.perf_counter() - t:.3f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--schools", type=int, default=40)
    ap.add_argument("--findings", type=int, default=20000)
    ap.add_argument("--items", type=int, default=100000)
    ap.add_argument("--db-url")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    db = Database(args.db_url or f"sqlite:///{tmp}/bench.db")
    print(f"database: {db.engine.url.render_as_string(hide_password=True)}; schools {args.schools}, "
          f"accounts {args.schools * 10}, findings {args.findings}, items {args.items}")
    timed("fill", lambda: fill(db, args.schools, args.findings, args.items, random.Random(7)))
    week = Week.parse("2026-W48")
    with db.session() as s:
        board = timed("summary model, board-wide", lambda: build_summary(s, board="Bench", week=week, now=NOW))
    with db.session() as s:
        timed("summary model, one school", lambda: build_summary(s, board="Bench", week=week, school="S001", now=NOW))
    timed("render text", lambda: render_summary_text(board))
    html = timed("render HTML + css_inline", lambda: render_summary_html(board))
    print(f"board summary HTML: {len(html) // 1024} KiB, {board.overall.open_total} open, "
          f"{len(board.overall.account_issues)} accounts needing IT")
    with db.session() as s:
        for i in range(200):
            queue.enqueue(s, "bench", school_code=f"S{i % args.schools:03d}", now=NOW)
    timed("claim one request (200 queued)", lambda: queue.claim_next(db, "bench", claim_seconds=60, now=NOW))
    n = timed("retention purge", lambda: purge_items(db, 400, now=NOW))
    print(f"purged items: {n}")
    removed = [reg.Student(f"R{i}", f"Student{i}", f"Lastname{i}", "", "S000", "9", "yes", False, [])
               for i in range(10)]
    kept = [reg.Student(f"K{i}", f"Student{i}", f"Lastname{i}", "", "S000", "9", "yes", False, [])
            for i in range(10, 500)]

    def redact():
        with db.session() as s:
            return purge_removed_students(s, removed, kept)

    r = timed("redact 10 removed students", redact)
    print(f"redacted: {r.findings} findings, {r.items} items")
    db.dispose()


if __name__ == "__main__":
    main()
