"""Mastodon connector against `responses`, with statuses and accounts in the API's real shapes."""

import copy
import json
import re
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from connectors.base import AccountRef, AuthError, NotFound, RateLimited, TransientError
from connectors.http import ApiClient, Pacer
from connectors.mastodon import MastodonConnector, html_to_text
from tests.connectors.connector_harness import Store, load

BASE = "https://school.social"
ACCT_ID = "109302"
TOKEN = "mastodon-user-token-xyz"


class FakeInstance:
    """Statuses paged like Mastodon: newest first in each page; min_id gives the page right after
    it; Link rel=prev/next carry min_id/max_id."""

    def __init__(self):
        self.account = load("mastodon/account.json")
        self.statuses = []
        for s in load("mastodon/statuses.json"):
            s["account"] = self.account
            self.statuses.append(s)
        self.following = load("mastodon/following.json")
        self.favourites = []
        self.fault = None
        self.calls = []

    def add_status(self, sid, html):
        s = copy.deepcopy(self.statuses[-1])
        s.update(id=sid, content=html, account=self.account, url=f"{BASE}/@msteacher/{sid}", uri=f"{BASE}/users/msteacher/statuses/{sid}")
        self.statuses.append(s)

    def page(self, items, path, params, key):
        limit = int(params.get("limit", 20))
        min_id, max_id = params.get("min_id"), params.get("max_id")
        ordered = sorted(items, key=lambda s: int(s[key]))
        if min_id is not None:
            chosen = [s for s in ordered if int(s[key]) > int(min_id)][:limit]
        else:
            chosen = [s for s in ordered if max_id is None or int(s[key]) < int(max_id)][-limit:]
        chosen = list(reversed(chosen))
        headers = {}
        if chosen:
            headers["Link"] = (f'<{BASE}{path}?limit={limit}&max_id={chosen[-1][key]}>; rel="next", '
                               f'<{BASE}{path}?limit={limit}&min_id={chosen[0][key]}>; rel="prev"')
        return 200, headers, json.dumps(chosen)

    def handler(self, request):
        url = urlsplit(request.url)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.calls.append((url.path, params))
        if self.fault and self.fault[0](url.path, params):
            result = self.fault[1]
            if not self.fault_sticky:
                self.fault = None
            if isinstance(result, Exception):
                raise result
            return result
        p = url.path
        if p == "/api/v1/accounts/lookup":
            return (200, {}, json.dumps(self.account)) if params["acct"] == "msteacher" else \
                (404, {}, json.dumps({"error": "Record not found"}))
        if p == f"/api/v1/accounts/{ACCT_ID}":
            return 200, {}, json.dumps(self.account)
        if p == "/api/v1/accounts/verify_credentials":
            return 200, {}, json.dumps(self.account)
        if p == f"/api/v1/accounts/{ACCT_ID}/statuses":
            return self.page(self.statuses, p, params, "id")
        if p == "/api/v1/favourites":
            return self.page(self.favourites, p, params, "_fav_id")
        if p == f"/api/v1/accounts/{ACCT_ID}/following":
            start = int(params.get("max_id", 0))
            chunk = self.following[start:start + int(params.get("limit", 40))]
            headers = {}
            if start + len(chunk) < len(self.following):
                headers["Link"] = f'<{BASE}{p}?limit={params.get("limit", 40)}&max_id={start + len(chunk)}>; rel="next"'
            return 200, headers, json.dumps(chunk)
        return 404, {}, json.dumps({"error": "Record not found"})


@pytest.fixture
def inst():
    fake = FakeInstance()
    fake.fault_sticky = False
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_callback(responses.GET, re.compile(re.escape(BASE) + r"/.*"),
                          callback=lambda request: fake.handler(request))
        fake.rsps = rsps
        yield fake


def connector(clock, **options):
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=options.pop("max_wait", 900))
    c = MastodonConnector({"base_url": BASE, **options},
                          client_factory=partial(ApiClient, backoff_factor=0, retries=1), pacer=pacer)
    c.clock = clock
    return c


ACCOUNT = AccountRef("mastodon", "msteacher@school.social")


def test_html_to_text_keeps_lines_and_full_urls():
    html = ('<p>Hi <a href="https://x.ca/a/b" class="mention">@<span>bob</span></a><br>line two</p>'
            '<p>see <a href="https://example.ca/long/path"><span class="invisible">https://</span>'
            '<span class="ellipsis">example.ca/lo</span><span class="invisible">ng/path</span></a></p>')
    assert html_to_text(html) == "Hi @bob\nline two\n\nsee https://example.ca/long/path"


