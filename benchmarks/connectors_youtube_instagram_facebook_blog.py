"""API calls per account and fault tolerance for the YouTube, Instagram, Facebook and blog connectors.

For each platform, N accounts with M posts each are served by a simulated API (the `responses`
library, answering in each API's real shapes with paging), and the real connectors read them the
way the scanner does: each page's items stored, then its cursor.

1. First scan and a nightly scan with nothing new: API calls per account (and YouTube quota units).
2. A faulty night: every account has new posts; 10% of responses fail (429/Graph throttling,
   500/503, timeouts, malformed JSON) and 2% of accounts have a revoked token. Deferred and failed
   accounts are retried in later rounds (as later runs would); the run must end with every healthy
   account complete, every revoked account named, and no item lost or stored twice.

Run: .venv/bin/python benchmarks/connectors_youtube_instagram_facebook_blog.py [--accounts N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
import responses

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.base import AccountRef, AuthError, ConnectorError  # noqa: E402
from connectors.blog import BlogConnector  # noqa: E402
from connectors.facebook import FacebookConnector  # noqa: E402
from connectors.graph import GraphUsage  # noqa: E402
from connectors.http import ApiClient, Pacer  # noqa: E402
from connectors.instagram import InstagramConnector  # noqa: E402
from connectors.youtube import QuotaLedger, YouTubeConnector  # noqa: E402

YT = "https://yt.test/youtube/v3/"
GRAPH = "https://graph.test/v21.0/"
BLOG = "https://blogs.test/"
PAGE = 25
EPOCH = datetime(2026, 9, 1, tzinfo=timezone.utc)


def stamp(n: int) -> datetime:
    return EPOCH + timedelta(hours=7 * n)


class World:
    """The simulated platforms: posts per account, newest first, and the fault dice."""

    def __init__(self, accounts: int, posts: int, seed: int = 7):
        self.rng = random.Random(seed)
        self.accounts = accounts
        self.posts = {p: {a: list(range(posts)) for a in range(accounts)}
                      for p in ("youtube", "instagram", "facebook", "blog")}
        self.fault_rate = 0.0
        self.revoked: set[tuple[str, int]] = set()
        self.requests = 0
        self.faults = 0

    def add_posts(self, n: int) -> None:
        for per_account in self.posts.values():
            for lst in per_account.values():
                top = max(lst) + 1 if lst else 0
                lst.extend(range(top, top + n))

    def newest_first(self, platform: str, account: int) -> list[int]:
        return sorted(self.posts[platform][account], reverse=True)

    def fault(self, platform: str):
        """A failing response, or None."""
        if self.rng.random() >= self.fault_rate:
            return None
        self.faults += 1
        kind = self.rng.choice(["throttle", "500", "503", "timeout", "malformed"])
        if kind == "throttle":
            if platform == "youtube":
                return 403, {}, json.dumps({"error": {"code": 403, "message": "Rate Limit Exceeded",
                                                      "errors": [{"reason": "rateLimitExceeded"}]}})
            if platform == "blog":
                return 429, {"Retry-After": "1"}, "Too Many Requests"
            return 400, {}, json.dumps({"error": {"message": "Application request limit reached", "code": 4,
                                                  "type": "OAuthException", "is_transient": True}})
        if kind in ("500", "503"):
            return int(kind), {}, "Server Error"
        if kind == "timeout":
            raise requests.exceptions.ReadTimeout("simulated timeout")
        return 200, {"Content-Type": "application/json"}, '{"items": [{"id": "cut'

    def revoked_reply(self, platform: str):
        if platform == "youtube":
            return 400, {}, json.dumps({"error": {"code": 400, "message": "API key expired. Please renew the API key.",
                                                  "errors": [{"reason": "badRequest"}],
                                                  "details": [{"reason": "API_KEY_INVALID"}]}})
        return 400, {}, json.dumps({"error": {"message": "Error validating access token: The user has not authorized "
                                                         "application 123.", "type": "OAuthException", "code": 190,
                                              "error_subcode": 458}})


def install(rs: responses.RequestsMock, world: World) -> None:
    def wrap(platform, handler):
        def callback(request):
            world.requests += 1
            parts = urlsplit(request.url)
            q = {k: v[0] for k, v in parse_qs(parts.query).items()}
            account = account_of(platform, parts.path, q, request)
            if (platform, account) in world.revoked:
                return world.revoked_reply(platform)
            failed = world.fault(platform)
            if failed:
                return failed
            return handler(account, parts.path, q, request)
        return callback

    rs.add_callback("GET", re.compile(re.escape(YT) + r".*"), callback=wrap("youtube", youtube_api(world)))
    rs.add_callback("GET", re.compile(re.escape(GRAPH) + r"ig.*"), callback=wrap("instagram", graph_api(world, "instagram")))
    rs.add_callback("GET", re.compile(re.escape(GRAPH) + r"fb.*"), callback=wrap("facebook", graph_api(world, "facebook")))
    rs.add_callback("GET", re.compile(re.escape(BLOG) + r".*"), callback=wrap("blog", blog_api(world)))


def account_of(platform: str, path: str, q: dict, request) -> int:
    if platform == "youtube":
        key = q.get("forHandle") or q.get("id") or q.get("playlistId") or q.get("channelId") or ""
        if path.endswith("/videos"):
            return int(key.split(",")[0].split("v")[1].split("n")[0][1:]) if key else 0
        return int(re.search(r"(\d+)$", key.lstrip("@")).group(1)) if re.search(r"(\d+)$", key) else 0
    if platform == "blog":
        return int(re.search(r"/b(\d+)/", path).group(1))
    return int(re.search(r"/(?:ig|fb)(\d+)", path).group(1))


def youtube_api(world: World):
    def handler(account, path, q, request):
        if path.endswith("/channels"):
            cid = f"UCch{account}"
            return 200, {}, json.dumps({"items": [{"id": cid, "snippet": {"title": f"Channel {account}", "description": ""},
                                                   "contentDetails": {"relatedPlaylists": {"uploads": f"UUch{account}"}}}]})
        if path.endswith("/subscriptions"):
            return 200, {}, json.dumps({"items": [{"snippet": {"title": "Science North", "description": "",
                                                               "resourceId": {"channelId": "UCsci"}}}]})
        if path.endswith("/playlistItems"):
            ids = world.newest_first("youtube", account)
            start = int(q.get("pageToken") or 0)
            size = int(q.get("maxResults") or 50)
            chunk = ids[start:start + size]
            body = {"items": [{"contentDetails": {"videoId": f"v{account:04d}n{n}",
                                                  "videoPublishedAt": stamp(n).strftime("%Y-%m-%dT%H:%M:%SZ")}}
                              for n in chunk]}
            if start + size < len(ids):
                body["nextPageToken"] = str(start + size)
            return 200, {}, json.dumps(body)
        if path.endswith("/videos"):
            items = []
            for vid in q["id"].split(","):
                n = int(vid.split("n")[1])
                items.append({"id": vid, "snippet": {"title": f"Video {n}", "description": "",
                                                     "publishedAt": stamp(n).strftime("%Y-%m-%dT%H:%M:%SZ")},
                              "recordingDetails": {}})
            return 200, {}, json.dumps({"items": items})
        return 404, {}, "{}"
    return handler


def graph_api(world: World, platform: str):
    prefix = "ig" if platform == "instagram" else "fb"
    edge = "media" if platform == "instagram" else "published_posts"

    def listing(account, start, size):
        ids = world.newest_first(platform, account)
        chunk = ids[start:start + size]
        time_key = "timestamp" if platform == "instagram" else "created_time"
        data = [{"id": f"{prefix}{account}_{n}", time_key: stamp(n).strftime("%Y-%m-%dT%H:%M:%S+0000"),
                 "caption" if platform == "instagram" else "message": f"post {n}", "media_type": "IMAGE",
                 "media_url": f"https://cdn.test/{n}.jpg", "permalink": f"https://x.test/{n}"} for n in chunk]
        body = {"data": data, "paging": {"cursors": {"before": "b", "after": str(start + size)}}}
        if start + size < len(ids):
            body["paging"]["next"] = f"{GRAPH}{prefix}{account}/{edge}?access_token=SECRET&after={start + size}"
        return body

    def handler(account, path, q, request):
        if path.endswith("/" + edge):
            return 200, {}, json.dumps(listing(account, int(q["after"]), int(q.get("limit") or PAGE)))
        size = int(re.search(r"limit\((\d+)\)", q.get("fields", "")).group(1))
        body = {"id": f"{prefix}{account}", "username": f"user{account}", "name": f"Account {account}",
                edge: listing(account, 0, size)}
        return 200, {}, json.dumps(body)
    return handler


def blog_api(world: World):
    def handler(account, path, q, request):
        ids = world.newest_first("blog", account)[:20]
        etag = f'"{account}-{ids[0] if ids else 0}"'
        if request.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, ""
        entries = "".join(
            f"<item><title>Post {n}</title><link>{BLOG}b{account}/{n}</link><guid>{BLOG}b{account}/?p={n}</guid>"
            f"<pubDate>{format_datetime(stamp(n))}</pubDate><description>Entry {n}</description></item>"
            for n in ids)
        return 200, {"ETag": etag, "Content-Type": "application/rss+xml"}, (
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Blog {account}</title>'
            f"<link>{BLOG}b{account}/</link><description>d</description>{entries}</channel></rss>")
    return handler


class Store:
    """The scanner's part: items by id (counting writes), then the cursor, per page."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.writes: dict[str, int] = {}
        self.cursor = None
        self.calls = 0

    def run(self, connector, ref):
        try:
            for page in connector.fetch(ref, self.cursor):
                for item in page.items:
                    self.items[item["id"]] = item
                    self.writes[item["id"]] = self.writes.get(item["id"], 0) + 1
                self.cursor = page.cursor
                self.calls += page.api_calls
        except ConnectorError as exc:
            return exc
        return None


