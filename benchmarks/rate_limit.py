"""A scan of 1,000 Mastodon accounts against a strict rate limit, then the same with faults.

The loopback fake platform (benchmarks/fake_platform.py) enforces Mastodon's 300 requests per
5 minutes per IP, scaled down in time (--scale 100: 300 per 3 s), and answers in Mastodon's
shapes and headers. The connectors share one Pacer, as accounts behind one IP or token do.

Run 1 (clean): wall time ÷ the minimum the limit allows for the calls made. With a fixed window
the fastest possible scan issues L calls per window, so it needs (ceil(C/L) - 1) whole windows
plus the time to make the last window's calls at full speed (measured by an unthrottled run).
Target <= 1.2.

Run 2 (faults): 10% of responses fail (429, 500, 503, a stall past the read timeout, malformed or
cut-off JSON) and 2% of accounts use a revoked token. Accounts that fail are retried in later
passes, as the scanner defers them; every healthy account must end complete, the revoked ones
named, and no post stored twice or missing.

    .venv/bin/python benchmarks/rate_limit.py [--accounts 1000] [--scale 100]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_platform import FakePlatformServer, FakeWorld, Limit  # noqa: E402

from connectors.base import AccountRef, AuthError, ConnectorError  # noqa: E402
from connectors.http import ApiClient, Pacer  # noqa: E402
from connectors.mastodon import MastodonConnector  # noqa: E402

LIMIT = 300
WINDOW = 300.0
TARGET = 1.2
REVOKED_TOKEN = "revoked-token-value"


class MemoryScanner:
    """Stores each page's items and cursor together, as the scanner's transaction does."""

    def __init__(self, base: str, pacer: Pacer, factory):
        self.base, self.pacer, self.factory = base, pacer, factory
        self.cursors: dict[str, dict | None] = {}
        self.items: dict[str, dict[str, dict]] = {}
        self.writes: dict[str, int] = {}
        self.status: dict[str, str] = {}

    def scan(self, account: AccountRef) -> ConnectorError | None:
        connector = MastodonConnector({"base_url": self.base, "max_wait": 120}, client_factory=self.factory,
                                      pacer=self.pacer)
        store = self.items.setdefault(account.handle, {})
        try:
            for page in connector.fetch(account, self.cursors.get(account.handle)):
                for item in page.items:
                    store[item["id"]] = item
                    if item["type"] == "post":
                        self.writes[item["id"]] = self.writes.get(item["id"], 0) + 1
                self.cursors[account.handle] = page.cursor
        except ConnectorError as exc:
            self.status[account.handle] = exc.status
            return exc
        self.status[account.handle] = "ok"
        return None

    def run(self, accounts: list[AccountRef], passes: int = 1, threads: int = 1) -> tuple[int, set[str]]:
        """Scan, retrying deferred/failed accounts in later passes. Returns (passes used, needs-reauth).
        With threads > 1, accounts are scanned concurrently, all through the one shared Pacer."""
        todo, reauth = list(accounts), set()
        for n in range(1, passes + 1):
            with ThreadPoolExecutor(max_workers=threads) as pool:
                errors = list(pool.map(self.scan, todo))
            retry = []
            for account, err in zip(todo, errors):
                if isinstance(err, AuthError):
                    reauth.add(account.handle)
                elif err is not None:
                    retry.append(account)
            todo = retry
            if not todo:
                return n, reauth
        return passes, reauth


def accounts(n: int, revoked: set[int] = frozenset()) -> list[AccountRef]:
    return [AccountRef("mastodon", f"user{i}", credential="env:BENCH_REVOKED" if i in revoked else "")
            for i in range(n)]


def factory(timeout=(2, 5)):
    return partial(ApiClient, backoff_factor=0.02, retries=3, timeout=timeout)


def clean_run(n: int, window: float, threads: int = 1) -> bool:
    # Unthrottled: how long the calls take at full speed.
    with FakePlatformServer(FakeWorld(accounts=n)) as free:
        scanner = MemoryScanner(free.base, Pacer(), factory())
        t = time.perf_counter()
        scanner.run(accounts(n))
        t_free = time.perf_counter() - t
        calls = free.world.requests["mastodon"]
    # Throttled.
    world = FakeWorld(accounts=n, limits={"mastodon": Limit(LIMIT, window)})
    with FakePlatformServer(world) as server:
        pacer = Pacer(margin=window / 100, max_wait=120)
        scanner = MemoryScanner(server.base, pacer, factory())
        world.start = time.time()
        t = time.perf_counter()
        scanner.run(accounts(n), threads=threads)
        wall = time.perf_counter() - t
        made = world.requests["mastodon"]
        refused = world.refused.get("mastodon", 0)
    windows = math.ceil(made / LIMIT)
    last_batch = made - (windows - 1) * LIMIT
    minimum = (windows - 1) * window + t_free * last_batch / calls
    ratio = wall / minimum
    print(f"clean run: {n} accounts, {threads} thread(s), {made} calls ({refused} refused with 429), limit {LIMIT}/{window:g} s "
          f"(= 300/5 min scaled by {WINDOW / window:g})")
    print(f"  unthrottled {t_free:.2f} s; minimum the limit allows {minimum:.2f} s; wall {wall:.2f} s; "
          f"paced sleep {pacer.waited:.2f} s")
    print(f"  wall / minimum = {ratio:.3f}  target <= {TARGET}: {'ok' if ratio <= TARGET else 'MISSED'}")
    return ratio <= TARGET


def fault_run(n: int, window: float) -> bool:
    revoked = {i for i in range(n) if i % 50 == 7}  # 2%
    world = FakeWorld(accounts=n, limits={"mastodon": Limit(LIMIT, window)}, fault_rate=0.10,
                      revoked_tokens={REVOKED_TOKEN}, stall=0.8)
    os.environ["BENCH_REVOKED"] = REVOKED_TOKEN
    with FakePlatformServer(world) as server:
        pacer = Pacer(margin=window / 100, max_wait=120)
        scanner = MemoryScanner(server.base, pacer, factory(timeout=(1, 0.4)))
        world.start = time.time()
        t = time.perf_counter()
        passes, reauth = scanner.run(accounts(n, revoked), passes=30)
        wall = time.perf_counter() - t
    expected_revoked = {f"user{i}" for i in revoked}
    complete = lost = 0
    incomplete = []
    for person in world.people:
        if person.n in revoked:
            continue
        got = scanner.items.get(person.handle, {})
        want_posts = {f"mastodon:{i}" for i in person.status_ids()}
        want_follows = {f"mastodon:follow:{f}" for f in person.follow_ids()}
        have_posts = {i for i, it in got.items() if it["type"] == "post"}
        have_follows = {i for i, it in got.items() if it["type"] == "follow"}
        missing = len(want_posts - have_posts) + len(want_follows - have_follows)
        lost += missing
        if missing or f"mastodon:profile:{person.n + 1}" not in got:
            incomplete.append(person.handle)
        else:
            complete += 1
    duplicated = sum(1 for c in scanner.writes.values() if c > 1)
    healthy = n - len(revoked)
    print(f"fault run: {n} accounts, {sum(world.requests.values())} requests, faults injected "
          + ", ".join(f"{k}={v}" for k, v in sorted(world.faults.items()))
          + f", over-limit 429s {world.refused.get('mastodon', 0)}; {passes} passes, wall {wall:.1f} s")
    print(f"  healthy accounts complete {complete}/{healthy}; needs-reauth named {len(reauth)} "
          f"(expected {len(expected_revoked)}, match: {reauth == expected_revoked}); "
          f"items lost {lost}; posts duplicated {duplicated}")
    if incomplete:
        print(f"  incomplete: {', '.join(incomplete[:10])}")
    return complete == healthy and reauth == expected_revoked and lost == 0 and duplicated == 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--scale", type=float, default=100.0, help="time compression of the 5-minute window")
    ap.add_argument("--skip-faults", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="accounts scanned concurrently in the clean run")
    args = ap.parse_args()
    window = WINDOW / args.scale
    print(f"machine: {os.cpu_count()} cores")
    ok = clean_run(args.accounts, window, args.threads)
    if not args.skip_faults:
        ok = fault_run(args.accounts, window) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