def test_first_run_reads_every_kind_of_item(inst, clock):
    store = Store()
    assert store.run(connector(clock), ACCOUNT) is None
    items = store.items
    quote = items["mastodon:113500000000000005"]
    assert quote["kind"] == "quote" and quote["text"] == "Look at this!"
    assert quote["quoted"]["text"] == "Party at the lake this weekend #beer"
    assert quote["quoted"]["author"]["handle"] == "bob@other.social"
    boost = items["mastodon:113500000000000004"]
    assert boost["kind"] == "repost"
    assert boost["text"] == "Snow day tomorrow: all schools closed."
    assert boost["author"] == {"handle": "district@board.social", "name": "The District", "id": "300"}
    assert boost["media"] == [{"type": "image", "url": "https://files.board.social/media/original/snow.jpg",
                               "alt": "A snowy school yard"}]
    reply = items["mastodon:113500000000000003"]
    assert reply["kind"] == "reply" and reply["in_reply_to"] == "mastodon:113499999999999500"
    assert reply["text"] == "Field trip\n\n@district Our class at the museum\nGreat day!"
    assert [m["type"] for m in reply["media"]] == ["image", "gif"]
    assert reply["media"][0]["alt"] == "Students in front of the dinosaur skeleton"
    assert reply["visibility"] == "unlisted"
    private = items["mastodon:113500000000000002"]
    assert private["visibility"] == "followers"
    assert private["kind"] == "quote" and private["quoted"] == {"id": "mastodon:113400000000000123", "state": "deleted"}
    assert items["mastodon:113500000000000001"]["kind"] == "original"
    assert items["mastodon:113500000000000001"]["created_at"] == "2026-11-24T08:00:00Z"
    assert all(i.get("place", None) is None for i in items.values() if i["type"] == "post")
    student = items["mastodon:follow:401"]["target"]
    assert student["handle"] == "jamie_k@kids.social"
    assert student["bio"] == "grade 8 at oakville ps 🏀\nage: 13"
    profile = items[f"mastodon:profile:{ACCT_ID}"]
    assert profile["name"] == "Ms. Teacher (Grade 5)"
    assert profile["links"] == ["https://oakville.example.ca", "https://blog.example.ca/grade5"]
    assert "Class blog: https://blog.example.ca/grade5" in profile["bio"]
    assert store.cursor["min_id"] == "113500000000000005"
    assert store.cursor["following_count"] == 2


