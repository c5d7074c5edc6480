"""The media fetcher's fences: https only, the platform's hosts, size, type, decode, bombs, redirects."""

from __future__ import annotations

import io

import pytest
import requests
import responses
from PIL import Image
from skimage import data

import auditor.images as images
from connectors.media import allowed_hosts, attach_media, host_allowed


def _jpeg(array=None, size=(64, 48)) -> bytes:
    img = Image.fromarray(data.coffee() if array is None else array).resize(size)
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


def _post(url: str, platform: str = "x", **extra) -> dict:
    return {"type": "post", "platform": platform, "account": "ClassAcct", "id": "1", "kind": "original",
            "text": "look", "media": [{"type": "image", "url": url, "alt": ""}], **extra}


@responses.activate
def test_fetches_allowed_image_and_sets_path(tmp_path):
    url = "https://pbs.twimg.com/media/abc.jpg"
    responses.get(url, body=_jpeg(), content_type="image/jpeg")
    item = _post(url)
    [result] = attach_media(item, tmp_path)
    assert result.error is None
    path = item["media"][0]["path"]
    assert path.startswith(str(tmp_path)) and path.endswith(".jpg")
    assert Image.open(path).size == (64, 48)


@responses.activate
def test_second_run_reuses_the_download(tmp_path):
    url = "https://pbs.twimg.com/media/abc.jpg"
    responses.get(url, body=_jpeg(), content_type="image/jpeg")
    attach_media(_post(url), tmp_path)
    item = _post(url)
    attach_media(item, tmp_path)
    assert len(responses.calls) == 1 and item["media"][0]["path"]


@pytest.mark.parametrize("url,reason", [
    ("http://pbs.twimg.com/media/abc.jpg", "not https"),
    ("https://evil.example/abc.jpg", "not one of the platform's media hosts"),
    ("https://pbs.twimg.com.evil.example/abc.jpg", "not one of the platform's media hosts"),
    ("https://user:pw@pbs.twimg.com/abc.jpg", "credentials"),
])
@responses.activate
def test_refuses_urls_outside_the_fence_without_a_request(tmp_path, url, reason):
    item = _post(url)
    [result] = attach_media(item, tmp_path)
    assert reason in result.error and "path" not in item["media"][0]
    assert item["media"][0]["fetch_error"] == result.error
    assert len(responses.calls) == 0


@responses.activate
def test_refuses_declared_oversize_and_actual_oversize(tmp_path):
    big = "https://pbs.twimg.com/media/big.jpg"
    responses.get(big, body=b"x" * 10, content_type="image/jpeg", headers={"Content-Length": "999999"},
                  auto_calculate_content_length=False)
    liar = "https://pbs.twimg.com/media/liar.jpg"
    responses.get(liar, body=_jpeg(size=(400, 300)), content_type="image/jpeg")
    [r1] = attach_media(_post(big), tmp_path, max_bytes=1000)
    [r2] = attach_media(_post(liar), tmp_path, max_bytes=1000)
    assert "cap" in r1.error and "cap" in r2.error
    assert not list(tmp_path.glob("*")), "nothing half-written is left behind"


@pytest.mark.parametrize("ctype,body,reason", [
    ("text/html", b"<html>login</html>", "not a raster image"),
    ("image/svg+xml", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a raster image"),
    ("image/jpeg", b"<html>not really</html>", "not a decodable image"),
])
@responses.activate
def test_refuses_what_is_not_an_image(tmp_path, ctype, body, reason):
    url = "https://pbs.twimg.com/media/x.jpg"
    responses.get(url, body=body, content_type=ctype)
    [result] = attach_media(_post(url), tmp_path)
    assert reason in result.error


@responses.activate
def test_refuses_truncated_jpeg(tmp_path):
    url = "https://pbs.twimg.com/media/cut.jpg"
    responses.get(url, body=_jpeg(size=(200, 150))[:600], content_type="image/jpeg")
    [result] = attach_media(_post(url), tmp_path)
    assert "not a decodable image" in result.error


@responses.activate
def test_decompression_bomb_is_refused(tmp_path, monkeypatch):
    # A small file that declares more pixels than allowed: refused before decoding.
    monkeypatch.setattr(images, "MAX_PIXELS", 10_000)
    buf = io.BytesIO()
    Image.new("L", (400, 400)).save(buf, "PNG")
    url = "https://pbs.twimg.com/media/bomb.png"
    responses.get(url, body=buf.getvalue(), content_type="image/png")
    [result] = attach_media(_post(url), tmp_path)
    assert result.error and "pixels" in result.error


@responses.activate
def test_redirect_only_to_allowed_https_hosts(tmp_path):
    ok = "https://pbs.twimg.com/media/moved.jpg"
    responses.get("https://pbs.twimg.com/media/a.jpg", status=302, headers={"Location": ok})
    responses.get(ok, body=_jpeg(), content_type="image/jpeg")
    responses.get("https://pbs.twimg.com/media/b.jpg", status=302,
                  headers={"Location": "https://evil.example/b.jpg"})
    [good] = attach_media(_post("https://pbs.twimg.com/media/a.jpg"), tmp_path)
    [bad] = attach_media(_post("https://pbs.twimg.com/media/b.jpg"), tmp_path)
    assert good.path and good.error is None
    assert "evil.example" in bad.error


@responses.activate
def test_network_error_and_http_error_are_reported_not_raised(tmp_path):
    url = "https://pbs.twimg.com/media/down.jpg"
    responses.get(url, body=requests.ConnectionError("reset"))
    gone = "https://pbs.twimg.com/media/gone.jpg"
    responses.get(gone, status=404)
    [r1] = attach_media(_post(url), tmp_path)
    [r2] = attach_media(_post(gone), tmp_path)
    assert "ConnectionError" in r1.error and r2.error == "HTTP 404"


@responses.activate
def test_quoted_and_liked_media_are_fetched_too(tmp_path):
    url = "https://cdn.bsky.app/img/feed_fullsize/plain/did:plc:x/bafy@jpeg"
    responses.get(url, body=_jpeg(), content_type="image/jpeg")
    like = {"type": "like", "platform": "bluesky", "account": "a.bsky.social", "id": "l1",
            "post": {"text": "hi", "media": [{"type": "image", "url": url}]}}
    [result] = attach_media(like, tmp_path)
    assert result.field == "post.media[0]" and like["post"]["media"][0]["path"]


def test_allowed_hosts_per_platform():
    assert host_allowed("files.mastodon.social",
                        allowed_hosts({"platform": "mastodon", "account": "teacher@mastodon.social"}))
    assert host_allowed("blog.example.org", allowed_hosts({"platform": "blog", "url": "https://blog.example.org/p/1"}))
    assert not host_allowed("cdn.example.net", allowed_hosts({"platform": "blog", "url": "https://blog.example.org/"}))
    assert host_allowed("cdn.example.net", allowed_hosts({"platform": "blog"}, extra=["example.net"]))
    assert not host_allowed("notpbs.twimg.com.example", allowed_hosts({"platform": "x"}))


def test_existing_local_path_is_left_alone(tmp_path):
    local = tmp_path / "photo.jpg"
    local.write_bytes(_jpeg())
    item = _post("https://pbs.twimg.com/media/abc.jpg")
    item["media"][0]["path"] = str(local)
    with responses.RequestsMock() as rsps:  # any request would fail: none is registered
        [result] = attach_media(item, tmp_path / "cache")
        assert len(rsps.calls) == 0
    assert result.path == str(local)