def fast_client(platform, base_url, **kw):
    kw["backoff_factor"] = 0
    return ApiClient(platform, base_url, **kw)


class NoSleepPacer(Pacer):
    def __init__(self):
        self.now = time.time()
        super().__init__(max_wait=900, clock=lambda: self.now, sleep=self._sleep)

    def _sleep(self, seconds):
        self.now += seconds


def connectors():
    pacer = NoSleepPacer()
    ledger = QuotaLedger()
    return {
        "youtube": YouTubeConnector({"base_url": YT, "page_size": PAGE}, client_factory=fast_client, pacer=pacer,
                                    ledger=ledger),
        "instagram": InstagramConnector({"base_url": GRAPH, "page_size": PAGE}, client_factory=fast_client,
                                        pacer=pacer, usage=GraphUsage()),
        "facebook": FacebookConnector({"base_url": GRAPH, "page_size": PAGE}, client_factory=fast_client,
                                      pacer=pacer, usage=GraphUsage()),
        "blog": BlogConnector({}, client_factory=fast_client, pacer=pacer),
    }, ledger


def ref(platform: str, a: int) -> AccountRef:
    if platform == "youtube":
        return AccountRef("youtube", f"@ch{a}", f"env:BENCH_{platform.upper()}_{a}")
    if platform == "instagram":
        return AccountRef("instagram", f"user{a}", f"env:BENCH_{platform.upper()}_{a}", platform_user_id=f"ig{a}")
    if platform == "facebook":
        return AccountRef("facebook", f"fb{a}", f"env:BENCH_{platform.upper()}_{a}")
    return AccountRef("blog", f"{BLOG}b{a}/feed/")


