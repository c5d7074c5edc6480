"""Facebook Pages: published posts with places and album photos, paging, Graph faults and reruns."""

from __future__ import annotations

import json

import pytest
import requests
import responses
from responses import matchers

from auditor.items import validate_item
from connectors.base import AccountRef, AuthError, NotFound, RateLimited, TransientError
from connectors.facebook import FacebookConnector
from connectors.graph import GraphUsage
from connectors.http import ApiClient, Pacer
from tests.connectors.connector_harness import Store, load

API = "https://graph.facebook.com/v21.0/"
PAGE_ID = "104830000000042"
TOKEN = "EAAG-page-token-not-real"
AFTER = "QVFIUkRfSmlyNUxn"
ACCOUNT = AccountRef("facebook", "OakvilleTrafalgarHS", "env:FB_TOKEN")


def fixture(name):
    return load(f"facebook/{name}")


def fast_client(platform, base_url, **kw):
    return ApiClient(platform, base_url, backoff_factor=0, **kw)


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("FB_TOKEN", TOKEN)


def make(**options):
    return FacebookConnector(options, client_factory=fast_client, pacer=Pacer(), usage=GraphUsage())


def mock_all(first=None):
    for ref in ("OakvilleTrafalgarHS", PAGE_ID):
        responses.get(API + ref, json=first or fixture("page_with_posts.json"))
    responses.get(API + f"{PAGE_ID}/published_posts", json=fixture("posts_page2.json"),
                  match=[matchers.query_param_matcher({"after": AFTER}, strict_match=False)])


def posts(store):
    return {i["id"]: i for i in store.items.values() if i["type"] == "post"}


@responses.activate
def test_posts_with_place_album_photos_and_video():
    mock_all()
    pages = list(make().fetch(ACCOUNT, None))
    assert [p.api_calls for p in pages] == [1, 1]
    items = [i for p in pages for i in p.items]
    for n, item in enumerate(items):
        validate_item(item, f"item {n}")
    profile = items[0]
    assert profile["id"] == f"facebook:page:{PAGE_ID}"
    assert profile["bio"] == ("Official page of Oakville Trafalgar High School.\n"
                              "News, events and celebrations from OTHS. Call the office at 905-555-0142.")
    fair = items[1]
    assert fair["id"] == "facebook:104830000000042_987650000000003"
    assert fair["created_at"] == "2026-10-19T23:45:10Z"
    assert fair["place"] == {"name": "Oakville Trafalgar High School", "lat": 43.4571, "lon": -79.6853}
    assert [m["url"].split("?")[0].rsplit("/", 1)[1] for m in fair["media"]] == ["fair1_n.jpg", "fair2_n.jpg"]
    assert fair["text"] == ("What a night at the Fall Fair! Thank you to our parent council.\n\n"
                            "Fall Fair 2026\n\nThe bake sale table")
    picture_day = items[2]
    assert picture_day["place"] is None and picture_day["media"] == []
    robots = items[3]
    assert [m["type"] for m in robots["media"]] == ["video", "image"]
    assert "Robot run at the qualifier" in robots["text"]
    assert pages[0].cursor["page_id"] == PAGE_ID and "mark" not in pages[0].cursor
    assert pages[1].cursor["mark"] == {"time": "2026-10-19T23:45:10Z", "ids": ["104830000000042_987650000000003"]}
    for call in responses.calls:
        assert TOKEN not in call.request.url and "access_token" not in call.request.url
        assert call.request.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
def test_second_night_with_nothing_new_is_one_call_by_page_id():
    mock_all()
    store = Store()
    assert store.run(make(), ACCOUNT) is None
    n = len(responses.calls)
    assert store.run(make(), ACCOUNT) is None
    assert len(responses.calls) - n == 1
    assert responses.calls[-1].request.url.startswith(API + PAGE_ID + "?")
    assert store.duplicates() == [] and len(posts(store)) == 3


@pytest.mark.parametrize("fault,error", [
    (dict(status=400, json=fixture("error_token_expired.json")), AuthError),
    (dict(status=400, json=fixture("error_page_rate_limited.json")), RateLimited),
    (dict(status=429, headers={"Retry-After": "3600"}, body="Too Many Requests"), RateLimited),
    (dict(status=502, body="Bad Gateway"), TransientError),
    (dict(body=requests.exceptions.ConnectionError("reset by peer")), TransientError),
    (dict(body="{\"data\": [", content_type="application/json"), TransientError),
])
@responses.activate
def test_fault_on_second_page_then_rerun(fault, error):
    responses.get(API + "OakvilleTrafalgarHS", json=fixture("page_with_posts.json"))
    responses.get(API + f"{PAGE_ID}/published_posts", **fault)
    store = Store()
    failure = store.run(make(), ACCOUNT)
    assert type(failure) is error
    if error is AuthError:
        assert "Session has expired" in str(failure)
    if error is RateLimited:
        assert failure.reset_at is not None
        assert "Page request limit" in str(failure) or "more than the 900 s allowed" in str(failure)
    assert len(posts(store)) == 2 and "mark" not in store.cursor
    responses.reset()
    mock_all()
    assert store.run(make(), ACCOUNT) is None
    assert len(posts(store)) == 3 and store.duplicates() == []


@responses.activate
def test_new_posts_stop_at_the_mark_even_with_several_at_the_same_second():
    first = fixture("page_with_posts.json")
    mock_all(first)
    store = Store()
    store.run(make(), ACCOUNT)
    newer = json.loads(json.dumps(first))
    same_second = dict(newer["published_posts"]["data"][0], id="104830000000042_987650000000004",
                       message="Second post in the same second")
    brand_new = {"id": "104830000000042_987650000000005", "message": "Bus cancellations today",
                 "created_time": "2026-10-21T11:00:00+0000", "permalink_url": "https://www.facebook.com/x"}
    newer["published_posts"]["data"][:0] = [brand_new, same_second]
    responses.replace(responses.GET, API + PAGE_ID, json=newer)
    assert store.run(make(), ACCOUNT) is None
    assert len(posts(store)) == 5 and store.duplicates() == []
    assert [c.request.url.split("?")[0] for c in responses.calls[2:]] == [API + PAGE_ID]  # stopped on page 1


@responses.activate
def test_unknown_page_is_not_found():
    responses.get(API + "othsdrama", status=400, json=fixture("error_not_found.json"))
    with pytest.raises(NotFound, match="does not exist"):
        list(make().fetch(AccountRef("facebook", "othsdrama", "env:FB_TOKEN"), None))


def test_unset_credential_needs_reauthorization(monkeypatch):
    monkeypatch.delenv("FB_TOKEN")
    from connectors.base import CredentialError
    with pytest.raises(CredentialError):
        list(make().fetch(ACCOUNT, None))


@responses.activate
def test_a_paging_loop_ends_the_read_instead_of_spinning():
    responses.get(API + "OakvilleTrafalgarHS", json=fixture("page_with_posts.json"))
    looping = fixture("posts_page2.json")
    looping["paging"] = {"cursors": {"after": AFTER}, "next": API + f"{PAGE_ID}/published_posts?after={AFTER}"}
    responses.get(API + f"{PAGE_ID}/published_posts", json=looping)
    store = Store()
    assert isinstance(store.run(make(), ACCOUNT), TransientError)
    assert len(responses.calls) == 2 and "mark" not in store.cursor
