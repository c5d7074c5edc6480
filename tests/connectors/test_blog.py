"""Blog feeds: conditional GET, entries → posts with images and places, faults."""

from __future__ import annotations

import pytest
import requests
import responses

from auditor.items import validate_item
from connectors.base import AccountRef, ConnectorError, NotFound, RateLimited, TransientError
from connectors.blog import BlogConnector, html_to_text
from connectors.http import ApiClient, Pacer

from tests.connectors.connector_harness import DATA, Store

FEED = "https://room12.example.org/feed/"
ATOM = "https://library.example.org/feeds/posts/default"


def body(name: str) -> bytes:
    return (DATA / "blog" / name).read_bytes()


def fast_client(platform, base_url, **kw):
    """The real ApiClient, with a private pacer and no backoff sleeps."""
    return ApiClient(platform, base_url, backoff_factor=0, **kw)


def connector() -> BlogConnector:
    return BlogConnector({}, client_factory=fast_client, pacer=Pacer())


def account(handle=FEED) -> AccountRef:
    return AccountRef("blog", handle)


def posts(items):
    return {i["id"]: i for i in items if i["type"] == "post"}


@responses.activate
def test_rss_entries_become_posts_with_images_alt_text_and_place():
    responses.get(FEED, body=body("room12_rss.xml"), content_type="application/rss+xml",
                  headers={"ETag": '"v1"', "Last-Modified": "Fri, 16 Oct 2026 18:20:11 GMT"})
    pages = list(connector().fetch(account(), None))
    assert len(pages) == 1 and pages[0].api_calls == 1
    items = pages[0].items
    for i, item in enumerate(items):
        validate_item(item, f"item {i}")
    by_id = posts(items)
    trip = by_id["blog:https://room12.example.org/?p=41"]
    assert trip["created_at"] == "2026-10-15T14:03:00Z"
    assert trip["url"] == "https://room12.example.org/2026/10/15/field-trip/"
    assert trip["text"].startswith("Field trip to the conservation area\n\nOur walk along the creek.\nWe saw herons!")
    # Relative image URLs resolve against the entry; alt text kept; the Media RSS copy of an
    # inline image is not listed twice; the video enclosure is media too.
    assert trip["media"] == [
        {"type": "image", "url": "https://room12.example.org/wp-content/uploads/2026/10/creek.jpg",
         "alt": "Students on the creek trail"},
        {"type": "image", "url": "https://room12.example.org/wp-content/uploads/2026/10/heron.jpg", "alt": ""},
        {"type": "video", "url": "https://room12.example.org/wp-content/uploads/2026/10/creek-walk.mp4", "alt": ""},
    ]
    assert trip["place"] == {"name": None, "lat": 43.4512, "lon": -79.6877}
    pumpkins = by_id["blog:https://room12.example.org/?p=52"]
    assert "tank & measured" in pumpkins["text"]
    assert pumpkins["media"][0]["alt"] == "Three pumpkins floating in a water tank"
    assert pumpkins["place"] is None
    profile = [i for i in items if i["type"] == "profile"][0]
    assert profile["name"] == "Room 12 News" and "Grade 5" in profile["bio"]
    assert pages[0].cursor["etag"] == '"v1"'
    assert pages[0].cursor["last_modified"] == "Fri, 16 Oct 2026 18:20:11 GMT"
    assert pages[0].coverage.complete_types == {"profile"}


@responses.activate
def test_atom_feed_with_escaped_html_and_georss_featurename():
    responses.get(ATOM, body=body("library_atom.xml"), content_type="application/atom+xml")
    items = list(connector().fetch(account(ATOM), None))[0].items
    by_id = posts(items)
    picks = by_id["blog:tag:blogger.com,1999:blog-1234567890.post-777"]
    assert picks["created_at"] == "2026-10-20T13:30:00Z"  # -04:00 converted to UTC
    assert picks["media"] == [{"type": "image", "url": "https://library.example.org/img/shelf-s400.jpg",
                               "alt": "The new-arrivals shelf"}]
    visit = by_id["blog:tag:blogger.com,1999:blog-1234567890.post-776"]
    assert visit["text"] == "Author visit\n\nAn author visited the library."
    assert visit["place"] == {"name": "OTHS Library", "lat": 43.4601, "lon": -79.7002}


@responses.activate
def test_conditional_get_304_is_one_call_and_no_items():
    responses.get(FEED, body=body("room12_rss.xml"), headers={"ETag": '"v1"', "Last-Modified": "Fri, 16 Oct 2026 18:20:11 GMT"})
    store = Store()
    assert store.run(connector(), account()) is None
    responses.replace(responses.GET, FEED, status=304)
    pages = list(connector().fetch(account(), store.cursor))
    assert [(p.items, p.api_calls) for p in pages] == [([], 1)]
    assert pages[0].cursor == store.cursor
    sent = responses.calls[-1].request.headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Fri, 16 Oct 2026 18:20:11 GMT"


