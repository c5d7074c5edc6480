"""A loopback HTTP server speaking the API shapes of Mastodon, X (v2) and Bluesky (PDS + PLC),
with a fixed-window rate limit and injectable faults, for the connector benchmarks.

It is deliberately dumb: synthetic accounts with a few posts and follows each, answers in the
platforms' JSON shapes and paging rules (Mastodon min_id + Link, X since_id + next_token,
Bluesky listRecords cursor), rate-limit headers in each platform's format, and, when asked, a share
of failing responses (429, 500, 503, a stall past the client's timeout, malformed or cut-off JSON)
and revoked tokens answering 401. Every request is counted per platform.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

FAULT_KINDS = ("429", "500", "503", "timeout", "malformed", "truncated")


@dataclass
class Account:
    n: int
    posts: int
    follows: int

    @property
    def handle(self) -> str:
        return f"user{self.n}"

    @property
    def x_id(self) -> str:
        return str(10_000_000 + self.n)

    @property
    def did(self) -> str:
        return f"did:plc:user{self.n:06d}"

    def status_ids(self) -> list[int]:
        return [1_000_000_000 + self.n * 1000 + j for j in range(1, self.posts + 1)]

    def follow_ids(self) -> list[int]:
        return [900_000 + (self.n + j) % 5000 for j in range(self.follows)]


@dataclass
class Limit:
    limit: int
    window: float


@dataclass
class FakeWorld:
    accounts: int = 100
    limits: dict[str, Limit] = field(default_factory=dict)   # platform → fixed-window limit
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    revoked_tokens: set[str] = field(default_factory=set)
    stall: float = 1.0                                         # seconds a "timeout" fault sleeps
    seed: int = 7

    def __post_init__(self):
        self.start = time.time()
        self.rng = random.Random(self.seed)
        self.lock = threading.Lock()
        self.people = [Account(n, posts=2 + n % 4, follows=1 + n % 3) for n in range(self.accounts)]
        self.requests: dict[str, int] = {}
        self.refused: dict[str, int] = {}     # 429 because over the limit
        self.faults: dict[str, int] = {}
        self.windows: dict[tuple, list] = {}  # (platform, key) → [window index, count]

    # -- rate limit ------------------------------------------------------------------------

    def take(self, platform: str, key: str) -> tuple[bool, int, int, float]:
        """(allowed, limit, remaining, reset_at) for one request."""
        lim = self.limits.get(platform)
        if lim is None:
            return True, 100_000, 99_999, time.time() + 900
        now = time.time()
        index = int((now - self.start) // lim.window)
        reset = self.start + (index + 1) * lim.window
        with self.lock:
            w = self.windows.setdefault((platform, key), [index, 0])
            if w[0] != index:
                w[0], w[1] = index, 0
            if w[1] >= lim.limit:
                return False, lim.limit, 0, reset
            w[1] += 1
            return True, lim.limit, lim.limit - w[1], reset

    def count(self, table: dict, key: str) -> None:
        with self.lock:
            table[key] = table.get(key, 0) + 1

    def pick_fault(self) -> str | None:
        with self.lock:
            if self.fault_rate and self.rng.random() < self.fault_rate:
                return self.rng.choice(self.fault_kinds)
        return None


def rate_headers(platform: str, limit: int, remaining: int, reset: float) -> dict[str, str]:
    if platform == "mastodon":
        iso = datetime.fromtimestamp(reset, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": iso}
    if platform == "x":
        return {"x-rate-limit-limit": str(limit), "x-rate-limit-remaining": str(remaining),
                "x-rate-limit-reset": str(int(reset))}
    return {"RateLimit-Limit": str(limit), "RateLimit-Remaining": str(remaining),
            "RateLimit-Reset": str(int(reset)), "RateLimit-Policy": f"{limit};w=300"}


class Handler(BaseHTTPRequestHandler):
    world: FakeWorld
    base: str
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK

    def log_message(self, *args):  # quiet
        pass

    def send_json(self, status: int, body, headers: dict | None = None, raw: bytes | None = None):
        data = raw if raw is not None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up on a stalled response: that is the point of a "timeout" fault

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        q_all = parse_qs(url.query)
        path = url.path
        platform = ("mastodon" if path.startswith("/api/v1/") else "x" if path.startswith("/2/")
                    else "bluesky")
        w = self.world
        w.count(w.requests, platform)
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
        allowed, limit, remaining, reset = w.take(platform, token or self.client_address[0])
        headers = rate_headers(platform, limit, remaining, reset)
        if not allowed:
            w.count(w.refused, platform)
            return self.send_json(429, {"error": "Too many requests"}, headers)
        if token and token in w.revoked_tokens:
            return self.send_json(401, {"error": "The access token was revoked"} if platform != "x" else
                                  {"title": "Unauthorized", "detail": "Unauthorized", "status": 401}, headers)
        fault = w.pick_fault()
        if fault:
            w.count(w.faults, fault)
            if fault == "429":
                return self.send_json(429, {"error": "Too many requests"}, rate_headers(platform, limit, 0, reset))
            if fault in ("500", "503"):
                return self.send_json(int(fault), {"error": "Internal server error"}, headers)
            if fault == "malformed":
                return self.send_json(200, None, headers, raw=b"<html><body>502 Bad Gateway</body></html>")
            if fault == "timeout":
                time.sleep(w.stall)
        try:
            status, body, extra = self.route(platform, path, q, q_all)
        except KeyError:
            status, body, extra = 404, {"error": "Record not found"}, {}
        if fault == "truncated" and status == 200:
            data = json.dumps(body).encode()
            return self.send_json(200, None, {**headers, **extra}, raw=data[: max(1, len(data) // 2)])
        return self.send_json(status, body, {**headers, **extra})

    # -- platforms -------------------------------------------------------------------------

    def person(self, n: str | int) -> Account:
        n = int(n)
        if not 0 <= n < len(self.world.people):
            raise KeyError(n)
        return self.world.people[n]

    def route(self, platform, path, q, q_all):
        if platform == "mastodon":
            return self.mastodon(path, q)
        if platform == "x":
            return self.x(path, q)
        return self.bluesky(path, q)

    def masto_account(self, a: Account) -> dict:
        return {"id": str(a.n + 1), "username": a.handle, "acct": a.handle, "display_name": f"Teacher {a.n}",
                "note": f"<p>Teacher number {a.n}</p>", "url": f"{self.base}/@{a.handle}", "fields": [],
                "following_count": a.follows, "followers_count": 10, "statuses_count": a.posts}

    def mastodon(self, path, q):
        parts = path.strip("/").split("/")  # api v1 accounts ...
        if parts[3:] == ["lookup"]:
            return 200, self.masto_account(self.person(q["acct"].removeprefix("user"))), {}
        a = self.person(int(parts[3]) - 1)
        if len(parts) == 4:
            return 200, self.masto_account(a), {}
        limit = int(q.get("limit", 20))
        if parts[4] == "statuses":
            ids = a.status_ids()
            chosen = [i for i in ids if i > int(q.get("min_id", 0))][:limit] if "min_id" in q else ids[-limit:]
            chosen.reverse()
            statuses = [{"id": str(i), "created_at": "2026-11-20T10:00:00.000Z", "in_reply_to_id": None,
                         "visibility": "public", "spoiler_text": "", "url": f"{self.base}/@{a.handle}/{i}",
                         "uri": f"{self.base}/users/{a.handle}/statuses/{i}", "content": f"<p>post {i}</p>",
                         "reblog": None, "media_attachments": [], "account": self.masto_account(a)} for i in chosen]
            extra = {}
            if chosen:
                base = f"{self.base}{path}?limit={limit}"
                extra["Link"] = f'<{base}&max_id={chosen[-1]}>; rel="next", <{base}&min_id={chosen[0]}>; rel="prev"'
            return 200, statuses, extra
        if parts[4] == "following":
            return 200, [{"id": str(f), "acct": f"friend{f}@other.social", "display_name": f"Friend {f}",
                          "note": "<p>hello</p>", "url": f"https://other.social/@friend{f}", "fields": []}
                         for f in a.follow_ids()], {}
        raise KeyError(path)

    def x_user(self, a: Account) -> dict:
        return {"id": a.x_id, "username": a.handle, "name": f"Teacher {a.n}", "description": "Teacher",
                "public_metrics": {"following_count": a.follows, "followers_count": 10, "tweet_count": a.posts}}

    def x(self, path, q):
        parts = path.strip("/").split("/")  # 2 users ...
        if parts[2:4] == ["by", "username"]:
            return 200, {"data": self.x_user(self.person(parts[4].removeprefix("user")))}, {}
        if parts[2] == "me":
            return 403, {"title": "Unsupported Authentication", "status": 403,
                         "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint."}, {}
        a = self.person(int(parts[2]) - 10_000_000)
        if parts[3] == "tweets":
            ids = sorted(a.status_ids(), reverse=True)
            if "since_id" in q:
                ids = [i for i in ids if i > int(q["since_id"])]
            start = int(q.get("pagination_token", "p0")[1:])
            size = int(q.get("max_results", 10))
            chunk = ids[start:start + size]
            body = {"meta": {"result_count": len(chunk)}}
            if chunk:
                body["data"] = [{"id": str(i), "text": f"post {i}", "author_id": a.x_id,
                                 "created_at": "2026-11-20T10:00:00.000Z", "edit_history_tweet_ids": [str(i)]}
                                for i in chunk]
                body["includes"] = {"users": [self.x_user(a)]}
            if start + size < len(ids):
                body["meta"]["next_token"] = f"p{start + size}"
            return 200, body, {}
        if parts[3] == "following":
            return 200, {"data": [{"id": str(f), "username": f"friend{f}", "name": f"Friend {f}", "description": "hi"}
                                  for f in a.follow_ids()], "meta": {"result_count": a.follows}}, {}
        raise KeyError(path)

    def bluesky(self, path, q):
        if path.startswith("/did:plc:"):
            a = self.person(int(path.rsplit("user", 1)[1]))
            return 200, {"id": a.did, "alsoKnownAs": [f"at://{a.handle}.test"],
                         "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer",
                                      "serviceEndpoint": self.base}]}, {}
        method = path.rsplit("/", 1)[-1]
        if method == "com.atproto.identity.resolveHandle":
            return 200, {"did": self.person(q["handle"].removeprefix("user").removesuffix(".test")).did}, {}
        a = self.person(int((q.get("did") or q.get("repo")).rsplit("user", 1)[1]))
        if method == "com.atproto.sync.getLatestCommit":
            return 200, {"cid": "bafyrei", "rev": f"3rev{a.posts}"}, {}
        if method == "com.atproto.repo.listRecords":
            coll = q["collection"]
            if coll == "app.bsky.feed.post":
                keys = [f"3k{i:012d}" for i in a.status_ids()]
                recs = [{"uri": f"at://{a.did}/{coll}/{k}", "cid": "bafyrei" + k,
                         "value": {"$type": coll, "text": f"post {k}", "createdAt": "2026-11-20T10:00:00.000Z"}}
                        for k in keys]
            elif coll == "app.bsky.graph.follow":
                recs = [{"uri": f"at://{a.did}/{coll}/3f{f:012d}", "cid": "bafyrei",
                         "value": {"$type": coll, "subject": f"did:plc:user{f % len(self.world.people):06d}",
                                   "createdAt": "2026-11-20T10:00:00.000Z"}} for f in a.follow_ids()]
            elif coll == "app.bsky.actor.profile":
                recs = [{"uri": f"at://{a.did}/{coll}/self", "cid": "bafyrei",
                         "value": {"$type": coll, "displayName": f"Teacher {a.n}", "description": "Teacher"}}]
            else:
                recs = []
            reverse = q.get("reverse") == "true"
            recs.sort(key=lambda r: r["uri"], reverse=not reverse)
            if "cursor" in q:
                recs = [r for r in recs if (r["uri"].rsplit("/", 1)[1] > q["cursor"]) == reverse]
            recs = recs[: int(q.get("limit", 50))]
            body = {"records": recs}
            if recs:
                body["cursor"] = recs[-1]["uri"].rsplit("/", 1)[1]
            return 200, body, {}
        raise KeyError(path)


class FakePlatformServer:
    """Runs the fake platforms on 127.0.0.1 in a background thread."""

    def __init__(self, world: FakeWorld):
        self.world = world
        handler = type("BoundHandler", (Handler,), {"world": world})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        handler.base = self.base
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakePlatformServer:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
