"""Facebook Pages through the Graph API: published posts, their photos and videos, and check-ins.

A school's Page is where a "tagged at" place or an album of a class trip ends up, so each post's
`place` becomes the item's geotag and every photo of an attachment (an album's subattachments
included) becomes media, with the attachment's description added to the post's text.

One call reads the Page's profile and its first page of posts (field expansion); posts come newest
first and a pass stops at the first post older than the last complete pass (see
`connectors.newest_first`). Graph's `since` is not used: with it Graph switches to time-based
paging without `after` cursors, and a busy Page could then lose posts between pages.
The account is the Page id or its username (`platform_user_id` wins); the token is a Page access
token (or a user token of a Page admin) with `pages_read_engagement`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import AccountRef, Coverage, Page
from connectors.graph import GraphConnector, read_newest_first
from connectors.newest_first import NewestFirstPass, iso_utc

PLATFORM = "facebook"
POST_FIELDS = ("id,message,created_time,permalink_url,place,"
               "attachments{media_type,media,description,url,subattachments}")
PAGE_FIELDS = "id,name,about,description,link,website"


class FacebookConnector(GraphConnector):
    platform = PLATFORM

    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        graph = self.graph_session(account)
        walk = NewestFirstPass(cursor)
        page_ref = str(account.platform_user_id or walk.base.get("page_id") or account.handle.lstrip("@"))

        first = graph.get(page_ref, {"fields": f"{PAGE_FIELDS},published_posts.limit({self.page_size}){{{POST_FIELDS}}}"},
                          endpoint="page")
        page_id = str(first.get("id") or page_ref)
        base = {"page_id": page_id}
        profile = page_profile(account.handle, first)
        listing = first.get("published_posts") or {}
        pending: list[dict] = [profile]
        coverage = Coverage(item_ids={profile["id"]}, complete_types={"profile"})
        yield from read_newest_first(
            PLATFORM, graph, walk, listing, time_field="created_time",
            to_item=lambda raw: page_post(account.handle, raw),
            next_listing=lambda after: graph.get(f"{page_id}/published_posts",
                                                 {"fields": POST_FIELDS, "limit": self.page_size, "after": after},
                                                 endpoint="posts"),
            pending=pending, coverage=coverage, base=base)


def page_profile(handle: str, page: dict) -> dict:
    about = page.get("about") or ""
    description = page.get("description") or ""
    bio = "\n".join(dict.fromkeys(p for p in (about, description) if p))
    links = [u for u in (page.get("website"),) if u]
    return {
        "type": "profile",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:page:{page.get('id') or handle}",
        "name": page.get("name") or "",
        "bio": bio,
        "url": page.get("link") or f"https://www.facebook.com/{page.get('id') or handle}",
        "links": links,
    }


def page_post(handle: str, raw: dict) -> dict:
    message = raw.get("message") or ""
    texts = [message] if message else []
    media: list[dict] = []
    for attachment in (raw.get("attachments") or {}).get("data") or []:
        _collect(attachment, texts, media)
    return {
        "type": "post",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:{raw['id']}",
        "created_at": iso_utc(raw.get("created_time")),
        "url": raw.get("permalink_url") or "",
        "kind": "original",
        "text": "\n\n".join(texts),
        "media": media,
        "place": post_place(raw.get("place")),
        "visibility": "public",
    }


def _collect(attachment: dict, texts: list[str], media: list[dict]) -> None:
    """An attachment's description and files, then its subattachments' (an album's photos).
    Graph gives no alt text for Page photos, so `alt` is left out (unknown)."""
    description = (attachment.get("description") or "").strip()
    if description and description not in texts:
        texts.append(description)
    files = attachment.get("media") or {}
    kind = (attachment.get("media_type") or attachment.get("type") or "").lower()
    seen = {m["url"] for m in media}
    if files.get("source") and files["source"] not in seen:
        media.append({"type": "video", "url": files["source"]})
    image = (files.get("image") or {}).get("src")
    if image and image not in seen and kind != "album":  # an album's cover repeats its first photo
        media.append({"type": "gif" if kind == "animated_image_share" else "image", "url": image})
    for sub in (attachment.get("subattachments") or {}).get("data") or []:
        _collect(sub, texts, media)


def post_place(place: dict | None) -> dict | None:
    if not place:
        return None
    location = place.get("location") or {}
    lat, lon = location.get("latitude"), location.get("longitude")
    return {"name": place.get("name") or None,
            "lat": float(lat) if lat is not None else None,
            "lon": float(lon) if lon is not None else None}
