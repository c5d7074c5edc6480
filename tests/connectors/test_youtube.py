"""YouTube: uploads playlist paging, recording locations, quota accounting, faults and reruns."""

from __future__ import annotations

import copy
import time
from datetime import datetime

import pytest
import requests
import responses
from responses import matchers

from auditor.items import validate_item
from connectors.base import AccountRef, AuthError, NotFound, RateLimited, TransientError
from connectors.http import ApiClient, Pacer
from connectors.youtube import QUOTA_TZ, QuotaLedger, YouTubeConnector

from tests.connectors.connector_harness import Store, load

API = "https://www.googleapis.com/youtube/v3/"
KEY = "AIzaSyTESTKEY000000000000000000000000"


def fixture(name):
    return load(f"youtube/{name}")


def fast_client(platform, base_url, **kw):
    """The real ApiClient without backoff sleeps."""
    return ApiClient(platform, base_url, backoff_factor=0, **kw)


class Day:
    """A settable clock for the quota day."""

    def __init__(self, when="2026-10-21T10:00:00"):
        self.now = datetime.fromisoformat(when).replace(tzinfo=QUOTA_TZ)

    def __call__(self):
        return self.now


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("YT_KEY", KEY)


@pytest.fixture
def day():
    return Day()


def make(day, quota=10_000):
    return YouTubeConnector({"quota_units_per_day": quota}, client_factory=fast_client, pacer=Pacer(),
                            ledger=QuotaLedger(day))


ACCOUNT = AccountRef("youtube", "@othsmusic", "env:YT_KEY")


def q(**params):
    return [matchers.query_param_matcher(params, strict_match=False)]


def mock_channel():
    responses.get(API + "channels", json=fixture("channels_list.json"), match=q(forHandle="@othsmusic"))
    responses.get(API + "channels", json=fixture("channels_list.json"), match=q(id="UCq7dQ9uQ2mHn1b0x4PzT3Vw"))
    responses.get(API + "subscriptions", json=fixture("subscriptions_list.json"),
                  match=q(channelId="UCq7dQ9uQ2mHn1b0x4PzT3Vw", part="snippet"))


def mock_full_listing():
    mock_channel()
    responses.get(API + "playlistItems", json=fixture("playlist_items_page1.json"),
                  match=[matchers.query_param_matcher({"part": "contentDetails", "playlistId": "UUq7dQ9uQ2mHn1b0x4PzT3Vw",
                                                       "maxResults": "50"})])
    responses.get(API + "playlistItems", json=fixture("playlist_items_page2.json"), match=q(pageToken="EAAaBlBUOkNBSQ"))
    responses.get(API + "videos", json=fixture("videos_page1.json"), match=q(id="vid0000003,vid0000002"))
    responses.get(API + "videos", json=fixture("videos_page2.json"), match=q(id="vid0000001"))


def posts(store_or_items):
    items = store_or_items.items.values() if isinstance(store_or_items, Store) else store_or_items
    return {i["id"]: i for i in items if i["type"] == "post"}


@responses.activate
def test_first_scan_pages_through_uploads_with_recording_location(env, day):
    mock_full_listing()
    pages = list(make(day).fetch(ACCOUNT, None))
    # channels + subscriptions; playlistItems + videos; 2 more for the second playlist page
    assert [p.api_calls for p in pages] == [2, 2, 2]
    items = [i for p in pages for i in p.items]
    for n, item in enumerate(items):
        validate_item(item, f"item {n}")
    by_id = posts(items)
    assert list(by_id) == ["youtube:vid0000003", "youtube:vid0000002", "youtube:vid0000001"]
    concert = by_id["youtube:vid0000003"]
    assert concert["place"] == {"name": "Oakville Centre for the Performing Arts", "lat": 43.4455, "lon": -79.6677}
    assert concert["created_at"] == "2026-10-20T23:10:04Z"
    assert concert["text"] == ("Fall concert: senior band\n\nThe senior band plays the fall concert.\n"
                               "Thanks to everyone who came!\n\n#band #concert")
    assert concert["media"] == [{"type": "video", "url": "https://www.youtube.com/watch?v=vid0000003"},
                                {"type": "image", "url": "https://i.ytimg.com/vi/vid0000003/hqdefault.jpg"}]
    assert by_id["youtube:vid0000002"]["place"] is None
    assert by_id["youtube:vid0000002"]["media"][1]["url"].endswith("maxresdefault.jpg")
    profile = [i for i in items if i["type"] == "profile"][0]
    assert profile["name"] == "OTHS Music" and profile["url"] == "https://www.youtube.com/@othsmusic"
    assert profile["links"] == ["https://oths.example.org/music"]
    # Subscriptions are follows, listed in full on a page that moves no cursor.
    follows = [i for i in pages[0].items if i["type"] == "follow"]
    assert follows[0]["target"] == {"id": "UCz3Xq8Lm2Np5Rt7Vw9Yb1Cd", "name": "Maya L. plays piano",
                                    "bio": "grade 11 at OTHS, piano covers every week",
                                    "url": "https://www.youtube.com/channel/UCz3Xq8Lm2Np5Rt7Vw9Yb1Cd"}
    assert pages[0].coverage.complete_types == {"profile", "follow"} and pages[0].cursor is None  # as given
    # The mark is set only on the last page; the first uploads page carries the ids it handed over.
    assert "mark" not in pages[1].cursor and pages[1].cursor["partial"]["done"] == ["vid0000002", "vid0000003"]
    assert pages[2].cursor["mark"] == {"time": "2026-10-20T23:10:04Z", "ids": ["vid0000003"]}
    assert pages[2].cursor["quota_units"] == 6 and pages[2].cursor["channel_id"] == "UCq7dQ9uQ2mHn1b0x4PzT3Vw"
    # The API key travels in a header, never in the URL.
    for call in responses.calls:
        assert KEY not in call.request.url
        assert call.request.headers["X-goog-api-key"] == KEY