def test_nothing_new_costs_one_call(inst, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    inst.calls.clear()
    pages = store.pages
    assert store.run(connector(clock), ACCOUNT) is None
    assert inst.calls == [(f"/api/v1/accounts/{ACCT_ID}/statuses", {"min_id": "113500000000000005", "limit": "40"})]
    assert store.pages == pages


def test_new_status_read_alone_and_follows_only_when_count_changes(inst, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    inst.add_status("113500000000000006", "<p>New one</p>")
    inst.calls.clear()
    writes = dict(store.writes)
    store.run(connector(clock), ACCOUNT)
    new = {i for i, n in store.writes.items() if n != writes.get(i) and store.items[i]["type"] == "post"}
    assert new == {"mastodon:113500000000000006"}
    assert not any(p.endswith("/following") for p, _ in inst.calls)
    # following_count moves: the list is read again, and an unfollow shows as a complete listing.
    inst.account["following_count"] = 1
    inst.following = inst.following[:1]
    inst.add_status("113500000000000007", "<p>Another</p>")
    complete = []
    for page in connector(clock).fetch(ACCOUNT, store.cursor):
        complete.append((page.coverage.complete_types, {i["id"] for i in page.items if i["type"] == "follow"}))
    assert complete[-1] == ({"profile", "follow"}, {"mastodon:follow:401"})


def test_weekly_refresh_without_posts(inst, clock):
    store = Store()
    store.run(connector(clock), ACCOUNT)
    inst.account["display_name"] = "Renamed"
    clock.now += 8 * 86400
    store.run(connector(clock), ACCOUNT)
    assert store.items[f"mastodon:profile:{ACCT_ID}"]["name"] == "Renamed"


def test_paging_follows_link_prev_and_stores_cursor_per_page(inst, clock):
    cursors = []
    for page in connector(clock, page_size=2).fetch(ACCOUNT, None):
        if page.items and page.items[0]["type"] == "post":
            cursors.append((sorted(i["id"] for i in page.items), page.cursor["min_id"]))
    assert cursors == [
        (["mastodon:113500000000000001", "mastodon:113500000000000002"], "113500000000000002"),
        (["mastodon:113500000000000003", "mastodon:113500000000000004"], "113500000000000004"),
        (["mastodon:113500000000000005"], "113500000000000005"),
    ]


@pytest.mark.parametrize("mode", ["empty", "403"])
def test_hidden_follows_are_said_not_failed(inst, clock, mode, caplog):
    if mode == "empty":
        inst.following = []
        inst.account["hide_collections"] = True
    else:
        inst.fault = (lambda p, _q: p.endswith("/following"), (403, {}, json.dumps({"error": "This action is not allowed"})))
    caplog.set_level("INFO")
    pages = list(connector(clock).fetch(ACCOUNT, None))
    last = pages[-1]
    assert "follow" not in last.coverage.complete_types
    assert "profile" in last.coverage.complete_types
    [profile] = [i for i in last.items if i["type"] == "profile"]
    assert profile["follows_hidden"]
    assert "hides who it follows" in caplog.text


def test_unknown_account_is_not_found(inst, clock):
    with pytest.raises(NotFound):
        list(connector(clock).fetch(AccountRef("mastodon", "nobody@school.social"), None))


def test_instance_from_handle_when_no_base_url(clock):
    c = MastodonConnector({}, pacer=Pacer(clock=clock, sleep=clock.sleep))
    assert c.instance_of(AccountRef("mastodon", "@msteacher@school.social")) == ("https://school.social", "msteacher")


def test_favourites_only_for_the_token_owner(inst, clock, monkeypatch):
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    fav = copy.deepcopy(inst.statuses[0])
    fav.update(id="999", _fav_id="5001", quote=None, content="<p>liked post</p>", account=inst.following[1])
    inst.favourites = [fav]
    store = Store()
    account = AccountRef("mastodon", "msteacher@school.social", credential="env:MASTO_TOKEN")
    assert store.run(connector(clock), account) is None
    like = store.items["mastodon:like:999"]
    assert like["type"] == "like" and like["post"]["text"] == "liked post"
    assert store.cursor["token_owner"] is True and store.cursor["fav_min_id"] == "5001"
    auth = [c.request.headers.get("Authorization") for c in inst.rsps.calls]
    assert all(a == f"Bearer {TOKEN}" for a in auth)


FAULTS = [
    ("500", (500, {}, json.dumps({"error": "Internal server error"})), TransientError, True),
    ("503", (503, {}, "<html>maintenance</html>"), TransientError, True),
    ("timeout", requests.exceptions.ConnectTimeout("connect timed out"), TransientError, True),
    ("truncated", (200, {}, '[{"id": "1135000000000000'), TransientError, False),
    ("malformed", (200, {}, "Bad Gateway"), TransientError, False),
    ("429", (429, {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": "2027-01-15T09:00:00.000Z"}, json.dumps({"error": "Too many requests"})),
     RateLimited, True),
    ("401", (401, {}, json.dumps({"error": "The access token was revoked"})), AuthError, False),
]


@pytest.mark.parametrize("name,response,error,sticky", FAULTS, ids=[f[0] for f in FAULTS])
def test_fault_midway_then_rerun_loses_and_duplicates_nothing(inst, clock, name, response, error, sticky):
    reference = Store()
    reference.run(connector(clock, page_size=2), ACCOUNT)
    seen = {"n": 0}

    def second_status_page(path, params):
        if path.endswith("/statuses"):
            seen["n"] += 1
            return seen["n"] >= 2
        return False

    inst.fault, inst.fault_sticky = (second_status_page, response), sticky
    store = Store()
    err = store.run(connector(clock, page_size=2, max_wait=60), ACCOUNT)
    assert isinstance(err, error), err
    if name == "401":
        assert "access token was revoked" in str(err)
    assert len(store.items) == 2 and store.cursor["min_id"] == "113500000000000002"
    inst.fault = None
    assert store.run(connector(clock, page_size=2), ACCOUNT) is None
    assert set(store.items) == set(reference.items)
    assert not store.duplicates()


def test_token_of_another_account_is_checked_once(inst, clock, monkeypatch):
    monkeypatch.setenv("MASTO_TOKEN", TOKEN)
    plain = inst.handler

    def other_owner(request):
        if urlsplit(request.url).path == "/api/v1/accounts/verify_credentials":
            inst.calls.append(("/api/v1/accounts/verify_credentials", {}))
            return 200, {}, json.dumps(inst.following[1])  # the token belongs to someone else
        return plain(request)

    account = AccountRef("mastodon", "msteacher@school.social", credential="env:MASTO_TOKEN")
    store = Store()
    assert store.run(connector(clock), AccountRef("mastodon", "msteacher@school.social")) is None
    inst.handler = other_owner  # a token is registered later, and it is not the account's own
    assert store.run(connector(clock), account) is None
    assert store.cursor["token_owner"] is False
    assert not any(p == "/api/v1/favourites" for p, _ in inst.calls)
    inst.calls.clear()
    store.run(connector(clock), account)
    assert [p for p, _ in inst.calls] == [f"/api/v1/accounts/{ACCT_ID}/statuses"]
