"""X connector (tweepy Client over the scanner's ApiClient) against `responses`, with API v2 shapes."""

import copy
import json
import logging
import re
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import AccountRef, AuthError, NotFound, RateLimited, TransientError
from connectors.http import ApiClient, Pacer
from connectors.x import XConnector
from tests.connectors.connector_harness import Store, load

BASE = "https://api.x.com"
UID = "2244994945"
TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"
ACCOUNT = AccountRef("x", "msteacher_oths", credential="env:X_TOKEN_OTHS")


class FakeX:
    def __init__(self):
        page = load("x/tweets.json")
        self.tweets = page["data"]              # newest first
        self.includes = page["includes"]
        self.user = load("x/user.json")["data"]
        self.following = load("x/following.json")["data"]
        self.likes = load("x/liked_tweets.json")
        self.user_token = False
        self.fault = None
        self.fault_sticky = False
        self.calls = []

    def add_tweet(self, tid, text):
        self.tweets.insert(0, {"id": tid, "created_at": "2026-11-28T09:00:00.000Z", "author_id": UID,
                               "edit_history_tweet_ids": [tid], "text": text})

    def handler(self, request):
        url = urlsplit(request.url)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.calls.append((url.path, q))
        if self.fault and self.fault[0](url.path, q):
            result = self.fault[1]
            if not self.fault_sticky:
                self.fault = None
            if isinstance(result, Exception):
                raise result
            return result
        rl = {"x-rate-limit-limit": "1500", "x-rate-limit-remaining": "1400", "x-rate-limit-reset": "1800000900"}
        p = url.path
        if p.startswith("/2/users/by/username/"):
            if p.rsplit("/", 1)[1] == self.user["username"]:
                return 200, rl, json.dumps({"data": self.user})
            return 200, rl, json.dumps(load("x/user_not_found.json"))
        if p == "/2/users/me":
            if self.user_token:
                return 200, rl, json.dumps({"data": {"id": UID, "name": "Ms. Teacher", "username": "msteacher_oths"}})
            return 403, rl, json.dumps(load("x/me_app_only.json"))
        if p == f"/2/users/{UID}/tweets":
            assert "referenced_tweets.id.author_id" in q["expansions"] and "alt_text" in q["media.fields"]
            rows = [t for t in self.tweets if "since_id" not in q or int(t["id"]) > int(q["since_id"])]
            start = int(q.get("pagination_token", "p0")[1:])
            size = int(q["max_results"])
            chunk = rows[start:start + size]
            body = {"meta": {"result_count": len(chunk)}}
            if chunk:
                body["data"] = chunk
                body["includes"] = self.includes
                body["meta"].update(newest_id=chunk[0]["id"], oldest_id=chunk[-1]["id"])
            if start + size < len(rows):
                body["meta"]["next_token"] = f"p{start + size}"
            return 200, rl, json.dumps(body)
        if p == f"/2/users/{UID}/following":
            assert "description" in q["user.fields"]
            return 200, rl, json.dumps({"data": self.following, "meta": {"result_count": len(self.following)}})
        if p == f"/2/users/{UID}/liked_tweets":
            return 200, rl, json.dumps(self.likes)
        return 404, rl, json.dumps({"title": "Not Found Error", "detail": "no route", "type": "about:blank"})


@pytest.fixture
def fx(monkeypatch):
    monkeypatch.setenv("X_TOKEN_OTHS", TOKEN)
    fake = FakeX()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/.*"), callback=fake.handler)
        fake.rsps = rsps
        yield fake


def connector(clock, **options):
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=options.pop("max_wait", 900))
    c = XConnector({"base_url": BASE, **options},
                   client_factory=partial(ApiClient, backoff_factor=0, retries=1), pacer=pacer)
    c.clock = clock
    return c


def test_first_run_reads_every_kind_of_item(fx, clock):
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    items = store.items
    lab = items["x:1860323737035677706"]
    assert lab["kind"] == "original" and lab["url"] == "https://x.com/msteacher_oths/status/1860323737035677706"
    assert lab["media"] == [{"type": "image", "url": "https://pbs.twimg.com/media/GdLab1.jpg",
                             "alt": "Students wearing goggles at the lab bench"}]
    assert lab["place"] == {"name": "Oakville, Ontario", "lat": 43.4675, "lon": -79.6877}
    rt = items["x:1860323737035677705"]
    assert rt["kind"] == "repost" and rt["author"]["handle"] == "district_hdsb"
    assert rt["text"].endswith("see you Thursday! https://t.co/sn0w")  # the original's full text
    assert rt["media"][0]["alt"] == "Snowy school yard"
    quote = items["x:1860323737035677704"]
    assert quote["kind"] == "quote" and quote["quoted"]["text"] == "Teachers deserve a drink tonight"
    assert quote["quoted"]["author"]["handle"] == "bob_parties"
    reply = items["x:1860323737035677703"]
    assert reply["kind"] == "reply" and reply["in_reply_to"] == "x:1860100000000000000"
    long = items["x:1860323737035677702"]
    assert long["text"].endswith("Thank you to all the parents who volunteered!")
    assert long["place"]["name"] == "Oakville Trafalgar High School"
    assert long["place"]["lat"] == pytest.approx(43.445) and long["place"]["approximate"]
    follow = items["x:follow:555001"]
    assert follow["target"]["handle"] == "jamiek_2011" and follow["target"]["bio"] == "gr 9 @ OTHS | basketball"
    profile = items[f"x:profile:{UID}"]
    assert profile["links"] == ["https://oths.example.ca/science"] and profile["location"] == "Oakville, ON"
    assert store.cursor["since_id"] == "1860323737035677706"
    assert not any("liked_tweets" in p for p, _ in fx.calls)  # app-only token: no likes
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in fx.rsps.calls)


