"""Instagram and Facebook "Download your information" exports (JSON format, .zip).

Meta moves files between folders from one export version to the next (`content/posts_1.json`,
`your_instagram_activity/content/posts_1.json`, `your_instagram_activity/media/posts_1.json`...),
so files are found by name wherever they are. Every string is UTF-8 written as if each byte were
a latin-1 character ("Ã©" for "é") and is repaired on the way in. Photos inside the export keep
their metadata, so each one a post references is copied (size-bounded) to the cache and its path
put on the item for the EXIF GPS and face checks.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.base import AccountRef
from connectors.exports.importer import ExportConnector, ImportOptions, same_handle
from connectors.exports.json_stream import iter_array, iter_object
from connectors.exports.safe_archive import ExportError, ExportSource, open_source
from connectors.exports.text import from_epoch, repair_mojibake, repair_tree

IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic"}
VIDEO_EXT = {".mp4", ".mov", ".webm"}


class MetaExport(ExportConnector):
    """Shared reading; the two platforms differ only in file names and record shapes."""

    expected: str

    def __init__(self, path: Path, options: ImportOptions | None = None):
        super().__init__(path, options)
        self._ctx = open_source(self.path, self.options.limits, self.expected)
        self.source: ExportSource = self._ctx.__enter__()
        if not any(self._files(kind) for kind in ("posts", "likes", "following", "profile")):
            html = [n for n in self.source.members if n.endswith(".html")]
            other = self.other_platform()
            self.close()
            if html:
                raise ExportError(f"{self.path}: is an export in HTML format; expected {self.expected} "
                                  "(request the export again and choose the JSON format)")
            if other:
                raise ExportError(f"{self.path}: looks like {other} export; expected {self.expected}")
            raise ExportError(f"{self.path}: holds none of the expected files; expected {self.expected}")
        try:
            self.source.verify(n for k in ("posts", "likes", "following", "profile") for n in self._files(k))
        except ExportError:
            self.close()
            raise

    def other_platform(self) -> str:
        """'an Instagram' / 'a Facebook' when the export is the sibling platform's."""
        return ""

    def _files(self, kind: str) -> list[str]:
        raise NotImplementedError

    def digest(self) -> str:
        return self.source.digest()

    def complete_types(self) -> set[str]:
        names = {"posts": "post", "likes": "like", "following": "follow", "profile": "profile"}
        return {t for k, t in names.items() if self._files(k)}

    def _array(self, member: str, key: str | None = None) -> Iterator[Any]:
        """Elements of a file that is an array, or of the array under `key` (either shape)."""
        where = f"{self.path}:{member}"
        with self.source.open(member) as fh:
            head = fh.read(64)
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        with self.source.open(member) as fh:
            if first == b"[":
                for el in iter_array(fh, where):
                    yield repair_tree(el)
                return
            for k, value in iter_object(fh, where, lambda k: key is None or k == key):
                if (key is None or k == key) and not isinstance(value, (str, int, float, dict, type(None))):
                    for el in value:
                        yield repair_tree(el)
                elif (key is None or k == key) and isinstance(value, dict):
                    yield repair_tree(value)

    def _attach(self, uri: str) -> dict | None:
        if not uri:
            return None
        ext = posixpath.splitext(uri)[1].lower()
        kind = "video" if ext in VIDEO_EXT else "image"
        media: dict[str, Any] = {"type": kind, "url": uri}
        member = self.source.resolve(uri) if "://" not in uri else None
        if member and ext in IMAGE_EXT:
            try:
                media["path"] = str(self.source.extract(member, self.media_dir(self._digest),
                                                        self.options.limits.max_media_bytes))
            except ExportError as exc:
                self.warn(f"photo {member} not attached: {exc}")
        return media

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(None, None, None)
            self._ctx = None


def _exif_place(media: dict) -> dict | None:
    """Coordinates Meta copied out of the photo's EXIF into the export's metadata."""
    meta = media.get("media_metadata") or {}
    for sub in ("photo_metadata", "video_metadata"):
        for exif in (meta.get(sub) or {}).get("exif_data") or ():
            if isinstance(exif, dict) and exif.get("latitude") is not None and exif.get("longitude") is not None:
                try:
                    return {"name": "photo metadata", "lat": float(exif["latitude"]), "lon": float(exif["longitude"])}
                except (TypeError, ValueError):
                    continue
    return None


def _stable_id(*parts: Any) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:20]