def expected_ids(world: World, platform: str, a: int) -> set[str]:
    ids = world.newest_first(platform, a)
    if platform == "youtube":
        return {f"youtube:v{a:04d}n{n}" for n in ids}
    if platform == "instagram":
        return {f"instagram:ig{a}_{n}" for n in ids}
    if platform == "facebook":
        return {f"facebook:fb{a}_{n}" for n in ids}
    return {f"blog:{BLOG}b{a}/?p={n}" for n in ids[:20]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--posts", type=int, default=60)
    args = parser.parse_args()
    for platform in ("YOUTUBE", "INSTAGRAM", "FACEBOOK"):
        for a in range(args.accounts):
            os.environ[f"BENCH_{platform}_{a}"] = f"tok-{platform}-{a}"

    world = World(args.accounts, args.posts)
    stores = {p: {a: Store() for a in range(args.accounts)} for p in world.posts}
    print(f"machine: 2 cores; {args.accounts} accounts per platform, {args.posts} posts each, page size {PAGE}")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rs:
        install(rs, world)
        conns, ledger = connectors()
        print("\n1. API calls per account")
        print(f"{'platform':<10} {'first scan':>11} {'nothing new':>12} {'one new post':>13}")
        rows = {}
        for label, change in (("first", None), ("idle", None), ("one", 1)):
            if change:
                world.add_posts(change)
            for platform, conn in conns.items():
                before = sum(s.calls for s in stores[platform].values())
                for a, store in stores[platform].items():
                    error = store.run(conn, ref(platform, a))
                    assert error is None, (platform, a, error)
                after = sum(s.calls for s in stores[platform].values())
                rows.setdefault(platform, {})[label] = (after - before) / args.accounts
        for platform, r in rows.items():
            print(f"{platform:<10} {r['first']:>11.2f} {r['idle']:>12.2f} {r['one']:>13.2f}")
        print(f"youtube quota units spent in the three nights: {ledger.spent('env:BENCH_YOUTUBE_0')} for account 0; "
              f"{sum(ledger.spent(f'env:BENCH_YOUTUBE_{a}') for a in range(args.accounts))} in total "
              f"(each account has its own key here)")

        print("\n2. A faulty night: 10% of responses fail, 2% of accounts revoked, 30 new posts each")
        world.add_posts(30)
        world.fault_rate = 0.10
        rng = random.Random(11)
        for platform in world.posts:
            if platform == "blog":
                continue  # blogs have no token to revoke
            for a in rng.sample(range(args.accounts), max(1, args.accounts // 50)):
                world.revoked.add((platform, a))
        world.requests = world.faults = 0
        print(f"{'platform':<10} {'rounds':>6} {'healthy complete':>17} {'revoked named':>14} {'lost':>5} {'dupl.':>6}")
        for platform, conn in conns.items():
            pending = set(range(args.accounts))
            revoked_named: set[int] = set()
            rounds = 0
            while pending and rounds < 30:
                rounds += 1
                for a in sorted(pending):
                    error = stores[platform][a].run(conn, ref(platform, a))
                    if error is None:
                        pending.discard(a)
                    elif isinstance(error, AuthError):
                        revoked_named.add(a)
                        pending.discard(a)
                # The next round stands for a later run: earlier deferrals are over.
                if platform == "youtube":
                    conn.ledger = QuotaLedger()
                if platform in ("instagram", "facebook"):
                    conn.usage = GraphUsage()
            healthy = [a for a in range(args.accounts) if (platform, a) not in world.revoked]
            complete = sum(1 for a in healthy if expected_ids(world, platform, a) <= set(stores[platform][a].items))
            lost = sum(len(expected_ids(world, platform, a) - set(stores[platform][a].items)) for a in healthy)
            dup = sum(1 for a in healthy for i, n in stores[platform][a].writes.items()
                      if n > 1 and stores[platform][a].items[i]["type"] == "post")
            expected_revoked = {a for p, a in world.revoked if p == platform}
            print(f"{platform:<10} {rounds:>6} {complete:>8}/{len(healthy):<8} {len(revoked_named):>6}/{len(expected_revoked):<7} "
                  f"{lost:>5} {dup:>6}")
            assert revoked_named == expected_revoked
        print(f"responses served in the faulty night: {world.requests}, of which injected faults: {world.faults}")


if __name__ == "__main__":
    main()