@responses.activate
def test_nothing_new_costs_three_units_and_new_uploads_stop_at_the_mark(env, day):
    mock_full_listing()
    store = Store()
    yt = make(day)
    assert store.run(yt, ACCOUNT) is None
    # Nothing new: the first playlist page starts with the marked video.
    responses.replace(responses.GET, API + "playlistItems", json=fixture("playlist_items_page1.json"))
    n = len(responses.calls)
    pages = list(yt.fetch(ACCOUNT, store.cursor))
    assert sum(p.api_calls for p in pages) == 3 == len(responses.calls) - n  # channels, subscriptions, uploads
    assert posts(i for p in pages for i in p.items) == {}
    # A new upload on top: only it is fetched from videos.list.
    listing = fixture("playlist_items_page1.json")
    listing["items"].insert(0, {"kind": "youtube#playlistItem", "id": "x",
                                "contentDetails": {"videoId": "vid0000004", "videoPublishedAt": "2026-10-22T12:00:00Z"}})
    responses.replace(responses.GET, API + "playlistItems", json=listing)
    new_video = copy.deepcopy(fixture("videos_page2.json"))
    new_video["items"][0]["id"] = "vid0000004"
    responses.get(API + "videos", json=new_video, match=q(id="vid0000004"))
    assert store.run(yt, ACCOUNT) is None
    assert responses.calls[-1].request.params["id"] == "vid0000004"
    assert store.cursor["mark"]["ids"] == ["vid0000004"]
    assert len(posts(store)) == 4 and store.duplicates() == []