class InstagramExport(MetaExport):
    platform = "instagram"
    format_name = "Instagram export"
    expected = "an Instagram \"Download your information\" export in JSON format (.zip holding posts_1.json)"

    def _files(self, kind: str) -> list[str]:
        if kind == "posts":
            return self.source.find(pattern=r"posts_\d+\.json") + self.source.find("reels.json", "stories.json")
        if kind == "likes":
            return self.source.find("liked_posts.json")
        if kind == "following":
            return [n for n in self.source.find("following.json") if "friends" not in n]
        return self.source.find("personal_information.json")

    def other_platform(self) -> str:
        return "a Facebook" if self.source.find("profile_information.json", pattern=r"your_posts.*\.json") else ""

    def items(self, account: AccountRef) -> Iterator[dict]:
        yield from self._profile(account)
        for member in self._files("posts"):
            key = {"reels.json": "ig_reels_media", "stories.json": "ig_stories"}.get(posixpath.basename(member))
            for rec in self._array(member, key):
                item = self._post(rec, account)
                if item:
                    yield item
        for member in self._files("likes"):
            for rec in self._array(member, "likes_media_likes"):
                for sld in rec.get("string_list_data") or ():
                    href = sld.get("href") or ""
                    if not href:
                        continue
                    yield {"type": "like", "platform": "instagram", "account": account.handle,
                           "id": f"instagram:like:{href}", "created_at": from_epoch(sld.get("timestamp")),
                           "post": {"type": "post", "platform": "instagram", "id": f"instagram:{href}", "url": href,
                                    "author": {"handle": rec.get("title") or "", "name": ""}}}
        for member in self._files("following"):
            for rec in self._array(member, "relationships_following"):
                for sld in rec.get("string_list_data") or ():
                    handle = sld.get("value") or rec.get("title") or ""
                    href = sld.get("href") or (f"https://www.instagram.com/{handle}" if handle else "")
                    if not handle and href:
                        handle = href.rstrip("/").rsplit("/", 1)[-1]
                    if not handle:
                        continue
                    yield {"type": "follow", "platform": "instagram", "account": account.handle,
                           "id": f"instagram:follow:{handle.lower()}", "created_at": from_epoch(sld.get("timestamp")),
                           "target": {"id": handle, "handle": handle, "url": href}}

    def _profile(self, account: AccountRef) -> Iterator[dict]:
        for member in self._files("profile"):
            for rec in self._array(member, "profile_user"):
                data = rec.get("string_map_data") or {}

                def val(*names: str) -> str:
                    for n in names:
                        v = (data.get(n) or {}).get("value")
                        if v:
                            return v
                    return ""
                username = val("Username", "Nom d'utilisateur")
                if username and not same_handle(username, account.handle):
                    raise ExportError(f"{self.path}: this export belongs to @{username}, not to @{account.handle}; "
                                      "refusing to audit it under the wrong account")
                site = val("Website", "Site web")
                yield {"type": "profile", "platform": "instagram", "account": account.handle,
                       "id": f"instagram:profile:{(username or account.handle).lower()}",
                       "name": val("Name", "Nom"), "bio": val("Bio", "Biographie"),
                       "url": f"https://www.instagram.com/{username or account.handle.lstrip('@')}/",
                       "links": [site] if site else []}
                return

    def _post(self, rec: dict, account: AccountRef) -> dict | None:
        media_list = [m for m in rec.get("media") or () if isinstance(m, dict)]
        if not media_list and rec.get("uri"):
            media_list = [rec]
        if not media_list:
            return None
        first = media_list[0]
        caption = rec.get("title") or first.get("title") or ""
        ts = rec.get("creation_timestamp") or first.get("creation_timestamp")
        media = [m for m in (self._attach(x.get("uri", "")) for x in media_list) if m]
        item: dict[str, Any] = {"type": "post", "platform": "instagram", "account": account.handle,
                                "id": f"instagram:{first.get('uri') or _stable_id(ts, caption)}",
                                "created_at": from_epoch(ts), "kind": "original", "text": caption,
                                "media": media, "visibility": "public"}
        place = next((p for p in map(_exif_place, media_list) if p), None)
        if place:
            item["place"] = place
        return item


