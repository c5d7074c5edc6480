"""Mastodon archive import: notes to plain text, boosts, attachments with alt and files, likes, CSV follows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from auditor.images import analyse
from connectors.exports import ExportError, open_export
from tests.connectors.exports.conftest import DATA, by_id, run

ARCHIVE = DATA / "mastodon" / "archive.tar.gz"
HANDLE = "lakeview_science@mastodon.example"
STATUS = "mastodon:https://mastodon.example/users/lakeview_science/statuses/"


def test_html_becomes_text_and_visibility_is_read(cache):
    items = by_id(run("mastodon", ARCHIVE, HANDLE, cache)[1])
    first = items[STATUS + "1"]
    assert first["text"] == "Bienvenue à la semaine des sciences! 🔬\nLine two"
    assert first["visibility"] == "public"
    assert first["url"] == "https://mastodon.example/@lakeview_science/1"
    assert first["created_at"] == "2024-03-04T15:30:00Z"
    assert items[STATUS + "2"]["text"] == "Our results: https://lakeview.example.org/fair"
    cw = items[STATUS + "5"]
    assert cw["text"] == "quiz answers\n\nSpoilers for the quiz" and cw["visibility"] == "followers"
    assert items[STATUS + "4"]["kind"] == "reply"


def test_boost_is_a_repost_of_the_object(cache):
    boost = by_id(run("mastodon", ARCHIVE, HANDLE, cache)[1])[STATUS + "6"]
    assert boost["kind"] == "repost"
    assert boost["url"] == "https://other.example/users/newsroom/statuses/88"
    assert boost["author"]["handle"] == "newsroom@other.example"


def test_attachment_keeps_alt_and_points_at_the_extracted_photo(cache):
    media = by_id(run("mastodon", ARCHIVE, HANDLE, cache)[1])[STATUS + "3"]["media"]
    assert len(media) == 1
    assert media[0]["alt"] == "Students’ nets at the pond edge"
    assert media[0]["url"] == "/media_attachments/files/111/222/333/original/5f1c2a.jpg"
    path = Path(media[0]["path"])
    assert path.is_file() and path.is_relative_to(cache)
    assert analyse(path).gps[0] == pytest.approx(43.4675, abs=1e-3)


def test_profile_likes_and_follows_beside_the_archive(cache):
    _, pages = run("mastodon", ARCHIVE, HANDLE, cache)
    items = by_id(pages)
    prof = items["mastodon:https://mastodon.example/users/lakeview_science"]
    assert prof["bio"] == "Science at Lakeview — «curiosité»\nWebsite: lakeview.example.org"
    assert prof["links"] == ["https://lakeview.example.org"]
    assert items["mastodon:like:https://other.example/users/newsroom/statuses/90"]["post"]["url"] == \
        "https://other.example/users/newsroom/statuses/90"
    follow = items["mastodon:follow:colleague@other.example"]
    assert follow["target"] == {"id": "colleague@other.example", "handle": "colleague@other.example",
                                "url": "https://other.example/@colleague"}
    assert pages[-1].coverage.complete_types == {"post", "like", "profile", "follow"}


def test_archive_alone_does_not_claim_follows(cache, tmp_path):
    alone = tmp_path / "archive.tar.gz"
    shutil.copy(ARCHIVE, alone)
    _, pages = run("mastodon", alone, HANDLE, cache)
    assert not [i for p in pages for i in p.items if i["type"] == "follow"]
    assert pages[-1].coverage.complete_types == {"post", "like", "profile"}


def test_following_csv_alone(cache):
    _, pages = run("mastodon", DATA / "mastodon" / "following_accounts.csv", HANDLE, cache)
    items = [i for p in pages for i in p.items]
    assert [i["target"]["handle"] for i in items] == ["colleague@other.example", "newsroom@other.example"]
    assert pages[-1].coverage.complete_types == {"follow"}


def test_csv_with_a_bad_address_names_the_line(cache, tmp_path):
    bad = tmp_path / "following_accounts.csv"
    bad.write_text("Account address,Show boosts,Notify on new posts,Languages\nok@host.example,true,false,\n"
                   "not-an-address,true,false,\n", encoding="utf-8")
    with pytest.raises(ExportError, match=r"following_accounts.csv:3: 'not-an-address'"):
        run("mastodon", bad, HANDLE, cache)


def test_archive_of_another_account_is_refused(cache):
    with pytest.raises(ExportError, match="belongs to @lakeview_science"):
        run("mastodon", ARCHIVE, "someone@mastodon.example", cache)


def test_reimport_yields_nothing(cache):
    cursor = run("mastodon", ARCHIVE, HANDLE, cache)[1][-1].cursor
    assert run("mastodon", ARCHIVE, HANDLE, cache, cursor=cursor)[1] == []


def test_a_changed_following_csv_is_a_new_import(cache, tmp_path):
    folder = tmp_path / "m"
    shutil.copytree(DATA / "mastodon", folder)
    cursor = run("mastodon", folder / "archive.tar.gz", HANDLE, cache)[1][-1].cursor
    with open(folder / "following_accounts.csv", "a", encoding="utf-8") as fh:
        fh.write("new@host.example,true,false,\n")
    pages = run("mastodon", folder / "archive.tar.gz", HANDLE, cache, cursor=cursor)[1]
    assert "mastodon:follow:new@host.example" in by_id(pages)


def test_damaged_outbox_is_refused(cache, tmp_path):
    from connectors.exports import writers as w
    path = tmp_path / "bad.tar.gz"
    w.write_mastodon_archive(path, actor=w.mastodon_actor("https://m.example", "lakeview_science", "L", ""),
                             activities=[])
    # Rewrite with an outbox that stops in the middle of an activity.
    import io
    import tarfile
    with tarfile.open(path, "w:gz") as tar:
        data = b'{"type":"OrderedCollection","orderedItems":[{"type":"Create","object":{"type":"Note","content":"cut'
        info = tarfile.TarInfo("outbox.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    conn = open_export("mastodon", path, settings={"imports": {"cache_dir": str(cache)}})
    from connectors.base import AccountRef
    with pytest.raises(ExportError, match="outbox.json: damaged JSON"):
        list(conn.fetch(AccountRef("mastodon", HANDLE), None))
