"""Hostile and damaged archives are refused with a clear error, before anything is written."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile

import pytest

from connectors.base import AccountRef
from connectors.exports import ExportError, open_export
from connectors.exports.safe_archive import (
    BoundedReader, DirSource, Limits, TarSource, ZipSource, copy_bounded, safe_name, sniff,
)
from tests.connectors.exports.conftest import BAD, DATA


@pytest.mark.parametrize("raw", ["../x", "a/../../x", "/etc/passwd", "C:/win.ini", "..\\..\\evil", "a/\x00b"])
def test_unsafe_member_names_are_refused(raw):
    with pytest.raises(ExportError):
        safe_name(raw, "archive.zip")


def test_safe_names_are_normalized():
    assert safe_name("./data//tweets.js", "a") == "data/tweets.js"


@pytest.mark.parametrize("fixture, platform, words", [
    ("zip_slip.zip", "x", "outside the archive"),
    ("zip_absolute.zip", "x", "absolute path"),
    ("zip_symlink.zip", "x", "symbolic link"),
    ("zip_bomb.zip", "x", "compression bomb"),
    ("truncated.zip", "x", "truncated"),
    ("tar_symlink.tar.gz", "mastodon", "link to '/etc/passwd'"),
    ("tar_hardlink.tar.gz", "mastodon", "link to"),
    ("tar_device.tar.gz", "mastodon", "device"),
    ("tar_slip.tar.gz", "mastodon", "outside the archive"),
    ("truncated.tar.gz", "mastodon", "truncated"),
    ("truncated.car", "bluesky", "truncated"),
])
def test_hostile_archives_are_refused_and_nothing_is_written(fixture, platform, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(ExportError) as err:
        conn = open_export(platform, BAD / fixture, settings={"imports": {"cache_dir": str(cache)}})
        list(conn.fetch(AccountRef(platform, "someone"), None))
    message = str(err.value)
    assert str(BAD / fixture) in message
    assert words in message
    assert not cache.exists()
    assert list(tmp_path.iterdir()) == []  # not even a stray file in the working folder


def test_member_over_the_size_cap_is_refused(tmp_path):
    with pytest.raises(ExportError, match="over the 1,000-byte limit"):
        open_export("x", DATA / "x_archive.zip", settings={"imports": {"max_member_bytes": 1000}})


def test_total_over_the_cap_is_refused():
    with pytest.raises(ExportError, match="expands past the 5,000-byte limit"):
        ZipSource(DATA / "x_archive.zip", Limits(max_total_bytes=5000))


def test_tar_total_over_the_cap_is_refused():
    with pytest.raises(ExportError, match="expands past"):
        TarSource(DATA / "mastodon" / "archive.tar.gz", Limits(max_total_bytes=3000))


def test_a_member_that_lies_about_its_size_cannot_grow_past_it(tmp_path):
    """The zip's central directory is the size we trust; a member whose data is corrupt fails
    with the file named, instead of returning garbage or raising a library error."""
    path = tmp_path / "crc.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("data/tweets.js", b"window.YTD.tweets.part0 = []" + b" " * 200)
    raw = bytearray(path.read_bytes())
    at = raw.find(b"window.YTD")
    raw[at + 5] ^= 0xFF  # flip a byte of the member's data: its CRC no longer matches
    path.write_bytes(bytes(raw))
    src = ZipSource(path, Limits())
    with pytest.raises(ExportError, match="crc.zip:data/tweets.js: damaged or truncated"):
        with src.open("data/tweets.js") as fh:
            fh.read()


def test_bounded_reader_stops_at_its_limit():
    reader = BoundedReader(io.BytesIO(b"x" * 100), 50, "f")
    assert reader.read(40) == b"x" * 40
    with pytest.raises(ExportError, match="larger than the 50-byte limit"):
        reader.read(40)


def test_copy_bounded_leaves_no_partial_file(tmp_path):
    dest = tmp_path / "out" / "photo.jpg"
    with pytest.raises(ExportError):
        copy_bounded(io.BytesIO(b"y" * (3 << 20)), dest, 1 << 20, "photo")
    assert not dest.exists()
    assert list((tmp_path / "out").iterdir()) == []


def test_folder_with_a_symlink_is_refused(tmp_path):
    root = tmp_path / "archive"
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = []")
    os.symlink("/etc/passwd", root / "data" / "like.js")
    with pytest.raises(ExportError, match="symbolic link"):
        DirSource(root, Limits())


def test_folder_with_a_fifo_is_refused(tmp_path):
    root = tmp_path / "archive"
    root.mkdir()
    os.mkfifo(root / "pipe")
    with pytest.raises(ExportError, match="device or pipe"):
        DirSource(root, Limits())


def test_tar_members_stream_in_one_pass(tmp_path):
    src = TarSource(DATA / "mastodon" / "archive.tar.gz", Limits())
    names = [m.name for m, fh in src.stream(lambda m: m.name.endswith(".json"))]
    assert names == ["actor.json", "outbox.json", "likes.json", "bookmarks.json"]
    with src.open("actor.json") as fh:
        assert b"lakeview_science" in fh.read()


@pytest.mark.parametrize("path, kind", [
    (DATA / "x_archive.zip", "zip"), (DATA / "mastodon" / "archive.tar.gz", "gzip"),
    (DATA / "bluesky_repo.car", "car"), (DATA / "mastodon" / "following_accounts.csv", "csv"),
    (DATA, "folder"), (BAD / "not_an_export.txt", "csv"),
])
def test_sniff_reads_content_not_names(path, kind):
    assert sniff(path) == kind


@pytest.mark.parametrize("platform, path, expected", [
    ("x", DATA / "mastodon" / "archive.tar.gz", "is a gzip (.tar.gz) archive; expected an X archive"),
    ("x", BAD / "not_x.zip", "expected an X archive"),
    ("mastodon", DATA / "x_archive.zip", "is a zip archive; expected a Mastodon archive"),
    ("mastodon", BAD / "not_an_export.txt", "expected a Mastodon following_accounts.csv"),
    ("bluesky", DATA / "x_archive.zip", "is a zip archive; expected a Bluesky repository export"),
    ("instagram", DATA / "bluesky_repo.car", "is a CAR repository file; expected an Instagram"),
    ("instagram", DATA / "x_archive.zip", "expected an Instagram"),
    ("facebook", DATA / "instagram.zip", "looks like an Instagram export; expected a Facebook"),
    ("instagram", DATA / "facebook.zip", "looks like a Facebook export; expected an Instagram"),
    ("youtube", DATA / "x_archive.zip", "no importer for platform 'youtube'"),
])
def test_wrong_format_names_the_file_and_what_was_expected(platform, path, expected):
    with pytest.raises(ExportError) as err:
        open_export(platform, path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ExportError, match="no such file"):
        open_export("x", tmp_path / "nope.zip")


def test_tar_with_an_irregular_member_type_is_refused(tmp_path):
    path = tmp_path / "fifo.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        fifo = tarfile.TarInfo("outbox.json")
        fifo.type = tarfile.FIFOTYPE
        tar.addfile(fifo)
    with pytest.raises(ExportError, match="device or pipe"):
        TarSource(path, Limits())


def test_a_corrupt_tweets_js_is_refused_before_any_page(tmp_path):
    """The CRC of a zip member is checked at its end: the importer reads the data files through
    once when it opens the archive, so nothing is handed to the store from a damaged one."""
    from connectors.exports import writers as w
    from datetime import datetime, timezone
    path = tmp_path / "crc.zip"
    t0 = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("data/account.js", 'window.YTD.account.part0 = [{"account": {"username": "a"}}]')
        body = ",".join(json.dumps({"tweet": w.x_tweet(i, f"post {i}", t0)}) for i in range(50))
        zf.writestr("data/tweets.js", f"window.YTD.tweets.part0 = [{body}]")
    raw = bytearray(path.read_bytes())
    at = raw.rfind(b"post 4")
    raw[at] = ord("X")
    path.write_bytes(bytes(raw))
    with pytest.raises(ExportError, match="data/tweets.js: damaged or truncated"):
        open_export("x", path)


def test_deeply_nested_json_is_refused():
    from connectors.exports.json_stream import iter_array
    with pytest.raises(ExportError, match="nested too deeply"):
        list(iter_array(io.BytesIO(b"[" + b"[" * 100_000 + b"]" * 100_000 + b"]"), "f"))
