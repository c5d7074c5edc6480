"""Instagram Graph API: profile + media in one call, carousels, paging, Graph errors and usage."""

from __future__ import annotations

import copy
import json

import pytest
import requests
import responses
from responses import matchers

from auditor.items import validate_item
from connectors.base import AccountRef, AuthError, NotFound, RateLimited, TransientError
from connectors.graph import GraphUsage
from connectors.http import ApiClient, Pacer
from connectors.instagram import InstagramConnector

from tests.connectors.connector_harness import Store, load

API = "https://graph.facebook.com/v21.0/"
IG_ID = "17841405309211844"
TOKEN = "EAAB-test-token-not-real"
AFTER = "QVFIUmZAqTHBqN0d1SzJ5X3lfTUxRbmZABNE5aRGVqV0NyYjF6ZAEVnbmRVOGp2X0RRcTJfX3RoVUhYeDdi"
ACCOUNT = AccountRef("instagram", "oths_athletics", "env:IG_TOKEN")


def fixture(name):
    return load(f"instagram/{name}")


def fast_client(platform, base_url, **kw):
    return ApiClient(platform, base_url, backoff_factor=0, **kw)


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("IG_TOKEN", TOKEN)


def make(clock=None, **options):
    pacer = Pacer(clock=clock, sleep=clock.sleep) if clock else Pacer()
    return InstagramConnector(options, client_factory=fast_client, pacer=pacer, usage=GraphUsage())


def mock_all(first=None):
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"))
    responses.get(API + IG_ID, json=first or fixture("user_with_media.json"))
    responses.get(API + f"{IG_ID}/media", json=fixture("media_page2.json"),
                  match=[matchers.query_param_matcher({"after": AFTER}, strict_match=False)])


def posts(store):
    return {i["id"]: i for i in store.items.values() if i["type"] == "post"}


@responses.activate
def test_first_scan_reads_profile_carousel_children_and_pages():
    mock_all()
    pages = list(make().fetch(ACCOUNT, None))
    assert [p.api_calls for p in pages] == [2, 1]  # discovery + profile/media; then page 2
    items = [i for p in pages for i in p.items]
    for n, item in enumerate(items):
        validate_item(item, f"item {n}")
    profile = items[0]
    assert profile["type"] == "profile" and profile["bio"].startswith("Go Trojans!")
    assert profile["links"] == ["https://oths.example.org/athletics"]
    carousel = items[1]
    assert carousel["id"] == "instagram:17918920912340654"
    assert carousel["created_at"] == "2026-10-20T21:15:42Z"
    assert carousel["url"] == "https://www.instagram.com/p/C9aBcDeFgHi/"
    assert [m["type"] for m in carousel["media"]] == ["image", "video"]  # the children, not the cover
    assert carousel["media"][0]["url"].split("?")[0].endswith("team_n.jpg")
    assert all("alt" not in m for m in carousel["media"])  # not exposed: unknown, not empty
    assert "place" not in carousel
    reel = items[-1]
    assert [m["type"] for m in reel["media"]] == ["video", "image"]  # video + its thumbnail
    assert pages[0].cursor["ig_user_id"] == IG_ID and "mark" not in pages[0].cursor
    assert pages[1].cursor["mark"] == {"time": "2026-10-20T21:15:42Z", "ids": ["17918920912340654"]}
    for call in responses.calls:
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in call.request.url and "access_token" not in call.request.url
    assert responses.calls[2].request.params["after"] == AFTER


@responses.activate
def test_nothing_new_is_one_call_and_new_media_stop_at_the_mark():
    mock_all()
    store = Store()
    ig = make()
    assert store.run(ig, ACCOUNT) is None
    n = len(responses.calls)
    pages = list(ig.fetch(ACCOUNT, store.cursor))
    assert sum(p.api_calls for p in pages) == 1 == len(responses.calls) - n
    assert [i["type"] for i in pages[0].items] == ["profile"]
    newer = fixture("user_with_media.json")
    newer["media"]["data"].insert(0, {"id": "17918920912349999", "caption": "Homecoming game tonight",
                                      "media_type": "IMAGE", "media_url": "https://scontent.cdninstagram.com/h.jpg",
                                      "permalink": "https://www.instagram.com/p/Xyz/",
                                      "timestamp": "2026-10-23T22:00:00+0000"})
    responses.replace(responses.GET, API + IG_ID, json=newer)
    assert store.run(ig, ACCOUNT) is None
    assert len(posts(store)) == 4 and store.duplicates() == []
    assert store.cursor["mark"]["ids"] == ["17918920912349999"]