@responses.activate
def test_incremental_read_yields_new_and_edited_entries_only():
    responses.get(FEED, body=body("room12_rss.xml"), headers={"ETag": '"v1"'})
    store = Store()
    store.run(connector(), account())
    # The server ignores the validator (no ETag support on the next version): a full 200.
    responses.replace(responses.GET, FEED, body=body("room12_rss_next.xml"))
    page = list(connector().fetch(account(), store.cursor))[0]
    new = posts(page.items)
    assert sorted(new) == ["blog:https://room12.example.org/?p=52", "blog:https://room12.example.org/?p=60"]
    assert "parent volunteers" in new["blog:https://room12.example.org/?p=52"]["text"]
    assert new["blog:https://room12.example.org/?p=60"]["media"][0]["alt"] == "A bowl of apples"
    assert "etag" not in page.cursor  # the new response carried none: no stale validator is sent
    assert set(page.cursor["entries"]) == {"blog:https://room12.example.org/?p=41",
                                           "blog:https://room12.example.org/?p=52",
                                           "blog:https://room12.example.org/?p=60"}


@responses.activate
def test_feed_failures_keep_cursor_and_rerun_yields_each_entry_once():
    responses.get(FEED, body=body("room12_rss.xml"), headers={"ETag": '"v1"'})
    store = Store()
    store.run(connector(), account())
    before = dict(store.cursor)
    for failure in (dict(status=503), dict(body=requests.exceptions.ReadTimeout("slow")),
                    dict(status=401, body="Unauthorized")):
        responses.replace(responses.GET, FEED, **failure)
        error = store.run(connector(), account())
        assert isinstance(error, ConnectorError), failure
        assert store.cursor == before
    responses.replace(responses.GET, FEED, body=body("room12_rss_next.xml"), headers={"ETag": '"v2"'})
    assert store.run(connector(), account()) is None
    assert len(posts(store.items.values())) == 3
    assert store.duplicates() == ["blog:https://room12.example.org/?p=52"]  # edited, so read again on purpose
    responses.replace(responses.GET, FEED, status=304)
    assert store.run(connector(), account()) is None
    assert store.writes["blog:https://room12.example.org/?p=60"] == 1


@responses.activate
def test_transient_errors_are_typed():
    responses.get(FEED, status=500)
    with pytest.raises(TransientError):
        list(connector().fetch(account(), None))
    responses.replace(responses.GET, FEED, status=404)
    with pytest.raises(NotFound):
        list(connector().fetch(account(), None))
    responses.replace(responses.GET, FEED, body=b"<html><head><title>Down</title></head><body>Maintenance<br></body></html>")
    with pytest.raises(TransientError, match="readable RSS/Atom"):  # an error page is not an empty feed
        list(connector().fetch(account(), None))


@responses.activate
def test_malformed_feed_keeps_what_parsed_and_drops_the_validators():
    responses.get(FEED, body=body("room12_rss.xml"), headers={"ETag": '"v1"'})
    store = Store()
    store.run(connector(), account())
    broken = body("room12_rss_next.xml").replace(b"<title>Apples</title>", b"<title>Apples & pears</title>")
    responses.replace(responses.GET, FEED, body=broken, headers={"ETag": '"v2"'})
    assert store.run(connector(), account()) is None
    assert "Apples & pears" in posts(store.items.values())["blog:https://room12.example.org/?p=60"]["text"]
    assert "etag" not in store.cursor  # the next night asks for the whole feed again
    responses.replace(responses.GET, FEED, body=body("room12_rss_next.xml"), headers={"ETag": '"v3"'})
    assert store.run(connector(), account()) is None
    assert store.writes["blog:https://room12.example.org/?p=41"] == 1
    assert not responses.calls[-1].request.headers.get("If-None-Match")


@responses.activate
def test_5xx_then_success_is_retried_inside_one_call():
    responses.get(FEED, status=503)
    responses.get(FEED, body=body("room12_rss.xml"))
    page = list(connector().fetch(account(), None))[0]
    assert len(posts(page.items)) == 2


def test_handle_forms_and_plain_http_refused():
    c = connector()
    assert c.feed_url(account("room12.example.org")) == "https://room12.example.org/feed/"
    assert c.feed_url(account(FEED)) == FEED
    with pytest.raises(ConnectorError, match="only https"):
        list(c.fetch(account("http://room12.example.org/feed/"), None))


def test_html_to_text_separates_blocks():
    assert html_to_text("<p>Ana</p><p>Lee</p>") == "Ana\nLee"
    assert html_to_text("Hi<br>there &amp; you<script>x()</script>") == "Hi\nthere & you"


@responses.activate
def test_429_waits_within_max_wait_and_defers_beyond_it(clock):
    responses.get(FEED, status=429, headers={"Retry-After": "30"})
    responses.get(FEED, body=body("room12_rss.xml"))
    pacer = Pacer(clock=clock, sleep=clock.sleep, max_wait=900)
    page = list(BlogConnector({}, client_factory=fast_client, pacer=pacer).fetch(account(), None))[0]
    assert len(posts(page.items)) == 2 and sum(clock.sleeps) == pytest.approx(31, abs=1.5)
    responses.reset()
    responses.get(FEED, status=429, headers={"Retry-After": "3600"})
    store = Store()
    error = store.run(BlogConnector({}, client_factory=fast_client, pacer=Pacer(clock=clock, sleep=clock.sleep,
                                                                                 max_wait=900)), account())
    assert isinstance(error, RateLimited) and error.reset_at == pytest.approx(clock.now + 3600)
    assert store.cursor is None and store.items == {}
