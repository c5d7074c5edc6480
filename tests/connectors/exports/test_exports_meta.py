"""Instagram and Facebook exports: files found across layouts, mis-encoded text repaired, photos by path."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from auditor.images import analyse
from connectors.exports import ExportError, open_export
from connectors.exports import writers as w
from connectors.exports.text import repair_mojibake
from tests.connectors.exports.conftest import DATA, by_id, run


@pytest.mark.parametrize("text", ["Été à Montréal", "☀️", "plain ascii", "🤖 Zoë’s «atelier»"])
def test_repair_mojibake(text):
    broken = text.encode("utf-8").decode("latin-1")  # what Meta writes
    assert repair_mojibake(broken) == text


@pytest.mark.parametrize("text", ["déjà correct", "naïve café", "Ã© stays when it is not UTF-8 bytes: Ã"])
def test_proper_text_is_left_alone(text):
    assert repair_mojibake(text) == text


def test_the_fixture_really_is_mis_encoded():
    with zipfile.ZipFile(DATA / "instagram.zip") as zf:
        raw = zf.read("your_instagram_activity/media/posts_1.json").decode()
    assert "\\u00c3\\u0089t\\u00c3\\u00a9" in raw  # "Été" as Meta writes it


def test_instagram_posts_with_repaired_text_and_photo_paths(cache):
    items = by_id(run("instagram", DATA / "instagram.zip", "lakeview_art", cache)[1])
    post = items["instagram:media/posts/202406/17900001.jpg"]
    assert post["text"] == "Été à Montréal ☀️ with the art club"
    assert post["created_at"] == "2024-06-03T16:00:00Z"
    path = Path(post["media"][0]["path"])
    assert path.is_file() and path.is_relative_to(cache)
    assert analyse(path).gps[0] == pytest.approx(43.4675, abs=1e-3)
    assert post["place"]["lat"] == pytest.approx(43.4675)  # the export's own copy of the EXIF
    carousel = items["instagram:media/posts/202406/17900002.jpg"]
    assert [m["type"] for m in carousel["media"]] == ["image", "video"]
    assert "path" in carousel["media"][0] and "path" not in carousel["media"][1]


def test_instagram_profile_follows_and_likes(cache):
    _, pages = run("instagram", DATA / "instagram.zip", "lakeview_art", cache)
    items = by_id(pages)
    prof = items["instagram:profile:lakeview_art"]
    assert (prof["name"], prof["bio"]) == ("Lakeview Art Club", "Arts visuels — école Lakeview")
    assert items["instagram:follow:zoé.artiste"]["target"]["handle"] == "zoé.artiste"
    like = items["instagram:like:https://www.instagram.com/p/C1abc/"]
    assert like["post"]["author"]["handle"] == "museum_of_art"
    assert pages[-1].coverage.complete_types == {"post", "like", "follow", "profile"}


def test_instagram_older_layout_and_newer_following_shape(cache, tmp_path):
    """2022 exports: content/posts_1.json, a top-level array; 2025: handle in `title`, no `value`."""
    path = w.write_meta_zip(tmp_path / "old.zip", {
        "content/posts_1.json": [w.instagram_post("Rentrée", 1660000000, ["media/posts/202208/a.jpg"])],
        "followers_and_following/following.json": {"relationships_following": [
            {"title": "new_style", "string_list_data": [{"href": "https://www.instagram.com/_u/new_style",
                                                         "timestamp": 1}]}]},
    }, {"media/posts/202208/a.jpg": w.jpeg()})
    _, pages = run("instagram", path, "whoever", cache)
    items = by_id(pages)
    assert items["instagram:media/posts/202208/a.jpg"]["text"] == "Rentrée"
    assert items["instagram:follow:new_style"]["target"]["handle"] == "new_style"
    assert pages[-1].coverage.complete_types == {"post", "follow"}


def test_instagram_export_of_another_account_is_refused(cache):
    with pytest.raises(ExportError, match="belongs to @lakeview_art"):
        run("instagram", DATA / "instagram.zip", "other_account", cache)


def test_html_format_export_is_refused_with_advice(tmp_path):
    path = tmp_path / "html.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("your_instagram_activity/media/posts_1.html", "<html></html>")
    with pytest.raises(ExportError, match="HTML format.*choose the JSON format"):
        open_export("instagram", path)


def test_facebook_posts_places_photos_likes_follows(cache):
    _, pages = run("facebook", DATA / "facebook.zip", "lakeviewpc", cache)
    items = [i for p in pages for i in p.items]
    posts = [i for i in items if i["type"] == "post"]
    assert posts[0]["text"] == "Journée portes ouvertes — merci à tous!"
    bake = posts[1]
    assert bake["place"] == {"name": "Lakeview Secondary School", "lat": pytest.approx(43.4675),
                             "lon": pytest.approx(-79.6877)}
    assert bake["media"][0]["alt"] == "Table of cookies"
    assert analyse(bake["media"][0]["path"]).gps is not None
    like = next(i for i in items if i["type"] == "like")
    assert like["post"]["author"]["name"] == "Renée Roy"
    follow = next(i for i in items if i["type"] == "follow")
    assert follow["target"]["name"] == "Renée Roy"
    assert next(i for i in items if i["type"] == "profile")["bio"] == "Bénévoles"


def test_facebook_ids_are_stable_across_imports(cache, tmp_path):
    first = [i["id"] for p in run("facebook", DATA / "facebook.zip", "lakeviewpc", cache)[1] for i in p.items]
    second = [i["id"] for p in run("facebook", DATA / "facebook.zip", "lakeviewpc", tmp_path / "c2")[1]
              for i in p.items]
    assert first == second and len(set(first)) == len(first)


def test_damaged_json_names_the_member(cache, tmp_path):
    path = tmp_path / "cut.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("your_instagram_activity/media/posts_1.json", json.dumps([{"media": []}])[:-3])
    conn = open_export("instagram", path)
    from connectors.base import AccountRef
    with pytest.raises(ExportError, match="posts_1.json: damaged JSON"):
        list(conn.fetch(AccountRef("instagram", "a"), None))


def test_instagram_stories_and_reels_are_posts_too(cache, tmp_path):
    path = w.write_meta_zip(tmp_path / "stories.zip", {
        "your_instagram_activity/media/stories.json": {"ig_stories": [
            {"uri": "media/stories/202409/s1.jpg", "creation_timestamp": 1726000000, "title": "Première journée"}]},
        "your_instagram_activity/media/reels.json": {"ig_reels_media": [
            w.instagram_post("Reel du spectacle", 1726000100, ["media/reels/202409/r1.mp4"])]},
    }, {"media/stories/202409/s1.jpg": w.jpeg(*(43.5, -79.9))})
    items = by_id(run("instagram", path, "x", cache)[1])
    story = items["instagram:media/stories/202409/s1.jpg"]
    assert story["text"] == "Première journée"
    assert analyse(story["media"][0]["path"]).gps is not None
    assert items["instagram:media/reels/202409/r1.mp4"]["media"][0]["type"] == "video"