@pytest.mark.parametrize("fault", [
    dict(status=500, json={"error": {"code": 500, "message": "Backend Error"}}),
    dict(status=503, body="Service Unavailable"),
    dict(body=requests.exceptions.ConnectTimeout("timed out")),
    dict(body='{"kind": "youtube#playlistItemListResponse", "items": [{"kind"'),  # cut off
    dict(status=401, json={"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                     "errors": [{"reason": "authError", "domain": "global"}]}}),
])
@responses.activate
def test_fault_on_second_page_then_rerun_loses_and_duplicates_nothing(env, day, fault):
    mock_channel()
    responses.get(API + "playlistItems", json=fixture("playlist_items_page1.json"), match=q(maxResults="50"))
    responses.get(API + "videos", json=fixture("videos_page1.json"), match=q(id="vid0000003,vid0000002"))
    responses.get(API + "playlistItems", match=q(pageToken="EAAaBlBUOkNBSQ"), **fault)
    store = Store()
    error = store.run(make(day), ACCOUNT)
    expected = AuthError if fault.get("status") == 401 else TransientError
    assert type(error) is expected
    if expected is AuthError:
        assert "invalid authentication credentials" in str(error)
    assert sorted(posts(store)) == ["youtube:vid0000002", "youtube:vid0000003"]
    assert "mark" not in store.cursor
    # Rerun with the service healthy again.
    responses.reset()
    mock_full_listing()
    assert store.run(make(day), ACCOUNT) is None
    assert sorted(posts(store)) == ["youtube:vid0000001", "youtube:vid0000002", "youtube:vid0000003"]
    assert store.duplicates() == []
    # The rerun asked videos.list only for the video it had not stored.
    asked = [c.request.params.get("id") for c in responses.calls if "/videos" in c.request.url]
    assert asked == ["vid0000001"]
    assert store.cursor["mark"]["ids"] == ["vid0000003"] and "partial" not in store.cursor


@responses.activate
def test_quota_exceeded_defers_until_pacific_midnight_and_spares_other_accounts(env, day):
    mock_channel()
    responses.get(API + "playlistItems", status=403, json=fixture("error_quota_exceeded.json"))
    yt = make(day)
    with pytest.raises(RateLimited) as info:
        list(yt.fetch(ACCOUNT, None))
    assert "exceeded your quota" in str(info.value)
    assert info.value.reset_at == datetime(2026, 10, 22, tzinfo=QUOTA_TZ).timestamp()
    # Another channel on the same credential is deferred without a request.
    n = len(responses.calls)
    with pytest.raises(RateLimited):
        list(yt.fetch(AccountRef("youtube", "@othsdrama", "env:YT_KEY"), None))
    assert len(responses.calls) == n


@responses.activate
def test_short_term_rate_limit_defers_briefly_without_spending_the_day(env, day):
    mock_channel()
    responses.get(API + "playlistItems", status=403, json={"error": {"code": 403, "message": "Rate limit exceeded",
                  "errors": [{"domain": "usageLimits", "reason": "rateLimitExceeded", "message": "Rate Limit Exceeded"}]}})
    yt = make(day)
    with pytest.raises(RateLimited) as info:
        list(yt.fetch(ACCOUNT, None))
    assert time.time() < info.value.reset_at < time.time() + 120  # a pause, not until midnight
    assert yt.ledger.spent("env:YT_KEY") == 3  # only the calls made


@responses.activate
def test_own_quota_budget_stops_mid_pass_and_next_day_completes(env, day):
    mock_full_listing()
    ledger = QuotaLedger(day)
    yt = YouTubeConnector({"quota_units_per_day": 5}, client_factory=fast_client, pacer=Pacer(), ledger=ledger)
    store = Store()
    error = store.run(yt, ACCOUNT)
    assert isinstance(error, RateLimited)
    assert ledger.spent("env:YT_KEY") == 5
    assert sorted(posts(store)) == ["youtube:vid0000002", "youtube:vid0000003"]
    day.now = day.now.replace(day=22, hour=0, minute=1)  # the quota day rolled over
    assert store.run(yt, ACCOUNT) is None
    assert len(posts(store)) == 3 and store.duplicates() == []


@responses.activate
def test_private_subscriptions_are_said_so_and_uploads_still_read(env, day):
    mock_full_listing()
    responses.replace(responses.GET, API + "subscriptions", status=403, json=fixture("error_subscriptions_private.json"))
    store = Store()
    assert store.run(make(day), ACCOUNT) is None
    profile = store.items["youtube:channel:UCq7dQ9uQ2mHn1b0x4PzT3Vw"]
    assert profile["follows_hidden"] == "the channel keeps its subscriptions private"
    assert len(posts(store)) == 3
    pages = list(make(day).fetch(ACCOUNT, None))
    assert "follow" not in pages[0].coverage.complete_types  # an unseen list removes nothing


@responses.activate
def test_key_problems_need_a_person(env, day):
    responses.get(API + "channels", status=400, json=fixture("error_key_invalid.json"))
    with pytest.raises(AuthError, match="API key not valid"):
        list(make(day).fetch(ACCOUNT, None))
    responses.replace(responses.GET, API + "channels", status=403, json=fixture("error_forbidden.json"))
    with pytest.raises(AuthError, match="are blocked"):
        list(make(day).fetch(ACCOUNT, None))


@responses.activate
def test_unknown_channel_is_not_found(env, day):
    responses.get(API + "channels", json={"kind": "youtube#channelListResponse", "pageInfo": {"totalResults": 0}})
    with pytest.raises(NotFound):
        list(make(day).fetch(ACCOUNT, None))


@responses.activate
def test_oauth_token_goes_in_authorization_header(monkeypatch, day):
    monkeypatch.setenv("YT_TOKEN", "ya29.a0AfB_token")
    mock_full_listing()
    list(make(day).fetch(AccountRef("youtube", "@othsmusic", "env:YT_TOKEN"), None))
    sent = responses.calls[0].request.headers
    assert sent["Authorization"] == "Bearer ya29.a0AfB_token" and "X-goog-api-key" not in sent


def test_retried_attempts_are_charged_to_the_quota(env, day):
    """Through a real socket (urllib3 records its retries; the mock library does not)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    answers = {"channels": [503, 200], "playlistItems": [200], "subscriptions": [200]}
    bodies = {"channels": fixture("channels_list.json"), "subscriptions": {"items": []},
              "playlistItems": {"items": [], "pageInfo": {"totalResults": 0}}}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            name = self.path.split("?")[0].rsplit("/", 1)[1]
            status = answers[name].pop(0) if len(answers[name]) > 1 else answers[name][0]
            body = json.dumps(bodies[name] if status == 200 else {"error": {"code": status}}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        ledger = QuotaLedger(day)
        yt = YouTubeConnector({"base_url": f"http://127.0.0.1:{httpd.server_address[1]}/youtube/v3"},
                              client_factory=fast_client, pacer=Pacer(), ledger=ledger)
        pages = list(yt.fetch(ACCOUNT, None))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert pages[-1].cursor["quota_units"] == 4  # channels twice (503, then 200), subscriptions, playlistItems
    assert ledger.spent("env:YT_KEY") == 4


@responses.activate
def test_failure_right_after_the_follows_page_keeps_the_stored_cursor(env, day):
    mock_full_listing()
    store = Store()
    assert store.run(make(day), ACCOUNT) is None
    stored = copy.deepcopy(store.cursor)
    responses.replace(responses.GET, API + "playlistItems", status=503)
    assert isinstance(store.run(make(day), ACCOUNT), TransientError)
    assert store.cursor == stored  # the profile/follows page handed back the cursor it was given
    responses.replace(responses.GET, API + "playlistItems", json=fixture("playlist_items_page1.json"))
    assert store.run(make(day), ACCOUNT) is None
    assert store.duplicates() == []