@pytest.mark.parametrize("fault,error", [
    (dict(status=400, json=fixture("error_token_expired.json")), AuthError),
    (dict(status=403, json=fixture("error_permission.json")), AuthError),
    (dict(status=500, json=fixture("error_unknown.json")), TransientError),
    (dict(status=503, body="upstream connect error"), TransientError),
    (dict(body=requests.exceptions.ReadTimeout("read timed out")), TransientError),
    (dict(body='{"data": [{"id": "1791892091234'), TransientError),
    (dict(status=400, json=fixture("error_rate_limited.json")), RateLimited),
    (dict(status=429, headers={"Retry-After": "3600"}, body="Too Many Requests"), RateLimited),
])
@responses.activate
def test_fault_on_second_page_then_rerun_is_complete_and_without_duplicates(fault, error):
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"))
    responses.get(API + IG_ID, json=fixture("user_with_media.json"))
    responses.get(API + f"{IG_ID}/media", **fault)
    store = Store()
    ig = make()
    failure = store.run(ig, ACCOUNT)
    assert type(failure) is error
    if error is AuthError and fault["status"] == 400:
        assert "Session has expired" in str(failure) and "190" in str(failure)
    assert TOKEN not in str(failure)
    assert len(posts(store)) == 2
    responses.reset()
    mock_all()
    assert store.run(make(), ACCOUNT) is None
    assert len(posts(store)) == 3 and store.duplicates() == []
    assert "partial" not in store.cursor


@responses.activate
def test_usage_headers_slow_down_and_defer(clock):
    usage = {"x-business-use-case-usage": json.dumps({IG_ID: [{"type": "instagram", "call_count": 100,
                                                             "total_cputime": 12, "total_time": 20,
                                                             "estimated_time_to_regain_access": 2}]})}
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"), headers=usage)
    responses.get(API + IG_ID, json=fixture("user_with_media.json"))
    responses.get(API + f"{IG_ID}/media", json=fixture("media_page2.json"))
    list(make(clock).fetch(ACCOUNT, None))
    assert clock.sleeps == [120.0]  # waited the estimated two minutes, within max_wait
    # With a shorter max_wait the account is deferred, and no request is made while blocked.
    responses.reset()
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"),
                  headers={"x-app-usage": json.dumps({"call_count": 100, "total_cputime": 5, "total_time": 7})})
    ig = make(clock, max_wait=60)
    with pytest.raises(RateLimited) as info:
        list(ig.fetch(ACCOUNT, None))
    assert info.value.reset_at == pytest.approx(clock.now + 600)
    assert len(responses.calls) == 1


@responses.activate
def test_high_usage_spaces_calls_out(clock):
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"),
                  headers={"x-app-usage": json.dumps({"call_count": 90, "total_cputime": 10, "total_time": 10})})
    responses.get(API + IG_ID, json=fixture("user_with_media.json"))
    responses.get(API + f"{IG_ID}/media", json=fixture("media_page2.json"))
    list(make(clock).fetch(ACCOUNT, None))
    assert clock.sleeps == [5.0]  # 90% → half the 10 s spacing before the next call


@responses.activate
def test_registered_id_skips_discovery_and_unknown_username_is_not_found():
    responses.get(API + IG_ID, json=fixture("user_with_media.json"))
    responses.get(API + f"{IG_ID}/media", json=fixture("media_page2.json"))
    ref = AccountRef("instagram", "oths_athletics", "env:IG_TOKEN", platform_user_id=IG_ID)
    list(make().fetch(ref, None))
    assert not any("me/accounts" in c.request.url for c in responses.calls)
    responses.get(API + "me/accounts", json=fixture("me_accounts.json"))
    with pytest.raises(NotFound, match="oths_drama"):
        list(make().fetch(AccountRef("instagram", "oths_drama", "env:IG_TOKEN"), None))


@responses.activate
def test_instagram_login_host_reads_me():
    base = "https://graph.instagram.com/v21.0/"
    body = copy.deepcopy(fixture("user_with_media.json"))
    del body["media"]["paging"]["next"]
    responses.get(base + "me", json=body)
    pages = list(make(base_url=base.rstrip("/")).fetch(ACCOUNT, None))
    assert len(pages) == 1 and len(pages[0].items) == 3 and "ig_user_id" not in pages[0].cursor
