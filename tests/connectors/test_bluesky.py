"""Bluesky connector against `responses`, serving records captured from a real PDS (dev-env)."""

import copy
import json
import re
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import AccountRef, AuthError, ConnectorError, NotFound, RateLimited, TransientError
from connectors.bluesky import BlueskyConnector
from connectors.http import ApiClient, Pacer

from tests.connectors.connector_harness import Store, load

PDS = "https://pds.example.test"
PLC = "https://plc.example.test"
ENTRY = "https://bsky.example.test"
APPVIEW = "https://appview.example.test"
CAPTURED_PDS = "http://localhost:41341"
TEACHER = "did:plc:v63yu2fmqdkvcg6tlkibryxu"
COLLEAGUE = "did:plc:gyuqvuu7mxszgm6lsfqzppel"
STUDENT = "did:plc:kap7sujgsjb2i6riahxuhixv"


def body(name):
    data = json.loads(json.dumps(load(f"bluesky/{name}.json")).replace(CAPTURED_PDS, PDS))
    return data.get("body", data)


class FakeRepo:
    """A PDS + PLC holding the captured records, listing them the way the reference PDS does
    (descending record keys; `reverse=true` ascending; the cursor is the last record key)."""

    def __init__(self):
        self.records = {}
        for name, coll in (("posts", "app.bsky.feed.post"), ("reposts", "app.bsky.feed.repost"),
                           ("likes", "app.bsky.feed.like"), ("follows", "app.bsky.graph.follow"),
                           ("profile", "app.bsky.actor.profile")):
            self.records[coll] = body(name)["records"]
        self.rev = body("getLatestCommit")["rev"]
        self.docs = {TEACHER: body("did_doc"), COLLEAGUE: body("colleague_doc"), STUDENT: body("student_doc")}
        self.fault = None  # (predicate(url, params), response tuple) applied once per match
        self.calls = []

    def add_post(self, rkey, text):
        self.records["app.bsky.feed.post"].append({
            "uri": f"at://{TEACHER}/app.bsky.feed.post/{rkey}", "cid": "bafyrei" + rkey,
            "value": {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-29T10:00:00.000Z"}})
        self.rev = "3zz" + rkey

    def handler(self, request):
        url = urlsplit(request.url)
        params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(url.query).items()}
        self.calls.append((url.path, params))
        if self.fault and self.fault[0](url.path, params):
            result = self.fault[1]
            if not getattr(self, "fault_sticky", False):
                self.fault = None
            if isinstance(result, Exception):
                raise result
            return result
        if url.netloc == urlsplit(PLC).netloc:
            return 200, {}, json.dumps(self.docs[url.path.strip("/")])
        method = url.path.rsplit("/", 1)[-1]
        if method == "com.atproto.identity.resolveHandle":
            return 200, {}, json.dumps({"did": TEACHER})
        if method == "com.atproto.sync.getLatestCommit":
            return 200, {}, json.dumps({"cid": "bafyreic5", "rev": self.rev})
        if method == "com.atproto.repo.getRecord":
            return 200, {}, json.dumps(body("colleague_post"))
        if method == "com.atproto.repo.listRecords":
            recs = sorted(self.records.get(params["collection"], []), key=lambda r: r["uri"].rsplit("/", 1)[1],
                          reverse=params.get("reverse") != "true")
            cursor = params.get("cursor")
            if cursor:
                asc = params.get("reverse") == "true"
                recs = [r for r in recs if (r["uri"].rsplit("/", 1)[1] > cursor) == asc]
            recs = recs[: int(params.get("limit", 50))]
            out = {"records": recs}
            if recs:
                out["cursor"] = recs[-1]["uri"].rsplit("/", 1)[1]
            return 200, {}, json.dumps(out)
        return 404, {}, json.dumps({"error": "MethodNotImplemented"})


@pytest.fixture
def repo():
    fake = FakeRepo()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        for host in (PDS, PLC, ENTRY):
            rsps.add_callback(responses.GET, re.compile(re.escape(host) + r"/.*"),
                              callback=lambda request: fake.handler(request))
        fake.rsps = rsps
        yield fake


def connector(clock, **options):
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=options.pop("max_wait", 900))
    c = BlueskyConnector({"base_url": ENTRY, "plc_url": PLC, **options},
                         client_factory=partial(ApiClient, backoff_factor=0, retries=1), pacer=pacer)
    c.clock = clock
    return c


ACCOUNT = AccountRef("bluesky", "teacher.test")


def test_first_run_reads_every_kind_of_item(repo, clock):
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    items = store.items
    posts = {i["text"]: i for i in items.values() if i["type"] == "post" and i["kind"] != "repost"}
    assert posts["Welcome back to school, everyone!"]["kind"] == "original"
    assert posts["Welcome back to school, everyone!"]["url"].startswith("https://bsky.app/profile/teacher.test/post/")
    img = posts["Our science fair"]["media"][0]
    assert img["alt"] == "Students at the science fair table" and img["type"] == "image"
    assert img["url"] == (f"{PDS}/xrpc/com.atproto.sync.getBlob?did={TEACHER}"
                          "&cid=bafkreigectgq4icn5f2pon2ty7ri25ry46zwsg5ywgrlvnvslo375v6oo4")
    assert posts["Thanks for the heads-up"]["kind"] == "reply"
    quote = posts["Worth a read"]
    assert quote["kind"] == "quote"
    assert quote["quoted"]["text"] == "Staff meeting moved to Thursday"
    assert quote["quoted"]["author"]["handle"] == "colleague.test"
    assert all(p["place"] is None and p["created_at"].endswith("Z") for p in posts.values())
    [repost] = [i for i in items.values() if i.get("kind") == "repost"]
    assert repost["id"].startswith(f"bluesky:at://{TEACHER}/app.bsky.feed.repost/")
    assert repost["author"]["handle"] == "colleague.test" and repost["text"] == "Staff meeting moved to Thursday"
    [like] = [i for i in items.values() if i["type"] == "like"]
    assert like["post"]["text"] == "Staff meeting moved to Thursday"
    follows = {i["target"]["handle"]: i for i in items.values() if i["type"] == "follow"}
    assert set(follows) == {"student.test", "colleague.test"}
    assert follows["student.test"]["id"] == f"bluesky:follow:{STUDENT}"
    assert follows["student.test"]["target"]["id"] == STUDENT
    [profile] = [i for i in items.values() if i["type"] == "profile"]
    assert profile["name"] == "Ms. Teacher" and "Oakville" in profile["bio"]
    assert store.cursor["rev"] == repo.rev
    assert not store.duplicates()


def test_nothing_new_costs_one_call(repo, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    repo.calls.clear()
    pages = store.pages
    assert store.run(connector(clock), ACCOUNT) is None
    assert [p for p, _ in repo.calls] == ["/xrpc/com.atproto.sync.getLatestCommit"]
    assert store.pages == pages


def test_identity_is_resolved_again_after_a_week(repo, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    clock.now += 8 * 86400
    repo.calls.clear()
    store.run(connector(clock), ACCOUNT)
    assert [p for p, _ in repo.calls][0] == "/xrpc/com.atproto.identity.resolveHandle"
    assert store.cursor["resolved_at"] == int(clock.now)


def test_incremental_run_reads_only_new_posts(repo, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    repo.add_post("3n4aaaaaaaa2s", "A new post")
    before = dict(store.writes)
    assert store.run(connector(clock), ACCOUNT) is None
    new = [i for i, n in store.writes.items() if n > before.get(i, 0) and store.items[i]["type"] == "post"]
    assert [store.items[i]["text"] for i in new] == ["A new post"]
    assert store.cursor["rev"] == repo.rev
    assert not store.duplicates()


def test_paging_stores_a_cursor_with_every_page(repo, clock):
    for n in range(7):
        repo.add_post(f"3n4aaaaaaa{n}2s", f"post {n}")
    seen = []
    c = connector(clock, page_size=3)
    for page in c.fetch(ACCOUNT, None):
        if page.items and "/app.bsky.feed.post/" in page.items[0]["id"]:
            seen.append((len(page.items), page.cursor["after"]["app.bsky.feed.post"], page.cursor["rev"]))
    assert [n for n, _, _ in seen] == [3, 3, 3, 2]
    assert [c for _, c, _ in seen] == sorted(c for _, c, _ in seen)
    assert all(rev is None for _, _, rev in seen)  # the new rev only comes with the last page


def test_appview_hydrates_follows_and_posts(repo, clock):
    repo.rsps.get(f"{APPVIEW}/xrpc/app.bsky.actor.getProfiles", json=body("appview_getProfiles"))
    repo.rsps.get(f"{APPVIEW}/xrpc/app.bsky.feed.getPosts", json=body("appview_getPosts"))
    store = Store()
    assert store.run(connector(clock, appview_url=APPVIEW), ACCOUNT) is None
    follows = {i["target"]["handle"]: i["target"] for i in store.items.values() if i["type"] == "follow"}
    assert follows["student.test"]["bio"] == "grade 6 oakville"
    assert follows["student.test"]["name"] == "Student Person"
    [like] = [i for i in store.items.values() if i["type"] == "like"]
    assert like["post"]["author"]["name"] == "A Colleague"
    calls = [c for c in repo.rsps.calls if "getProfiles" in c.request.url]
    assert "actors=did" in calls[0].request.url


def test_handle_not_claimed_back_is_not_found(repo, clock):
    repo.docs[TEACHER] = copy.deepcopy(repo.docs[TEACHER])
    repo.docs[TEACHER]["alsoKnownAs"] = ["at://someone-else.test"]
    with pytest.raises(NotFound, match="does not claim it"):
        list(connector(clock).fetch(ACCOUNT, None))


def listing(coll, after_calls=0):
    """A fault predicate: the listRecords call on `coll` (after `after_calls` earlier ones)."""
    seen = {"n": 0}

    def pred(path, params):
        if path.endswith("listRecords") and params.get("collection") == coll:
            seen["n"] += 1
            return seen["n"] > after_calls
        return False
    return pred


FAULTS = [
    ("500", (500, {}, json.dumps({"error": "InternalServerError"})), TransientError, True),
    ("503", (503, {}, "Service Unavailable"), TransientError, True),
    ("truncated", (200, {}, '{"records": [{"uri": "at://did:plc:v6'), TransientError, False),
    ("malformed", (200, {}, "<html>bad gateway</html>"), TransientError, False),
    ("timeout", requests.exceptions.ReadTimeout("read timed out"), TransientError, True),
    ("429", (429, {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(1_800_000_000 + 3600), "RateLimit-Policy": "3000;w=300"},
             json.dumps({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})), RateLimited, True),
    ("401", (401, {}, json.dumps({"error": "AuthMissing", "message": "Authentication Required"})), AuthError, False),
]


@pytest.mark.parametrize("name,response,error,sticky", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_midway_then_rerun_loses_and_duplicates_nothing(repo, clock, name, response, error, sticky):
    for n in range(5):
        repo.add_post(f"3n4aaaaaaa{n}2s", f"post {n}")
    reference = Store()
    reference.run(connector(clock, page_size=2), ACCOUNT)

    repo.calls.clear()
    repo.fault = (listing("app.bsky.feed.post", after_calls=2), response)
    repo.fault_sticky = sticky
    store = Store()
    err = store.run(connector(clock, page_size=2, max_wait=60), ACCOUNT)
    assert isinstance(err, error), err
    assert store.cursor is not None and store.cursor.get("rev") is None  # not marked complete
    partial_posts = sum(1 for i in store.items.values() if i["type"] == "post")
    assert partial_posts == 4  # two pages were stored before the fault
    repo.fault = None
    assert store.run(connector(clock, page_size=2), ACCOUNT) is None
    assert set(store.items) == set(reference.items)
    assert not store.duplicates()
    assert store.cursor["rev"] == repo.rev


def test_follows_hydrated_only_when_the_list_changed(repo, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    repo.add_post("3n4aaaaaaaa2s", "A new post")
    repo.calls.clear()
    pages = list(connector(clock).fetch(ACCOUNT, store.cursor))
    assert not any(path.startswith("/did:plc:") for path, _ in repo.calls)  # no follow lookups
    assert "follow" not in pages[-1].coverage.complete_types
    assert not any(i["type"] == "follow" for p in pages for i in p.items)
    # An unfollow changes the list: it is handed over in full, so the scanner can mark it removed.
    cursor = pages[-1].cursor
    repo.records["app.bsky.graph.follow"] = [r for r in repo.records["app.bsky.graph.follow"]
                                             if r["value"]["subject"] != STUDENT]
    repo.rev = "3zzunfollow"
    pages = list(connector(clock).fetch(ACCOUNT, cursor))
    assert "follow" in pages[-1].coverage.complete_types
    assert {i["target"]["id"] for i in pages[-1].items if i["type"] == "follow"} == {COLLEAGUE}


def test_pds_that_requires_login_gets_the_app_password_once(repo, clock, monkeypatch):
    monkeypatch.setenv("BSKY_APP_PW", "abcd-efgh-ijkl-mnop")
    jwt = "eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.payload.sig"
    posted = []

    def create_session(request):
        posted.append((request.url, json.loads(request.body)))
        return 200, {}, json.dumps({"did": TEACHER, "handle": "teacher.test", "accessJwt": jwt,
                                    "refreshJwt": "refresh", "active": True})

    repo.rsps.add_callback(responses.POST, f"{PDS}/xrpc/com.atproto.server.createSession", callback=create_session)
    plain = repo.handler

    def guarded(request):
        path = urlsplit(request.url).path
        if request.url.startswith(PDS) and "listRecords" in path and request.headers.get("Authorization") != f"Bearer {jwt}":
            return 401, {}, json.dumps({"error": "AuthRequired", "message": "Authentication Required"})
        return plain(request)

    repo.handler = guarded
    store = Store()
    account = AccountRef("bluesky", "teacher.test", credential="env:BSKY_APP_PW")
    assert store.run(connector(clock), account) is None
    assert posted == [(f"{PDS}/xrpc/com.atproto.server.createSession",
                       {"identifier": "teacher.test", "password": "abcd-efgh-ijkl-mnop"})]
    assert any(i["type"] == "post" for i in store.items.values())
    # The password went to the account's PDS only.
    assert all("abcd-efgh" not in (c.request.body or "") for c in repo.rsps.calls
               if not c.request.url.startswith(f"{PDS}/xrpc/com.atproto.server.createSession"))


def test_without_credential_a_login_demand_is_an_auth_error(repo, clock):
    repo.fault, repo.fault_sticky = (lambda path, q: "listRecords" in path,
                                     (401, {}, json.dumps({"error": "AuthRequired", "message": "Authentication Required"}))), True
    with pytest.raises(AuthError, match="Authentication Required"):
        list(connector(clock).fetch(ACCOUNT, None))


def test_pds_on_plain_http_elsewhere_is_refused(repo, clock):
    repo.docs[TEACHER] = copy.deepcopy(repo.docs[TEACHER])
    repo.docs[TEACHER]["service"][0]["serviceEndpoint"] = "http://pds.example.test"
    with pytest.raises(ConnectorError, match="only https"):
        list(connector(clock).fetch(ACCOUNT, None))


def test_unknown_handle_is_not_found(repo, clock):
    repo.fault, repo.fault_sticky = (lambda path, q: path.endswith("resolveHandle"),
                                     (400, {}, json.dumps({"error": "InvalidRequest", "message": "Unable to resolve handle"}))), True
    with pytest.raises(NotFound, match="Unable to resolve handle"):
        list(connector(clock).fetch(ACCOUNT, None))


def test_taken_down_repository_is_not_found_after_a_fresh_look(repo, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    repo.fault, repo.fault_sticky = (lambda path, q: path.endswith("getLatestCommit"),
                                     (400, {}, json.dumps({"error": "RepoTakendown", "message": "Repo has been takendown"}))), True
    repo.calls.clear()
    err = store.run(connector(clock), ACCOUNT)
    assert isinstance(err, NotFound) and "RepoTakendown" in str(err)
    # It looked again (resolve, DID document) before giving up: a moved repository is not a lost one.
    assert [p for p, _ in repo.calls] == ["/xrpc/com.atproto.sync.getLatestCommit",
                                          "/xrpc/com.atproto.identity.resolveHandle", f"/{TEACHER}",
                                          "/xrpc/com.atproto.sync.getLatestCommit"]
