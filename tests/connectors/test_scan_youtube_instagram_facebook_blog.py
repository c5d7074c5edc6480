"""`auditor scan` end to end for YouTube, Instagram, Facebook Pages and blogs: the connectors are
found through their entry points, take their endpoint from `[platforms.<name>] base_url` and
their token from the registry's `env:` reference, and talk HTTP to a loopback server that answers
with the recorded API shapes."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner

from auditor.cli import main
from tests.connectors.connector_harness import DATA


class Api(BaseHTTPRequestHandler):
    """Serves the fixtures by path; records every request (path, query, auth headers)."""

    seen: list[tuple[str, dict, dict]] = []

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):  # noqa: N802
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        Api.seen.append((parts.path, query, {k: v for k, v in self.headers.items()
                                             if k.lower() in ("authorization", "x-goog-api-key")}))
        route = ROUTES.get(parts.path)
        if parts.path == "/feed.xml":
            return self.reply((DATA / "blog" / "room12_rss.xml").read_bytes(), "application/rss+xml")
        if parts.path == "/yt/playlistItems" and "pageToken" in query:
            route = "youtube/playlist_items_page2.json"
        if parts.path == "/yt/videos":
            route = "youtube/videos_page1.json" if "vid0000003" in query["id"][0] else "youtube/videos_page2.json"
        if parts.path.endswith("/media") and "after" in query:
            route = "instagram/media_page2.json"
        if parts.path.endswith("/published_posts") and "after" in query:
            route = "facebook/posts_page2.json"
        if route is None:
            return self.reply(b'{"error": {"code": 404, "message": "no route"}}', "application/json", 404)
        return self.reply((DATA / route).read_bytes(), "application/json")

    def reply(self, body: bytes, content_type: str, status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ROUTES = {
    "/yt/channels": "youtube/channels_list.json",
    "/yt/playlistItems": "youtube/playlist_items_page1.json",
    "/yt/subscriptions": "youtube/subscriptions_list.json",
    "/ig/v21.0/me/accounts": "instagram/me_accounts.json",
    "/ig/v21.0/17841405309211844": "instagram/user_with_media.json",
    "/fb/v21.0/OakvilleTrafalgarHS": "facebook/page_with_posts.json",
    "/fb/v21.0/104830000000042": "facebook/page_with_posts.json",
}


@pytest.fixture
def server():
    Api.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def write_board(d: Path, base: str) -> None:
    (d / "schools.csv").write_text("code,name,principal_email,aliases\n"
                                   "OTHS,Oakville Trafalgar High School,principal@board.example.ca,OTHS\n")
    (d / "accounts.csv").write_text(
        "platform,handle,kind,school,owner_name,owner_email,approved_by,credential\n"
        "youtube,@othsmusic,department,OTHS,Ana Music,ana@board.example.ca,principal@board.example.ca,env:T_YT\n"
        "instagram,oths_athletics,department,OTHS,Ben Coach,ben@board.example.ca,principal@board.example.ca,env:T_IG\n"
        "facebook,OakvilleTrafalgarHS,school,OTHS,Cy Office,cy@board.example.ca,principal@board.example.ca,env:T_FB\n"
        f"blog,{base}/feed.xml,classroom,OTHS,Dee Teacher,dee@board.example.ca,,\n")
    (d / "roster.csv").write_text("student_id,first_name,last_name,preferred_name,school,grade,media_consent,"
                                  "safety_flag,handles\nS1,Maya,Lindqvist,,OTHS,11,no,no,\n")


def test_auditor_scan_reads_all_four_platforms_from_configured_endpoints(server, tmp_path, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    cfg = tmp_path / "auditor.toml"
    cfg.write_text(cfg.read_text() + f"""
[platforms.youtube]
base_url = "{server}/yt"
quota_units_per_day = 100

[platforms.instagram]
base_url = "{server}/ig/v21.0"

[platforms.facebook]
base_url = "{server}/fb/v21.0"
""")
    board = tmp_path / "board"
    board.mkdir()
    write_board(board, server)
    monkeypatch.setenv("T_YT", "AIza-yt-key")
    monkeypatch.setenv("T_IG", "EAAB-ig-token")
    monkeypatch.setenv("T_FB", "EAAG-fb-token")
    result = runner.invoke(main, ["--config", str(cfg), "registry", "import", str(board)])
    assert result.exit_code == 0, result.output

    result = runner.invoke(main, ["--config", str(cfg), "scan"])
    assert result.exit_code == 0, result.output
    # 3 videos + 2 subscriptions + channel, 3 media + profile, 3 posts + page, 2 entries + blog profile
    assert "4/4 accounts ok, 17 new items" in result.output, result.output
    first_calls = len(Api.seen)
    assert first_calls == 6 + 3 + 2 + 1

    # Tokens went in headers, never in a URL, each to its own platform.
    by_prefix = {"/yt": ("x-goog-api-key", "AIza-yt-key"), "/ig": ("authorization", "Bearer EAAB-ig-token"),
                 "/fb": ("authorization", "Bearer EAAG-fb-token")}
    for path, query, headers in Api.seen:
        flat = json.dumps(query)
        assert "EAAB" not in flat and "EAAG" not in flat and "AIza" not in flat
        for prefix, (name, value) in by_prefix.items():
            if path.startswith(prefix):
                assert {k.lower(): v for k, v in headers.items()}[name] == value

    # The second night has nothing new: YouTube 3 units, Instagram 1 call, Facebook 1, blog 1.
    result = runner.invoke(main, ["--config", str(cfg), "scan"])
    assert result.exit_code == 0, result.output
    assert "4/4 accounts ok, 0 new items" in result.output, result.output
    assert len(Api.seen) - first_calls == 3 + 1 + 1 + 1
