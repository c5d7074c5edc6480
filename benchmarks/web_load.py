#!/usr/bin/env python3
"""Load check of the web console: N signed-in users browsing findings at once on loopback.

Usage:
    python benchmarks/web_load.py [--users 50] [--requests 40] [--think 0.5] [--extra-findings 300]
                                  [--server-threads 8]

Builds the sample board (auditor demo) in a temporary folder, adds `--extra-findings` synthetic
findings per school so the lists are a realistic size, adds one principal per school and an admin,
then starts `auditor web` (waitress) as a separate process and signs every simulated user in.
Each user then browses in a loop: dashboard, findings list (with and without filters), a finding's
page, with a random think time of 0..2×`--think` seconds between pages (0 = no pause at all, a
saturation test). Only the browsing is timed, not the sign-ins (argon2 is slow on purpose).

Prints p50/p95/p99/max latency per page kind and overall, throughput and errors (any status other
than 200, or a failed connection). Target (issue 8): p95 <= 200 ms with 50 users and zero errors.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PASSWORD = "load test password 123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_board(workspace: Path, extra: int, port: int, threads: int) -> tuple[Path, dict]:
    from sqlalchemy import select

    from auditor import users
    from auditor.config import load_settings
    from auditor.demo import run_demo
    from auditor.runtime import Runtime
    from auditor.store import models as m

    cfg = run_demo(workspace).config
    with cfg.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[web]\nhost = "127.0.0.1"\nport = {port}\nthreads = {threads}\nsecure_cookies = false\n'
                 f'login_max_attempts = 1000\n')
    rt = Runtime(load_settings(cfg))
    people = {}
    now = datetime.now(timezone.utc)
    with rt.db.session() as s:
        schools = list(s.scalars(select(m.School).order_by(m.School.code)))
        for school in schools:
            email = f"principal.{school.code.lower()}@board.example"
            users.add_user(s, email, "principal", PASSWORD, school.code)
            people[email] = school.code
            accounts = list(s.scalars(select(m.Account).where(m.Account.school_id == school.id)))
            templates = list(s.scalars(select(m.Finding).where(m.Finding.account_id.in_([a.id for a in accounts]))))
            for i in range(extra if templates else 0):
                t = templates[i % len(templates)]
                s.add(m.Finding(fingerprint=f"load-{school.code}-{i}", account_id=t.account_id,
                                item_id=f"{t.item_id}-load{i}", item_url=t.item_url, rule=t.rule,
                                category=t.category, severity=t.severity, confidence=t.confidence, via=t.via,
                                clause=t.clause, reason=t.reason, spans=t.spans, context=t.context,
                                explanation=t.explanation, status="open", presence="present",
                                first_seen=now, last_seen=now))
        users.add_user(s, "it@board.example", "admin", PASSWORD)
        people["it@board.example"] = None
    rt.close()
    return cfg, people


def sign_in(base: str, email: str) -> requests.Session:
    sess = requests.Session()
    page = sess.get(f"{base}/login", timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = sess.post(f"{base}/login", data={"csrf_token": token, "email": email, "password": PASSWORD},
                  allow_redirects=False, timeout=60)
    if r.status_code != 302:
        raise RuntimeError(f"sign-in failed for {email}: {r.status_code}")
    return sess


def browse(base: str, sess: requests.Session, n: int, think: float, seed: int, start: threading.Barrier,
           out: list, lock: threading.Lock) -> None:
    rnd = random.Random(seed)
    ids: list[str] = []
    mine = []
    start.wait()
    if think:  # people do not all click in the same millisecond
        time.sleep(rnd.uniform(0, 2 * think))
    for _ in range(n):
        kind = rnd.choices(["dashboard", "findings", "filtered", "finding"], weights=[1, 3, 2, 4])[0]
        if kind == "finding" and not ids:
            kind = "findings"
        url = {"dashboard": "/", "findings": "/findings",
               "filtered": f"/findings?severity={rnd.choice(['critical', 'high', 'medium'])}&status=all",
               "finding": f"/findings/{rnd.choice(ids) if ids else 0}"}[kind]
        t0 = time.perf_counter()
        try:
            r = sess.get(base + url, timeout=30, allow_redirects=False)
            status, body = r.status_code, r.text
        except requests.RequestException as exc:
            status, body = f"error: {type(exc).__name__}", ""
        dt = time.perf_counter() - t0
        mine.append((kind, dt, status))
        if kind == "findings" and status == 200:
            ids = re.findall(r'href="/findings/(\d+)[?"]', body) or ids
        if think:
            time.sleep(rnd.uniform(0, 2 * think))
    with lock:
        out.extend(mine)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(p / 100 * len(values)) - 1))
    return values[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--requests", type=int, default=40, help="pages per user")
    ap.add_argument("--think", type=float, default=0.5, help="mean pause between pages (seconds)")
    ap.add_argument("--extra-findings", type=int, default=300, help="synthetic findings added per school")
    ap.add_argument("--server-threads", type=int, default=8)
    args = ap.parse_args()

    workspace = Path(tempfile.mkdtemp(prefix="auditor-webload-"))
    port = free_port()
    t0 = time.perf_counter()
    cfg, people = build_board(workspace, args.extra_findings, port, args.server_threads)
    print(f"board built in {time.perf_counter() - t0:.1f}s at {workspace}")
    auditor = Path(sys.executable).parent / "auditor"
    server_log = (workspace / "server.log").open("w")  # a pipe nobody reads would fill and stall the server
    server = subprocess.Popen([str(auditor), "--config", str(cfg), "web"], stdout=server_log,
                              stderr=subprocess.STDOUT, env=os.environ.copy())
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(f"{base}/login", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        emails = sorted(people)
        t0 = time.perf_counter()
        sessions = [sign_in(base, emails[i % len(emails)]) for i in range(args.users)]
        print(f"{args.users} users signed in ({len(emails)} accounts) in {time.perf_counter() - t0:.1f}s")

        out: list = []
        lock = threading.Lock()
        start = threading.Barrier(args.users + 1)
        threads = [threading.Thread(target=browse, args=(base, sessions[i], args.requests, args.think, i, start,
                                                         out, lock)) for i in range(args.users)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        server_log.close()
    queue_warnings = (workspace / "server.log").read_text().count("Task queue depth")

    errors = [(k, s) for k, _, s in out if s != 200]
    by_kind = defaultdict(list)
    for kind, dt, _ in out:
        by_kind[kind].append(dt * 1000)
    every = [dt * 1000 for _, dt, _ in out]
    print(f"machine: {os.cpu_count()} cores; server: waitress, {args.server_threads} threads, "
          "SQLite (the demo workspace)")
    print(f"{args.users} users × {args.requests} pages, think {args.think}s mean; {len(out)} requests in "
          f"{wall:.1f}s = {len(out) / wall:.1f} req/s")
    print(f"{'page':<10} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind in ("dashboard", "findings", "filtered", "finding"):
        v = by_kind.get(kind, [])
        print(f"{kind:<10} {len(v):>5} {pct(v, 50):>8.1f} {pct(v, 95):>8.1f} {pct(v, 99):>8.1f} "
              f"{max(v, default=float('nan')):>8.1f}")
    p95 = pct(every, 95)
    print(f"{'all':<10} {len(every):>5} {pct(every, 50):>8.1f} {p95:>8.1f} {pct(every, 99):>8.1f} "
          f"{max(every):>8.1f}  (mean {statistics.mean(every):.1f})")
    print(f"errors: {len(errors)}" + (f" e.g. {errors[:5]}" if errors else ""))
    print(f"waitress 'task queue depth' warnings (all threads busy): {queue_warnings}")
    ok = p95 <= 200 and not errors
    print(f"target p95 <= 200 ms and zero errors: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
