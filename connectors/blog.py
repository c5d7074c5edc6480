"""Blogs (RSS/Atom): a classroom or library blog read from its feed.

A feed is one document holding the newest N entries, so one conditional GET per night is the whole
scan: the ETag/Last-Modified of the last read go back to the server and a 304 costs one call and
yields nothing. A 200 is parsed with feedparser from the bytes `requests` fetched (so retries,
pacing and the test mocks apply to it) and only entries that are new or edited since the last read
become items; the cursor remembers a short digest per entry still in the feed, which keeps it as
small as the feed and lets an edited post be judged again.

Blogs are where photos keep their EXIF, so every image in the entry HTML (with its alt text),
image and video enclosures, and Media RSS content become `media` for the media fetcher and the
location checker. GeoRSS points become the post's `place`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from bs4 import BeautifulSoup

from connectors.base import AccountRef, Connector, ConnectorError, Coverage, Page, TransientError
from connectors.http import ApiClient, shared_pacer

log = logging.getLogger(__name__)

PLATFORM = "blog"
DEFAULT_FEED_PATH = "/feed/"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".tif", ".tiff")


class BlogConnector(Connector):
    """Reads one feed per account; the account's handle is the feed URL (or the blog's host)."""

    platform = PLATFORM

    def __init__(self, options: dict | None = None, *, client_factory=None, pacer=None):
        self.options = dict(options or {})
        max_wait = self.options.get("max_wait")
        self.pacer = pacer or shared_pacer(PLATFORM, None if max_wait is None else float(max_wait))
        self.client_factory = client_factory or ApiClient

    def feed_url(self, account: AccountRef) -> str:
        """The feed's address: the registered URL, or the blog host's usual feed path."""
        ref = (account.platform_user_id or account.handle or "").strip()
        if not ref:
            raise ConnectorError("blog account has no feed URL")
        if "://" not in ref:
            base = self.options.get("base_url") or ""
            ref = urljoin(base, ref) if base else f"https://{ref.strip('/')}{DEFAULT_FEED_PATH}"
        return ref

    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        url = self.feed_url(account)
        cursor = dict(cursor or {})
        client = self.client_factory(PLATFORM, url, credential_key=account.credential or "", pacer=self.pacer)
        headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"}
        # Conditional GET only when the previous read was stored: a cursor from an older read still
        # holds the entry digests that decide what is new.
        if cursor.get("etag"):
            headers["If-None-Match"] = cursor["etag"]
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = cursor["last_modified"]
        response = client.request("GET", url, headers=headers, endpoint="feed")
        if response.status_code == 304:
            yield Page([], cursor or None, Coverage(), api_calls=1)
            return
        parsed = feedparser.parse(response.content, response_headers={"content-location": response.url or url})
        if parsed.bozo and not well_formed(parsed) and not parsed.entries:
            # An HTML error page, a captive portal, a cut-off document: not data, try again later.
            raise TransientError(f"blog: {url} did not return a readable RSS/Atom feed "
                                 f"({type(parsed.get('bozo_exception')).__name__})")
        seen: dict[str, str] = dict(cursor.get("entries") or {})
        items: list[dict] = []
        coverage = Coverage(complete_types={"profile"})
        now_in_feed: dict[str, str] = {}
        profile = profile_item(account.handle, url, parsed.feed)
        items.append(profile)
        coverage.item_ids.add(profile["id"])
        for entry in parsed.entries:
            post = entry_to_post(account.handle, url, entry)
            if post is None:
                continue
            digest = post_digest(post)
            now_in_feed[post["id"]] = digest
            if seen.get(post["id"]) == digest:
                continue
            items.append(post)
            coverage.item_ids.add(post["id"])
        if parsed.bozo and not well_formed(parsed):
            # The loose parser recovered what it could from a document that is not well-formed
            # XML. Keep what it read, but neither the validators (so the next night fetches the
            # whole feed again) nor forget the digests of entries it may have missed.
            log.warning("blog %s: feed is not well-formed XML (%s); read what could be parsed",
                        url, type(parsed.get("bozo_exception")).__name__)
            yield Page(items, {"entries": {**seen, **now_in_feed}}, coverage, api_calls=1)
            return
        new_cursor: dict[str, Any] = {"entries": now_in_feed}
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if etag:
            new_cursor["etag"] = etag
        if last_modified:
            new_cursor["last_modified"] = last_modified
        yield Page(items, new_cursor, coverage, api_calls=1)


def well_formed(parsed: Any) -> bool:
    """feedparser sets `bozo` for harmless things too (a charset the server misdeclared)."""
    exc = parsed.get("bozo_exception")
    return isinstance(exc, (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType))


def profile_item(handle: str, feed_url: str, feed: Any) -> dict:
    link = feed.get("link") or feed_url
    return {
        "type": "profile",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:profile:{feed_url}",
        "name": html_to_text(feed.get("title") or ""),
        "bio": html_to_text(feed.get("subtitle") or ""),
        "url": link,
        "links": [link] if link else [],
    }


def entry_to_post(handle: str, feed_url: str, entry: Any) -> dict | None:
    """One feed entry as a post; None for an entry with neither id nor link (it cannot be tracked)."""
    link = entry.get("link") or ""
    key = entry.get("id") or link
    if not key:
        return None
    base = link or feed_url
    html = entry_html(entry)
    title = html_to_text(entry.get("title") or "")
    body = html_to_text(html)
    text = "\n\n".join(part for part in (title, body) if part)
    post = {
        "type": "post",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:{key}",
        "created_at": entry_time(entry),
        "url": link,
        "kind": "original",
        "text": text,
        "media": entry_media(entry, html, base),
        "place": entry_place(entry),
        "visibility": "public",
    }
    author = entry.get("author")
    if author:
        post["author"] = {"name": author}
    return post


def entry_html(entry: Any) -> str:
    """The fullest HTML the entry carries: content:encoded / Atom content, else the summary."""
    for content in entry.get("content") or []:
        if content.get("value"):
            return content["value"]
    return entry.get("summary") or ""


def entry_time(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime(*parsed[:6], tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def entry_place(entry: Any) -> dict | None:
    where = entry.get("where")
    if not where or where.get("type") != "Point":
        return None
    lon, lat = where["coordinates"][:2]  # GeoJSON order
    place: dict[str, Any] = {"name": entry.get("georss_featurename") or None, "lat": float(lat), "lon": float(lon)}
    return place


def entry_media(entry: Any, html: str, base: str) -> list[dict]:
    """Images in the HTML (with alt), then enclosures and Media RSS, each URL once."""
    media: list[dict] = []
    by_url: dict[str, dict] = {}

    def add(kind: str, url: str, alt: str = "") -> None:
        if not url or url.startswith("data:"):
            return
        url = urljoin(base, url)
        if urlsplit(url).scheme not in ("http", "https"):
            return
        if url in by_url:
            if alt and not by_url[url]["alt"]:
                by_url[url]["alt"] = alt
            return
        entry_ = {"type": kind, "url": url, "alt": alt}
        by_url[url] = entry_
        media.append(entry_)

    if html:
        for img in BeautifulSoup(html, "html.parser").find_all("img"):
            add("image", img.get("src") or "", (img.get("alt") or "").strip())
    for enclosure in entry.get("enclosures") or []:
        kind = media_kind(enclosure.get("type"), enclosure.get("href"))
        if kind:
            add(kind, enclosure.get("href") or "")
    for content in entry.get("media_content") or []:
        kind = media_kind(content.get("type") or content.get("medium"), content.get("url"))
        if kind:
            add(kind, content.get("url") or "")
    return media


def media_kind(mime_or_medium: str | None, url: str | None) -> str | None:
    value = (mime_or_medium or "").lower()
    if value.startswith("image") or value == "image":
        return "gif" if value.endswith("/gif") else "image"
    if value.startswith("video") or value == "video":
        return "video"
    if not value and url and urlsplit(url).path.lower().endswith(IMAGE_SUFFIXES):
        return "image"
    return None


BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure",
              "figcaption", "tr", "pre", "section", "article")


def html_to_text(html: str) -> str:
    """Readable text: block elements become line breaks so names across paragraphs do not fuse."""
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return " ".join(html.split())
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    lines = (" ".join(line.split()) for line in soup.get_text().splitlines())
    return "\n".join(line for line in lines if line)


def post_digest(post: dict) -> str:
    """Short digest of what a checker reads; a changed digest means the post was edited."""
    h = hashlib.sha256()
    h.update((post.get("text") or "").encode())
    for m in post.get("media") or []:
        h.update(b"\0" + m["url"].encode() + b"\0" + (m.get("alt") or "").encode())
    place = post.get("place")
    if place:
        h.update(f"\0{place.get('lat')},{place.get('lon')}".encode())
    return h.hexdigest()[:16]
