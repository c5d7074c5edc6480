"""Instagram professional accounts through the Graph API: captions, photos, videos, carousels.

Only business and creator accounts are readable, and only their own media and profile: Instagram
exposes neither whom an account follows nor what it liked, nor a post's location. What it does
expose is what a student's name or face would be in: captions and the media files.

The first call asks for the profile and the first page of media at once (field expansion), so a
night with nothing new costs one call. Media come newest first; the pass stops at the first item
older than the last complete pass (see `connectors.newest_first`), and Graph's paging cursors are
used only within a pass, never stored (they expire).

The account is found by its Instagram user id (the registry's platform user id, or a numeric
handle); with a Facebook-login token and only a username, the pages the token manages are asked
once for their linked Instagram account of that username and the id is kept in the cursor.
With an Instagram-login token (`base_url` on graph.instagram.com) the account is simply `me`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from connectors.base import AccountRef, Coverage, NotFound, Page
from connectors.graph import GraphConnector, GraphSession, read_newest_first
from connectors.newest_first import NewestFirstPass, iso_utc

PLATFORM = "instagram"
MEDIA_FIELDS = "id,caption,media_type,media_url,thumbnail_url,permalink,timestamp,children{id,media_type,media_url}"
PROFILE_FIELDS = "id,username,name,biography,website"


class InstagramConnector(GraphConnector):
    platform = PLATFORM

    def fetch(self, account: AccountRef, cursor: dict[str, Any] | None) -> Iterator[Page]:
        graph = self.graph_session(account)
        walk = NewestFirstPass(cursor)
        user_id = self.user_id(graph, account, walk.base.get("ig_user_id"))
        base = {"ig_user_id": user_id} if user_id != "me" else {}

        first = graph.get(user_id, {"fields": f"{PROFILE_FIELDS},media.limit({self.page_size}){{{MEDIA_FIELDS}}}"},
                          endpoint="user")
        profile = profile_item(account.handle, first)
        listing = first.get("media") or {}
        pending: list[dict] = [profile]
        coverage = Coverage(item_ids={profile["id"]}, complete_types={"profile"})
        yield from read_newest_first(
            PLATFORM, graph, walk, listing, time_field="timestamp",
            to_item=lambda raw: media_post(account.handle, raw),
            next_listing=lambda after: graph.get(f"{user_id}/media",
                                                 {"fields": MEDIA_FIELDS, "limit": self.page_size, "after": after},
                                                 endpoint="media"),
            pending=pending, coverage=coverage, base=base)

    def user_id(self, graph: GraphSession, account: AccountRef, known: str | None) -> str:
        if account.platform_user_id:
            return str(account.platform_user_id)
        handle = account.handle.lstrip("@").strip()
        if handle.isdigit():
            return handle
        if known:
            return known
        if (urlsplit(self.base_url).hostname or "").endswith("graph.instagram.com"):
            return "me"
        pages = graph.get("me/accounts", {"fields": "instagram_business_account{id,username}", "limit": 100},
                          endpoint="accounts")
        for page in pages.get("data") or []:
            linked = page.get("instagram_business_account") or {}
            if str(linked.get("username", "")).lower() == handle.lower() and linked.get("id"):
                return str(linked["id"])
        raise NotFound(f"instagram: no professional account @{handle} is linked to a Page this token manages; "
                       "register its Instagram user id")


def profile_item(handle: str, user: dict) -> dict:
    username = user.get("username") or handle.lstrip("@")
    website = user.get("website") or ""
    return {
        "type": "profile",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:profile:{user.get('id') or username}",
        "name": user.get("name") or "",
        "bio": user.get("biography") or "",
        "url": f"https://www.instagram.com/{username}/",
        "links": [website] if website else [],
    }


def media_post(handle: str, media: dict) -> dict:
    """A post; a carousel's children are its media. Instagram exposes no location, so `place`
    is left out (unknown) rather than set to null (none)."""
    kind = media.get("media_type")
    files: list[dict] = []
    if kind == "CAROUSEL_ALBUM":
        for child in (media.get("children") or {}).get("data") or []:
            files.extend(_media_entry(child))
        if not files:
            files.extend(_media_entry(media))
    else:
        files.extend(_media_entry(media))
    post = {
        "type": "post",
        "platform": PLATFORM,
        "account": handle,
        "id": f"{PLATFORM}:{media['id']}",
        "created_at": iso_utc(media.get("timestamp")),
        "url": media.get("permalink") or "",
        "kind": "original",
        "text": media.get("caption") or "",
        "media": files,
        "visibility": "public",
    }
    return post


def _media_entry(media: dict) -> list[dict]:
    url = media.get("media_url")
    if not url:  # media flagged for copyright, or withheld: nothing to fetch
        return []
    kind = "video" if media.get("media_type") == "VIDEO" else "image"
    # The Graph API gives no alt text for published media: `alt` is left out (unknown), not "".
    entries = [{"type": kind, "url": url}]
    if kind == "video" and media.get("thumbnail_url"):
        entries.append({"type": "image", "url": media["thumbnail_url"]})
    return entries
