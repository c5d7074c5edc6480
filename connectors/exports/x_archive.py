"""X (Twitter) archive: the .zip a user downloads from Settings → Your account, or its folder.

Files are `data/<name>.js`, each `window.YTD.<name>.part0 = [ ... ]` (big ones split into
`-part1`, `-part2`...). Tweets are v1.1-shaped. The archive lists followed accounts by id only,
which is useless for matching students, so when an X token is configured the ids are looked up
(100 per call) to get handles and bios. Photos are in `data/tweets_media/<tweet id>-<file>`;
each one a post references is copied (size-bounded) to the cache so its EXIF can be read.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from connectors.base import AccountRef, ConnectorError, CredentialError, resolve_credential
from connectors.exports.importer import ExportConnector, ImportOptions, same_handle
from connectors.exports.json_stream import iter_js_array
from connectors.exports.safe_archive import ExportError, ExportSource, open_source
from connectors.exports.text import from_iso, from_x, unescape

EXPECTED = "an X archive (.zip from X, or its unpacked folder, holding data/tweets.js)"
TWEET_FILES = r"tweets?(-part\d+)?\.js"
_RT = re.compile(r"^RT @(\w{1,15}): ?(.*)\Z", re.S)
_STATUS_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d+)")
IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".gif"}
HYDRATE_BATCH = 100


class XArchive(ExportConnector):
    platform = "x"
    format_name = "X archive"

    def __init__(self, path: Path, options: ImportOptions | None = None, *, client_factory=None):
        super().__init__(path, options)
        self._ctx = open_source(self.path, self.options.limits, EXPECTED)
        self.source: ExportSource = self._ctx.__enter__()
        self.tweet_files = self.source.find(pattern=TWEET_FILES)
        if not self.tweet_files and not self.source.find("account.js", "like.js", "following.js"):
            self._ctx.__exit__(None, None, None)
            raise ExportError(f"{self.path}: holds no data/tweets.js, like.js, following.js or account.js; "
                              f"expected {EXPECTED}")
        try:
            self.source.verify(n for n in self.source.members if n.endswith(".js"))
        except ExportError:
            self._ctx.__exit__(None, None, None)
            raise
        self._client_factory = client_factory
        self._media_index: dict[str, str] | None = None

    # -- what the archive holds ------------------------------------------------------------

    def digest(self) -> str:
        return self.source.digest()

    def complete_types(self) -> set[str]:
        types = set()
        if self.tweet_files:
            types.add("post")
        if self.source.find("like.js"):
            types.add("like")
        if self.source.find("following.js"):
            types.add("follow")
        if self.source.find("account.js", "profile.js"):
            types.add("profile")
        return types

    def _records(self, name: str, key: str) -> Iterator[dict]:
        members = self.tweet_files if name == TWEET_FILES else self.source.find(name)
        for member in members:
            with self.source.open(member) as fh:
                for element in iter_js_array(fh, f"{self.path}:{member}"):
                    if isinstance(element, dict) and isinstance(element.get(key), dict):
                        yield element[key]

    # -- items -----------------------------------------------------------------------------

    def items(self, account: AccountRef) -> Iterator[dict]:
        handle = account.handle.lstrip("@")
        yield from self._profile(account, handle)
        notes = self._note_tweets()
        for tweet in self._records(TWEET_FILES, "tweet"):
            yield self._post(tweet, account, handle, notes)
        for like in self._records("like.js", "like"):
            item = self._like(like, account)
            if item:
                yield item
        yield from self._follows(account)

    def _profile(self, account: AccountRef, handle: str) -> Iterator[dict]:
        acct = next(self._records("account.js", "account"), None) or {}
        prof = next(self._records("profile.js", "profile"), None) or {}
        username = acct.get("username")
        if username and not same_handle(username, handle):
            raise ExportError(f"{self.path}: this archive belongs to @{username}, not to @{handle}; "
                              "refusing to audit it under the wrong account")
        if not acct and not prof:
            return
        desc = prof.get("description") or {}
        website = desc.get("website") or ""
        user_id = acct.get("accountId") or account.platform_user_id or handle
        item = {"type": "profile", "platform": "x", "account": account.handle, "id": f"x:profile:{user_id}",
                "name": acct.get("accountDisplayName") or "", "bio": unescape(desc.get("bio")),
                "url": f"https://x.com/{username or handle}", "links": [website] if website else []}
        if desc.get("location"):
            item["location"] = desc["location"]
        yield item

    def _note_tweets(self) -> dict[str, list[str]]:
        """Long posts: note-tweet.js holds their full text, keyed here by creation second."""
        notes: dict[str, list[str]] = {}
        for note in self._records("note-tweet.js", "noteTweet"):
            text = (note.get("core") or {}).get("text")
            when = from_iso(note.get("createdAt"))
            if text and when:
                notes.setdefault(when, []).append(text)
        return notes

    def _post(self, tw: dict, account: AccountRef, handle: str, notes: dict[str, list[str]]) -> dict:
        tid = str(tw.get("id_str") or tw.get("id"))
        created = from_x(tw.get("created_at"))
        text = _expand(tw)
        candidates = notes.get(created or "")
        if candidates:
            text = _match_note(candidates, text) or text
        item: dict[str, Any] = {
            "type": "post", "platform": "x", "account": account.handle, "id": f"x:{tid}",
            "created_at": created, "url": f"https://x.com/{handle}/status/{tid}", "kind": "original",
            "text": text, "visibility": "public",
        }
        rt = tw.get("retweeted_status")
        m = _RT.match(text)
        if isinstance(rt, dict):
            user = rt.get("user") or {}
            item.update(kind="repost", text=_expand(rt),
                        author={"handle": user.get("screen_name", ""), "name": user.get("name", "")})
            media = self._media(rt, str(rt.get("id_str") or ""), tid)
        elif m:
            item.update(kind="repost", text=m.group(2), author={"handle": m.group(1), "name": ""})
            media = self._media(tw, tid)
        else:
            media = self._media(tw, tid)
            if tw.get("in_reply_to_status_id_str"):
                item["kind"] = "reply"
                item["in_reply_to"] = {"id": f"x:{tw['in_reply_to_status_id_str']}",
                                       "handle": tw.get("in_reply_to_screen_name") or ""}
            else:
                quoted = _quoted(tw)
                if quoted:
                    item.update(kind="quote", quoted=quoted)
        if media:
            item["media"] = media
        place = _place(tw)
        if place:
            item["place"] = place
        return item

    def _media(self, tw: dict, *tids: str) -> list[dict]:
        entries = ((tw.get("extended_entities") or {}).get("media")
                   or (tw.get("entities") or {}).get("media") or [])
        out = []
        for m in entries:
            kind = {"photo": "image", "animated_gif": "gif", "video": "video"}.get(m.get("type"), "image")
            url = m.get("media_url_https") or m.get("media_url") or ""
            if kind != "image":
                variants = [v for v in (m.get("video_info") or {}).get("variants", []) if v.get("url")]
                mp4 = [v for v in variants if v.get("content_type") == "video/mp4"]
                best = max(mp4, key=lambda v: int(v.get("bitrate") or 0), default=None) or (variants or [None])[0]
                if best:
                    url = best["url"]
            media = {"type": kind, "url": url}
            alt = m.get("ext_alt_text") or m.get("alt_text")
            if alt:
                media["alt"] = alt
            path = next((p for p in (self._media_path(t, url) for t in tids if t) if p), None) \
                if kind == "image" else None
            if path:
                media["path"] = path
            out.append(media)
        return out

    def _media_path(self, tid: str, url: str) -> str | None:
        if self._media_index is None:
            self._media_index = {posixpath.basename(n): n for n in self.source.members
                                 if re.search(r"(^|/)tweets?_media/", n)}
        base = posixpath.basename(url.split("?", 1)[0])
        member = self._media_index.get(f"{tid}-{base}")
        if not member or posixpath.splitext(member)[1].lower() not in IMAGE_EXT:
            return None
        try:
            dest = self.source.extract(member, self.media_dir(self._digest), self.options.limits.max_media_bytes)
        except ExportError as exc:
            self.warn(f"media {member} not attached: {exc}")
            return None
        return str(dest)

    def _like(self, like: dict, account: AccountRef) -> dict | None:
        tid = like.get("tweetId")
        if not tid:
            return None
        post: dict[str, Any] = {"type": "post", "platform": "x", "id": f"x:{tid}",
                                "url": like.get("expandedUrl") or f"https://x.com/i/web/status/{tid}",
                                "text": unescape(like.get("fullText"))}
        return {"type": "like", "platform": "x", "account": account.handle, "id": f"x:like:{tid}", "post": post}

    def _follows(self, account: AccountRef) -> Iterator[dict]:
        client = self._client(account)
        batch: list[dict] = []
        for rec in self._records("following.js", "following"):
            uid = str(rec.get("accountId") or "")
            if not uid:
                continue
            batch.append({"type": "follow", "platform": "x", "account": account.handle, "id": f"x:follow:{uid}",
                          "target": {"id": uid, "url": rec.get("userLink") or f"https://x.com/i/user/{uid}"}})
            if len(batch) >= HYDRATE_BATCH:
                client = self._hydrate(client, batch)
                yield from batch
                batch = []
        if batch:
            self._hydrate(client, batch)
            yield from batch

    def _client(self, account: AccountRef):
        refs = [r for r in (account.credential, self.options.x_credential) if r]
        for ref in refs:
            try:
                token = resolve_credential(ref)
            except CredentialError as exc:
                self.warn(f"followed accounts not looked up: {exc}")
                continue
            if self._client_factory:
                return self._client_factory(token)
            import tweepy
            return tweepy.Client(bearer_token=token, wait_on_rate_limit=False)
        return None

    def _hydrate(self, client, batch: list[dict]):
        """Fill handle, name and bio from X; on any refusal stop asking and keep the ids."""
        if client is None:
            return None
        import requests
        import tweepy
        try:
            resp = client.get_users(ids=[f["target"]["id"] for f in batch], user_fields=["description"])
        except (tweepy.TweepyException, requests.RequestException, ConnectorError) as exc:
            self.warn(f"looking up followed accounts failed ({exc}); the rest keep their ids only")
            return None
        users = {str(u.id): u for u in (resp.data or [])}
        for f in batch:
            u = users.get(f["target"]["id"])
            if u is not None:
                f["target"].update(handle=u.username, name=u.name or "", bio=getattr(u, "description", "") or "",
                                   url=f"https://x.com/{u.username}")
        return client

    def close(self) -> None:
        self._ctx.__exit__(None, None, None)


def _expand(tw: dict) -> str:
    """full_text as a reader sees it: entities unescaped, t.co links expanded, media links dropped."""
    text = tw.get("full_text") or tw.get("text") or ""
    entities = tw.get("entities") or {}
    for u in entities.get("urls") or ():
        if u.get("url") and u.get("expanded_url"):
            text = text.replace(u["url"], u["expanded_url"])
    for m in (tw.get("extended_entities") or {}).get("media") or entities.get("media") or ():
        if m.get("url"):
            text = text.replace(m["url"], "")
    return unescape(text).strip()


def _match_note(candidates, short: str) -> str | None:
    """The note whose text the (truncated) tweet text begins; tweets.js cuts long posts at ~280."""
    stem = re.sub(r"(…|\.\.\.)?\s*(https://\S+)?$", "", short).strip()[:200]
    for text in candidates:
        if stem and text.startswith(stem):
            return text
    return None


def _quoted(tw: dict) -> dict | None:
    for u in (tw.get("entities") or {}).get("urls") or ():
        m = _STATUS_URL.match(u.get("expanded_url") or "")
        if m:
            return {"type": "post", "platform": "x", "id": f"x:{m.group(2)}", "url": m.group(0),
                    "author": {"handle": m.group(1), "name": ""}}
    return None


def _place(tw: dict) -> dict | None:
    name = ((tw.get("place") or {}).get("full_name")) or ""
    lat = lon = None
    coords = (tw.get("coordinates") or {}).get("coordinates")
    geo = (tw.get("geo") or {}).get("coordinates")
    try:
        if coords and len(coords) == 2:
            lon, lat = float(coords[0]), float(coords[1])
        elif geo and len(geo) == 2:
            lat, lon = float(geo[0]), float(geo[1])
    except (TypeError, ValueError):
        lat = lon = None
    if lat is None and not name:
        return None
    place: dict[str, Any] = {"name": name}
    if lat is not None:
        place.update(lat=lat, lon=lon)
    return place