def test_nothing_new_costs_one_call(fx, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    fx.calls.clear()
    pages = store.pages
    assert store.run(connector(clock), ACCOUNT) is None
    assert [p for p, _ in fx.calls] == [f"/2/users/{UID}/tweets"]
    assert fx.calls[0][1]["since_id"] == "1860323737035677705"  # just below the newest stored
    assert store.pages == pages


def test_following_reread_only_when_count_changes(fx, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    fx.add_tweet("1860323737035677707", "new")
    fx.calls.clear()
    store.run(connector(clock), ACCOUNT)
    assert not any(p.endswith("/following") for p, _ in fx.calls)
    assert store.items["x:1860323737035677707"]["text"] == "new"
    fx.includes = copy.deepcopy(fx.includes)
    fx.includes["users"][0]["public_metrics"]["following_count"] = 1
    fx.following = fx.following[1:]
    fx.calls.clear()
    pages = list(connector(clock).fetch(ACCOUNT, store.cursor))
    assert any(p.endswith("/following") for p, _ in fx.calls)
    assert pages[-1].coverage.complete_types == {"profile", "follow"}
    assert {i["id"] for i in pages[-1].items if i["type"] == "follow"} == {"x:follow:783214"}


def test_paging_keeps_old_since_id_until_the_last_page(fx, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    for n in range(8, 15):
        fx.add_tweet(f"18603237370356777{n:02d}", f"t{n}")
    cursors = [(len(p.items), p.cursor.get("since_id"), p.cursor.get("pending"))
               for p in connector(clock, page_size=5).fetch(ACCOUNT, store.cursor) if p.items and p.items[0]["type"] == "post"]
    assert cursors[0] == (5, "1860323737035677706", {"pagination_token": "p5", "newest": "1860323737035677714"})
    assert cursors[1] == (2, "1860323737035677714", None)


def test_user_token_reads_likes_then_stops_at_known(fx, clock):
    fx.user_token = True
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    like = store.items["x:like:1860400000000000003"]
    assert like["type"] == "like" and like["post"]["text"] == "Vote for my candidate on Tuesday!"
    assert like["post"]["author"]["handle"] == "bob_parties"
    fx.likes = copy.deepcopy(fx.likes)
    fx.likes["data"].insert(0, {"id": "1860400000000000009", "author_id": "783214", "text": "PD day Monday",
                                "edit_history_tweet_ids": ["1860400000000000009"]})
    store.run(connector(clock), ACCOUNT)
    assert store.items["x:like:1860400000000000009"]["post"]["text"] == "PD day Monday"
    assert not store.duplicates()


def test_unknown_user_is_not_found(fx, clock):
    with pytest.raises(NotFound, match="Could not find user"):
        list(connector(clock).fetch(AccountRef("x", "nobody_here", credential="env:X_TOKEN_OTHS"), None))


def test_following_forbidden_by_api_tier_is_not_an_account_failure(fx, clock, caplog):
    fx.fault, fx.fault_sticky = (lambda p, q: p.endswith("/following"),
                                 (403, {}, json.dumps({"title": "Client Forbidden", "detail": "client-not-enrolled",
                                                       "type": "https://api.twitter.com/2/problems/client-forbidden"}))), True
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    assert not any(i["type"] == "follow" for i in store.items.values())
    assert "following list not available" in caplog.text
    assert "access tier" in store.items[f"x:profile:{UID}"]["follows_hidden"]
    fx.calls.clear()
    store.run(connector(clock), ACCOUNT)
    assert not any(p.endswith("/following") for p, _ in fx.calls)  # not retried every night


def test_token_never_logged_by_tweepy(fx, clock, caplog):
    caplog.set_level(logging.DEBUG)
    Store().run(connector(clock), ACCOUNT)
    assert "Bearer [redacted]" in caplog.text
    assert TOKEN not in caplog.text


def test_configured_base_url_replaces_tweepys_host(monkeypatch, clock):
    monkeypatch.setenv("X_TOKEN_OTHS", TOKEN)
    with responses.RequestsMock() as rsps:
        rsps.get("http://127.0.0.1:8999/2/users/by/username/msteacher_oths", json=load("x/user.json"))
        c = XConnector({"base_url": "http://127.0.0.1:8999"}, pacer=Pacer(clock=clock, sleep=clock.sleep))
        _, client = c._clients(ACCOUNT)
        assert client.get_user(username="msteacher_oths")["data"]["id"] == UID


FAULTS = [
    ("500", (500, {}, json.dumps({"title": "Internal Server Error"})), TransientError, True),
    ("503", (503, {}, json.dumps({"title": "Service Unavailable", "detail": "Service Unavailable"})), TransientError, True),
    ("timeout", requests.exceptions.ReadTimeout("read timed out"), TransientError, True),
    ("truncated", (200, {}, '{"data": [{"id": "18603237'), TransientError, False),
    ("malformed", (200, {}, "upstream connect error"), TransientError, False),
    ("429", (429, {"x-rate-limit-limit": "1500", "x-rate-limit-remaining": "0", "x-rate-limit-reset": "1800003600"},
             json.dumps({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})),
     RateLimited, True),
    ("401", (401, {}, json.dumps({"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})),
     AuthError, False),
]


@pytest.mark.parametrize("name,response,error,sticky", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_midway_then_rerun_loses_and_duplicates_nothing(fx, clock, name, response, error, sticky):
    reference = Store()
    reference.run(connector(clock, page_size=5), ACCOUNT)
    seen = {"n": 0}

    def second_tweets_page(path, q):
        if path.endswith("/tweets"):
            seen["n"] += 1
            return seen["n"] >= 2
        return False

    fx.fault, fx.fault_sticky = (second_tweets_page, response), sticky
    store = Store()
    err = store.run(connector(clock, page_size=5, max_wait=60), ACCOUNT)
    assert isinstance(err, error), err
    assert len(store.items) == 5 and store.cursor["pending"]["pagination_token"] == "p5"
    fx.fault = None
    assert store.run(connector(clock, page_size=5), ACCOUNT) is None
    assert set(store.items) == set(reference.items)
    assert not store.duplicates()
    assert store.cursor["since_id"] == "1860323737035677706" and "pending" not in store.cursor


def test_expired_page_token_restarts_without_loss(fx, clock):
    store = Store()
    fx.fault, fx.fault_sticky = (lambda p, q: p.endswith("/tweets") and q.get("pagination_token") == "p5",
                                 requests.exceptions.ConnectionError("reset")), True
    assert isinstance(store.run(connector(clock, page_size=5), ACCOUNT), TransientError)
    fx.fault = (lambda p, q: p.endswith("/tweets") and q.get("pagination_token") == "p5",
                (400, {}, json.dumps({"errors": [{"parameters": {"pagination_token": ["p5"]},
                                                  "message": "The `pagination_token` query parameter value [p5] is not valid"}],
                                      "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                                      "type": "https://api.twitter.com/2/problems/invalid-request"})))
    fx.fault_sticky = False
    assert store.run(connector(clock, page_size=5), ACCOUNT) is None
    assert {i for i in store.items if i.startswith("x:18")} == {t["id"] and f"x:{t['id']}" for t in fx.tweets}


def test_user_token_without_likes_is_remembered(fx, clock):
    fx.user_token = True
    fx.likes = {"meta": {"result_count": 0}}
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    assert store.cursor["user_token"] is True
    fx.calls.clear()
    store.run(connector(clock), ACCOUNT)
    # The posts call, and the likes call a user token allows; no second token check.
    assert [p for p, _ in fx.calls] == [f"/2/users/{UID}/tweets", f"/2/users/{UID}/liked_tweets"]


@pytest.mark.parametrize("error,expected", [
    ({"detail": "User has been suspended: [msteacher_oths].", "title": "Forbidden", "resource_type": "user",
      "parameter": "username", "value": "msteacher_oths", "type": "https://api.twitter.com/2/problems/resource-not-found"},
     NotFound),
    ({"detail": "Sorry, you are not authorized to see the user with id: [2244994945].", "title": "Authorization Error",
      "resource_type": "user", "parameter": "id", "value": "2244994945",
      "type": "https://api.twitter.com/2/problems/not-authorized-for-resource"}, AuthError),
])
def test_partial_errors_on_the_timeline(fx, clock, error, expected):
    fx.fault, fx.fault_sticky = (lambda p, q: p.endswith("/tweets"), (200, {}, json.dumps({"errors": [error]}))), True
    with pytest.raises(expected):
        list(connector(clock).fetch(ACCOUNT, None))
