"""Import speed and memory of the export importers on large generated archives.

    .venv/bin/python benchmarks/import_speed.py [--posts 100000] [--small 10000] [--no-cli]

Writes an X archive (.zip) and a Mastodon archive (.tar.gz) of N posts (1 in 50 with a photo
carrying EXIF GPS, 1 in 10 a retweet/boost) into a temporary folder, then imports each:

1. in-process through the importer's pages (open_export → fetch), each run in a fresh child
   process so its peak RSS (ru_maxrss) is its own; tracemalloc's peak is the Python heap;
2. through `auditor import` (the full pipeline: store, checkers, findings) on a SQLite database,
   when the command exists, with the child's peak RSS from wait4().

The same is done at --small posts so memory at 10k and 100k can be compared: flat memory means the
two peaks are close. Target: peak RSS <= 200 MB at 100k posts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

T0 = datetime(2025, 1, 6, 8, 0, tzinfo=timezone.utc)
WORDS = ("Our class explored fractions with pattern blocks today and the results were wonderful to see "
         "thank you families for the support at the book fair see you at the concert next week").split()


def text_for(i: int) -> str:
    n = 12 + i % 20
    return " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(n)) + f" #{i}"


def make_x(path: Path, n: int, photo: bytes) -> Path:
    from connectors.exports import writers as w

    def tweets():
        for i in range(n):
            when = T0 + timedelta(minutes=i)
            tid = 1_900_000_000_000_000_000 + i
            if i % 10 == 9:
                yield w.x_tweet(tid, f"RT @someone{i % 97}: {text_for(i)}", when)
            elif i % 50 == 0:
                yield w.x_tweet(tid, text_for(i), when, media=[(f"P{i}.jpg", "photo")])
            else:
                yield w.x_tweet(tid, text_for(i), when)

    media = {f"{1_900_000_000_000_000_000 + i}-P{i}.jpg": photo for i in range(0, n, 50)}
    return w.write_x_archive(path, account={"username": "bench_x", "accountId": "1"}, profile=None,
                             tweets=tweets(), likes=({"tweetId": str(i), "fullText": text_for(i)} for i in range(n // 10)),
                             following=(str(10_000 + i) for i in range(n // 100)), media=media)


def make_mastodon(path: Path, n: int, photo: bytes) -> Path:
    from connectors.exports import writers as w
    base, user = "https://mastodon.example", "bench_m"

    def acts():
        for i in range(n):
            when = T0 + timedelta(minutes=i)
            if i % 10 == 9:
                yield w.mastodon_boost(base, user, 1_000_000 + i, f"https://other.example/users/u{i % 97}/statuses/{i}",
                                       when)
            elif i % 50 == 0:
                yield w.mastodon_note(base, user, 1_000_000 + i, f"<p>{text_for(i)}</p>", when, attachments=[
                    w.mastodon_attachment(f"/media_attachments/files/{i}/original/p.jpg", "alt text")])
            else:
                yield w.mastodon_note(base, user, 1_000_000 + i, f"<p>{text_for(i)}</p>", when)

    media = {f"/media_attachments/files/{i}/original/p.jpg": photo for i in range(0, n, 50)}
    return w.write_mastodon_archive(path, actor=w.mastodon_actor(base, user, "Bench", "<p>bench</p>"),
                                    activities=acts(), likes=(f"{base}/users/x/statuses/{i}" for i in range(n // 10)),
                                    media=media, total=n)


def child(platform_name: str, handle: str, path: str, cache: str, mode: str) -> None:
    """Runs in a fresh process: import, count, report time and memory as one JSON line.

    mode "time": no tracing, so the rate is real; mode "heap": under tracemalloc (slower) for the
    peak of the Python heap."""
    import tracemalloc

    from connectors.base import AccountRef
    from connectors.exports import open_export

    if mode == "heap":
        tracemalloc.start()
    start = time.perf_counter()
    conn = open_export(platform_name, Path(path), settings={"imports": {"cache_dir": cache}})
    items = pages = 0
    for page in conn.fetch(AccountRef(platform_name, handle), None):
        items += len(page.items)
        pages += 1
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    print(json.dumps({"items": items, "pages": pages, "seconds": seconds, "py_peak_mb": peak / 2**20,
                      "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_child(args: list[str]) -> tuple[str, float, float]:
    """(stdout, wall seconds, peak RSS MB of that child alone)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    out_chunks = []
    _, status, usage = os.wait4(proc.pid, 0)
    out_chunks.append(proc.stdout.read())
    err = proc.stderr.read()
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(args[:4])}... exited {code}:\n{err[-2000:]}")
    return "".join(out_chunks), wall, usage.ru_maxrss / 1024


