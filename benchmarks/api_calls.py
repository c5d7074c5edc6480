"""API calls per account for nightly scans in which nothing is new (X, Bluesky, Mastodon).

Runs each connector against the loopback fake platforms (benchmarks/fake_platform.py): a first
scan to store cursors, then NIGHTS quiet nights a day apart (the connectors' clocks are moved, so
the weekly identity/profile refreshes happen as they would). Calls are counted by the server.
Target: <= 1.5 calls per account per night on average, for each platform.

    .venv/bin/python benchmarks/api_calls.py [--accounts 200] [--nights 28]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_platform import FakePlatformServer, FakeWorld  # noqa: E402

from connectors.base import AccountRef  # noqa: E402
from connectors.bluesky import BlueskyConnector  # noqa: E402
from connectors.http import ApiClient, Pacer  # noqa: E402
from connectors.mastodon import MastodonConnector  # noqa: E402
from connectors.x import XConnector  # noqa: E402

TARGET = 1.5


def make(platform: str, base: str, pacer: Pacer, now: float):
    factory = partial(ApiClient, backoff_factor=0.01)
    if platform == "x":
        c = XConnector({"base_url": base}, client_factory=factory, pacer=pacer)
    elif platform == "bluesky":
        c = BlueskyConnector({"base_url": base, "plc_url": base}, client_factory=factory, pacer=pacer)
    else:
        c = MastodonConnector({"base_url": base}, client_factory=factory, pacer=pacer)
    c.clock = lambda: now
    return c


def account(platform: str, n: int) -> AccountRef:
    if platform == "x":
        return AccountRef("x", f"user{n}", credential="env:BENCH_X_TOKEN")
    if platform == "bluesky":
        return AccountRef("bluesky", f"user{n}.test")
    return AccountRef("mastodon", f"user{n}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--nights", type=int, default=28)
    args = ap.parse_args()
    os.environ.setdefault("BENCH_X_TOKEN", "bench-app-only-token")
    print(f"accounts={args.accounts} nights={args.nights} (first scan not counted); machine: {os.cpu_count()} cores")
    failed = False
    with FakePlatformServer(FakeWorld(accounts=args.accounts)) as server:
        for platform in ("x", "bluesky", "mastodon"):
            pacer = Pacer()
            cursors: dict[int, dict | None] = {}
            day0 = time.time()
            for n in range(args.accounts):  # first scan
                cursor = None
                for page in make(platform, server.base, pacer, day0).fetch(account(platform, n), None):
                    cursor = page.cursor
                cursors[n] = cursor
            per_night = []
            pages = 0
            for night in range(1, args.nights + 1):
                before = server.world.requests.get(platform, 0)
                now = day0 + night * 86400
                for n in range(args.accounts):
                    for page in make(platform, server.base, pacer, now).fetch(account(platform, n), cursors[n]):
                        cursors[n] = page.cursor
                        pages += 1
                        assert not page.items or all(i["type"] in ("profile", "follow") for i in page.items), \
                            f"{platform}: a quiet night yielded new posts"
                per_night.append((server.world.requests.get(platform, 0) - before) / args.accounts)
            mean = sum(per_night) / len(per_night)
            ok = mean <= TARGET
            failed |= not ok
            print(f"{platform:9s} calls/account/night: mean {mean:.3f}  min {min(per_night):.2f}  "
                  f"max {max(per_night):.2f}  pages stored {pages}  target <= {TARGET}: {'ok' if ok else 'MISSED'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
