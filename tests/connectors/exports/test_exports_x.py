"""X archive import: tweets, long posts, retweets, media by path, likes, follows (hydrated), paging."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import responses

from auditor.images import analyse
from connectors.base import AccountRef
from connectors.exports import ExportError, open_export
from connectors.exports import writers as w
from tests.connectors.exports.conftest import DATA, by_id, items_of, run

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_posts_carry_text_kind_and_time(cache):
    _, pages = run("x", DATA / "x_archive.zip", "lakeview_math", cache)
    items = by_id(pages)
    first = items["x:1001"]
    assert first["text"] == "Félicitations à l'équipe de robotique 🤖 — great work at regionals!"
    assert first["created_at"] == "2024-03-04T15:30:00Z"
    assert first["url"] == "https://x.com/lakeview_math/status/1001"
    assert items["x:1003"]["kind"] == "reply"
    assert items["x:1003"]["text"] == "@parentcouncil Thanks, see you Thursday & bring snacks"  # &amp; unescaped


def test_retweets_are_reposts_with_the_original_author(cache):
    items = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])
    rt = items["x:1004"]
    assert (rt["kind"], rt["author"]["handle"], rt["text"]) == (
        "repost", "newsdesk", "Storm warning tonight: buses cancelled tomorrow")
    full = items["x:1005"]  # retweeted_status present: its full text wins over the truncated "RT" line
    assert full["kind"] == "repost"
    assert full["author"] == {"handle": "mathfacts", "name": "Math Facts"}
    assert full["text"] == "π day is coming — 3.14159 reasons to celebrate"


def test_quote_and_expanded_links(cache):
    q = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])["x:1006"]
    assert q["kind"] == "quote"
    assert q["quoted"]["id"] == "x:999"
    assert q["quoted"]["author"]["handle"] == "otherteacher"
    assert "https://t.co/" not in q["text"]


def test_long_post_text_comes_from_note_tweet(cache):
    long_post = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])["x:1008"]
    assert long_post["text"].endswith("cooked and cheered.")
    assert len(long_post["text"]) > 400
    assert "…" not in long_post["text"]


def test_photo_is_extracted_with_its_gps_and_video_keeps_its_url(cache):
    items = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])
    photo = items["x:1002"]["media"][0]
    assert photo["type"] == "image"
    assert photo["url"] == "https://pbs.twimg.com/media/FgPhoto1.jpg"
    path = Path(photo["path"])
    assert path.is_file() and path.is_relative_to(cache)
    lat, lon = analyse(path).gps
    assert lat == pytest.approx(43.4675, abs=1e-3) and lon == pytest.approx(-79.6877, abs=1e-3)
    assert items["x:1002"]["text"] == "Field trip to the conservation area today"  # media t.co link dropped
    video = items["x:1009"]["media"][0]
    assert video["type"] == "video" and video["url"].startswith("https://video.twimg.com/")
    assert "path" not in video


def test_geotag(cache):
    place = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])["x:1007"]["place"]
    assert (place["lat"], place["lon"]) == (pytest.approx(43.4675), pytest.approx(-79.6877))


def test_profile_likes_follows_and_coverage(cache):
    conn, pages = run("x", DATA / "x_archive.zip", "@LakeView_Math", cache)
    items = by_id(pages)
    prof = items["x:profile:4242"]
    assert prof["name"] == "Mme Lévesque"
    assert prof["bio"] == "Grade 9 math at Lakeview SS. Café & calculus."
    assert "teacher@example.org" not in str(items)  # account.js's e-mail is not carried over
    assert items["x:like:5001"]["post"]["text"] == "Bonne fête nationale! ⚜️"
    follows = [i for i in items.values() if i["type"] == "follow"]
    assert sorted(f["target"]["id"] for f in follows) == ["111", "222", "333"]
    assert pages[-1].coverage.complete_types == {"post", "like", "follow", "profile"}
    assert conn.warnings == []


def test_unpacked_folder_gives_the_same_items(cache, tmp_path):
    folder = tmp_path / "twitter-2024"
    with zipfile.ZipFile(DATA / "x_archive.zip") as zf:
        zf.extractall(folder)
    zipped = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])
    unpacked = by_id(run("x", folder, "lakeview_math", cache)[1])
    assert zipped.keys() == unpacked.keys()
    assert Path(unpacked["x:1002"]["media"][0]["path"]).is_relative_to(folder)
    strip = lambda i: {k: v for k, v in i.items() if k != "media"}  # noqa: E731
    assert [strip(i) for i in zipped.values()] == [strip(i) for i in unpacked.values()]


def test_archive_of_another_account_is_refused(cache):
    with pytest.raises(ExportError, match="belongs to @lakeview_math, not to @someone_else"):
        run("x", DATA / "x_archive.zip", "someone_else", cache)


def test_reimport_of_the_same_archive_yields_nothing(cache):
    _, pages = run("x", DATA / "x_archive.zip", "lakeview_math", cache)
    cursor = pages[-1].cursor
    assert cursor["export_digest"]
    assert run("x", DATA / "x_archive.zip", "lakeview_math", cache, cursor=cursor)[1] == []


def big_archive(path: Path, n_tweets: int, n_follows: int = 0) -> Path:
    tweets = (w.x_tweet(10_000 + i, f"Post number {i}", T0) for i in range(n_tweets))
    return w.write_x_archive(path, account={"username": "bulk", "accountId": "9"}, profile=None,
                             tweets=tweets, following=[str(500 + i) for i in range(n_follows)])


def test_pages_are_cut_and_only_the_last_carries_cursor_and_completeness(cache, tmp_path):
    path = big_archive(tmp_path / "big.zip", 25)
    old = {"since_id": "42"}
    _, pages = run("x", path, "bulk", cache, cursor=old, page_size=10)
    assert [len(p.items) for p in pages] == [10, 10, 6]  # profile + 25 posts
    assert [p.cursor for p in pages[:-1]] == [old, old]
    assert pages[-1].cursor["since_id"] == "42" and pages[-1].cursor["export_digest"]
    assert [p.coverage.complete_types for p in pages[:-1]] == [set(), set()]
    assert pages[-1].coverage.complete_types == {"post", "profile", "like", "follow"}
    ids = [i["id"] for i in items_of(pages)]
    assert len(ids) == len(set(ids)) == 26
    assert set().union(*(p.coverage.item_ids for p in pages)) == set(ids)


def users_reply(request):
    ids = dict(p.split("=", 1) for p in request.url.split("?", 1)[1].split("&"))["ids"].split("%2C")
    data = [{"id": i, "username": f"user{i}", "name": f"User {i}", "description": f"bio of {i}"} for i in ids]
    return 200, {"content-type": "application/json"}, json.dumps({"data": data})


@responses.activate
def test_follows_are_hydrated_in_batches_of_100(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("X_TOKEN_TEST", "secret-token")
    responses.add_callback(responses.GET, re.compile(r"https://api\.twitter\.com/2/users\?.*"), callback=users_reply)
    path = big_archive(tmp_path / "follows.zip", 1, n_follows=250)
    conn = open_export("x", path, settings={"imports": {"cache_dir": str(cache)}})
    pages = list(conn.fetch(AccountRef("x", "bulk", credential="env:X_TOKEN_TEST"), None))
    follows = [i for i in items_of(pages) if i["type"] == "follow"]
    assert len(follows) == 250
    assert [len(c.request.url.split("ids=")[1].split("&")[0].split("%2C")) for c in responses.calls] == [100, 100, 50]
    assert all(c.request.headers["Authorization"] == "Bearer secret-token" for c in responses.calls)
    assert "description" in responses.calls[0].request.url
    f = next(f for f in follows if f["target"]["id"] == "742")
    assert f["target"] == {"id": "742", "handle": "user742", "name": "User 742", "bio": "bio of 742",
                           "url": "https://x.com/user742"}


@responses.activate
def test_hydration_failure_keeps_the_ids_and_warns(cache, tmp_path, monkeypatch):
    monkeypatch.setenv("X_TOKEN_TEST", "secret-token")
    responses.add(responses.GET, re.compile(r"https://api\.twitter\.com/2/users\?.*"), status=429,
                  headers={"x-rate-limit-reset": "1700000000"}, json={"title": "Too Many Requests"})
    path = big_archive(tmp_path / "follows.zip", 1, n_follows=150)
    conn = open_export("x", path, settings={"imports": {"cache_dir": str(cache)}})
    pages = list(conn.fetch(AccountRef("x", "bulk", credential="env:X_TOKEN_TEST"), None))
    follows = [i for i in items_of(pages) if i["type"] == "follow"]
    assert len(follows) == 150 and all("handle" not in f["target"] for f in follows)
    assert len(responses.calls) == 1  # gave up after the refusal instead of hammering
    assert any("looking up followed accounts failed" in m for m in conn.warnings)
    assert "secret-token" not in " ".join(conn.warnings)


def test_without_credential_no_request_is_made(cache, tmp_path):
    path = big_archive(tmp_path / "follows.zip", 1, n_follows=3)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _, pages = run("x", path, "bulk", cache)
        assert len(rsps.calls) == 0
    assert sorted(i["target"]["id"] for i in items_of(pages) if i["type"] == "follow") == ["500", "501", "502"]


def test_imports_do_not_ask_the_scanner_to_download_media():
    from connectors.exports.importer import ExportConnector
    assert ExportConnector.fetches_media is False


def test_extracted_photos_are_private_to_the_service_user(cache):
    import os
    import stat
    items = by_id(run("x", DATA / "x_archive.zip", "lakeview_math", cache)[1])
    photo = Path(items["x:1002"]["media"][0]["path"])
    assert stat.S_IMODE(os.stat(photo).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(photo.parent).st_mode) & 0o077 == 0


def test_a_cache_folder_that_is_a_link_is_refused(tmp_path):
    import os
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "cache"
    os.symlink(target, link)
    with pytest.raises(ExportError, match="is a link"):
        run("x", DATA / "x_archive.zip", "lakeview_math", link)