def cli_workspace(tmp: Path) -> Path:
    ws = tmp / "cli"
    (ws / "registry").mkdir(parents=True)
    (ws / "registry" / "schools.csv").write_text("code,name,principal_email,aliases\nBS,Bench School,p@b.example,\n")
    (ws / "registry" / "accounts.csv").write_text(
        "platform,handle,kind,school,owner_name,owner_email,approved_by,credential\n"
        "x,bench_x,classroom,BS,T,t@b.example,,\n"
        "mastodon,bench_m@mastodon.example,classroom,BS,T,t@b.example,,\n")
    (ws / "registry" / "roster.csv").write_text(
        "student_id,first_name,last_name,preferred_name,school,grade,media_consent,safety_flag,handles\n"
        "S1,Marisol,Quintero,,BS,5,no,no,\n")
    (ws / "auditor.toml").write_text(
        '[database]\nurl = "sqlite:///auditor.db"\n[security]\nkey_file = "auditor.key"\n'
        f'[imports]\ncache_dir = "{(ws / "cache").as_posix()}"\n', encoding="utf-8")
    return ws


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        child(*a.child)
        return

    from connectors.exports import writers as w
    photo = w.jpeg(43.4675, -79.6877, size=(640, 480))
    py = sys.executable
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmpdir:
        tmp = Path(tmpdir)
        rows = []
        archives = {}
        for n in (a.small, a.posts):
            t = time.perf_counter()
            x = make_x(tmp / f"x_{n}.zip", n, photo)
            m = make_mastodon(tmp / f"mastodon_{n}.tar.gz", n, photo)
            archives[n] = (x, m)
            print(f"generated {n:,} posts: X {x.stat().st_size / 2**20:.1f} MB, "
                  f"Mastodon {m.stat().st_size / 2**20:.1f} MB in {time.perf_counter() - t:.1f}s")
            for plat, handle, path in (("x", "bench_x", x), ("mastodon", "bench_m@mastodon.example", m)):
                args = [py, __file__, "--child", plat, handle, str(path), str(tmp / f"cache{n}")]
                out, wall, rss = run_child(args + ["time"])
                res = json.loads(out.strip().splitlines()[-1])
                heap = json.loads(run_child(args + ["heap"])[0].strip().splitlines()[-1])["py_peak_mb"]
                rows.append(("pages", plat, n, res["items"], res["seconds"], heap, rss))
        if not a.no_cli:
            auditor = Path(py).with_name("auditor")
            have_import = subprocess.run([str(auditor), "import", "--help"], capture_output=True).returncode == 0
            if have_import:
                for n in (a.small, a.posts):
                    ws = cli_workspace(tmp / f"ws{n}")
                    env_args = [str(auditor), "--config", str(ws / "auditor.toml")]
                    subprocess.run(env_args + ["init", str(ws)], check=True, capture_output=True, cwd=ws)
                    subprocess.run(env_args + ["registry", "import", str(ws / "registry")], check=True,
                                   capture_output=True, cwd=ws)
                    for plat, handle, path in (("x", "bench_x", archives[n][0]),
                                               ("mastodon", "bench_m@mastodon.example", archives[n][1])):
                        out, wall, rss = run_child(env_args + ["import", f"{plat}:{handle}", str(path)])
                        found = re.search(r"(\d[\d,]*) new items", out)
                        items = int(found.group(1).replace(",", "")) if found else 0
                        rows.append(("auditor import", plat, n, items, wall, float("nan"), rss))
                        print(f"auditor import {plat} {n:,}: {out.strip().splitlines()[-1] if out.strip() else ''}")
            else:
                print("(`auditor import` not available: CLI run skipped)")
        print()
        print(f"{'path':<15} {'format':<9} {'posts':>8} {'items':>8} {'seconds':>8} {'items/s':>9} "
              f"{'py heap MB':>10} {'peak RSS MB':>11}")
        for kind, plat, n, items, secs, heap, rss in rows:
            print(f"{kind:<15} {plat:<9} {n:>8,} {items:>8,} {secs:>8.1f} {items / secs:>9,.0f} "
                  f"{heap:>10.1f} {rss:>11.1f}")


if __name__ == "__main__":
    main()