class FacebookExport(MetaExport):
    platform = "facebook"
    format_name = "Facebook export"
    expected = "a Facebook \"Download your information\" export in JSON format (.zip holding your_posts_1.json)"

    def _files(self, kind: str) -> list[str]:
        if kind == "posts":
            return self.source.find(pattern=r"your_posts(__check_ins__photos_and_videos)?_\d+\.json")
        if kind == "likes":
            return self.source.find(pattern=r"likes_and_reactions(_\d+)?\.json")
        if kind == "following":
            # Instagram exports hold a following.json too; Facebook's older one sits under friends*/.
            return self.source.find("who_you_follow.json") + [
                n for n in self.source.find("following.json") if "friends" in n]
        return self.source.find("profile_information.json")

    def other_platform(self) -> str:
        return "an Instagram" if self.source.find("personal_information.json", "liked_posts.json",
                                                  "following.json", pattern=r"posts_\d+\.json") else ""

    def items(self, account: AccountRef) -> Iterator[dict]:
        yield from self._profile(account)
        for member in self._files("posts"):
            for rec in self._array(member):
                item = self._post(rec, account)
                if item:
                    yield item
        for member in self._files("likes"):
            for rec in self._array(member):
                if not isinstance(rec, dict):
                    continue
                ts = rec.get("timestamp")
                title = rec.get("title") or ""
                yield {"type": "like", "platform": "facebook", "account": account.handle,
                       "id": f"facebook:like:{_stable_id(ts, title)}", "created_at": from_epoch(ts),
                       "post": {"type": "post", "platform": "facebook", "id": f"facebook:liked:{_stable_id(ts, title)}",
                                "author": {"handle": "", "name": _liked_author(title)}}}
        for member in self._files("following"):
            for rec in self._array(member):
                name = rec.get("name") or rec.get("title") or ""
                if not name:
                    continue
                yield {"type": "follow", "platform": "facebook", "account": account.handle,
                       "id": f"facebook:follow:{name.casefold()}", "created_at": from_epoch(rec.get("timestamp")),
                       "target": {"id": name, "name": name}}

    def _profile(self, account: AccountRef) -> Iterator[dict]:
        for member in self._files("profile"):
            for rec in self._array(member, "profile_v2"):
                name = (rec.get("name") or {}).get("full_name") or ""
                bio = (rec.get("intro_bio") or {}).get("value") or rec.get("about_me") or ""
                sites = [w.get("address") for w in rec.get("websites") or () if isinstance(w, dict) and w.get("address")]
                yield {"type": "profile", "platform": "facebook", "account": account.handle,
                       "id": f"facebook:profile:{account.handle.lower()}", "name": name, "bio": bio,
                       "url": rec.get("profile_uri") or "", "links": sites}
                return

    def _post(self, rec: dict, account: AccountRef) -> dict | None:
        if not isinstance(rec, dict):
            return None
        texts = [d["post"] for d in rec.get("data") or () if isinstance(d, dict) and d.get("post")]
        media: list[dict] = []
        place = None
        links = []
        for att in rec.get("attachments") or ():
            for d in (att or {}).get("data") or ():
                if not isinstance(d, dict):
                    continue
                if isinstance(d.get("media"), dict):
                    m = self._attach(d["media"].get("uri", ""))
                    if m:
                        if d["media"].get("description"):
                            m["alt"] = d["media"]["description"]
                        media.append(m)
                    place = place or _exif_place(d["media"])
                if isinstance(d.get("place"), dict):
                    p = d["place"]
                    c = p.get("coordinate") or {}
                    place = {"name": p.get("name") or p.get("address") or ""}
                    if c.get("latitude") is not None:
                        place.update(lat=float(c["latitude"]), lon=float(c.get("longitude")))
                if isinstance(d.get("external_context"), dict) and d["external_context"].get("url"):
                    links.append(d["external_context"]["url"])
        if not texts and not media:
            return None
        ts = rec.get("timestamp")
        text = "\n".join(texts)
        item: dict[str, Any] = {"type": "post", "platform": "facebook", "account": account.handle,
                                "id": f"facebook:post:{ts}:{_stable_id(text, *(m['url'] for m in media))}",
                                "created_at": from_epoch(ts), "kind": "original", "text": text, "media": media}
        if place:
            item["place"] = place
        if links:
            item["links"] = links
        return item


def _liked_author(title: str) -> str:
    """`Jane Doe likes Bob Roe's post.` → `Bob Roe` (best effort; English titles only)."""
    title = repair_mojibake(title)
    for verb in (" likes ", " reacted to "):
        if verb in title:
            rest = title.split(verb, 1)[1]
            if "'s " in rest:
                return rest.split("'s ", 1)[0]
    return ""
