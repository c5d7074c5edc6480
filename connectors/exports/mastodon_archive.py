"""Mastodon archive (Preferences → Import and export → Request your archive): a .tar.gz.

It holds ActivityPub JSON: `outbox.json` (Create of a Note with HTML content and attachments
whose `name` is the alt text and `url` a path inside the archive; Announce = a boost, carrying
only the boosted post's URI), `likes.json` (URIs), `actor.json` (the profile), and the media.
The followed accounts come from a separate CSV export (`following_accounts.csv`), given alone or
lying beside the archive.

A gzip cannot be read out of order cheaply, so the archive is read in one pass that spools the
JSON files to a temporary folder and copies the photos to the cache, then the JSON is walked.
"""

from __future__ import annotations

import csv
import io
import posixpath
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from connectors.base import AccountRef
from connectors.exports.importer import ExportConnector, ImportOptions, same_handle
from connectors.exports.json_stream import iter_object
from connectors.exports.safe_archive import (
    BoundedReader, ExportError, ExportSource, copy_bounded, open_source, sniff,
)
from connectors.exports.text import from_iso, html_links, html_to_text

EXPECTED = "a Mastodon archive (.tar.gz holding outbox.json) or a following_accounts.csv"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
JSON_FILES = {"outbox.json", "likes.json", "actor.json"}
FOLLOWING_CSV = "following_accounts.csv"
CSV_HEADER = "Account address"
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/heic", "image/avif"}
IMAGE_EXT = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".avif"}


class MastodonArchive(ExportConnector):
    platform = "mastodon"
    format_name = "Mastodon archive"

    def __init__(self, path: Path, options: ImportOptions | None = None):
        super().__init__(path, options)
        self.source: ExportSource | None = None
        self._ctx = None
        kind = sniff(self.path)
        if kind == "csv":
            self.csv_path: Path | None = self.path
            _check_csv(self.path)
            return
        self._ctx = open_source(self.path, self.options.limits, EXPECTED)
        self.source = self._ctx.__enter__()
        if not self.source.find("outbox.json"):
            self.close()
            raise ExportError(f"{self.path}: holds no outbox.json; expected {EXPECTED}")
        inside = self.source.find(FOLLOWING_CSV)
        beside = self.path.parent / FOLLOWING_CSV
        self.csv_inside = inside[0] if inside else None
        self.csv_path = beside if not inside and beside.is_file() else None
        if self.csv_path:
            _check_csv(self.csv_path)

    def digest(self) -> str:
        import hashlib
        h = hashlib.sha256()
        if self.source:
            h.update(self.source.digest().encode())
        if self.csv_path:
            h.update(self.csv_path.read_bytes())
        return h.hexdigest()

    def complete_types(self) -> set[str]:
        types = set()
        if self.source:
            types.add("post")
            if self.source.find("likes.json"):
                types.add("like")
            if self.source.find("actor.json"):
                types.add("profile")
        if self.csv_path or (self.source and self.csv_inside):
            types.add("follow")
        return types

    def items(self, account: AccountRef) -> Iterator[dict]:
        if self.source is None:
            yield from self._follows_csv(self.csv_path, account)
            return
        with tempfile.TemporaryDirectory(prefix="mastodon-export-") as tmp:
            spooled = self._unpack(Path(tmp))
            actor: dict = {}
            if "actor.json" in spooled:
                actor = _load_small(spooled["actor.json"], self.options.limits.max_member_bytes)
                yield from self._profile(actor, account)
            yield from self._outbox(spooled["outbox.json"], account, actor)
            if "likes.json" in spooled:
                yield from self._likes(spooled["likes.json"], account)
            if FOLLOWING_CSV in spooled:
                yield from self._follows_csv(spooled[FOLLOWING_CSV], account)
        if self.csv_path:
            yield from self._follows_csv(self.csv_path, account)

    def _unpack(self, tmp: Path) -> dict[str, Path]:
        """One pass: JSON/CSV (shallowest copy of each) to `tmp`, photos to the media cache."""
        assert self.source is not None
        wanted = {posixpath.basename(n): n for name in (*JSON_FILES, FOLLOWING_CSV)
                  for n in self.source.find(name)[:1]}
        by_member = {v: k for k, v in wanted.items()}
        self._media_root = self.media_dir(self._digest)
        self._extracted: set[str] = set()
        limits = self.options.limits
        spooled: dict[str, Path] = {}

        def want(m) -> bool:
            return m.name in by_member or _is_media(m.name)

        for member, fh in self.source.stream(want):
            if member.name in by_member:
                base = by_member[member.name]
                spooled[base] = copy_bounded(fh, tmp / base, limits.max_member_bytes, f"{self.path}:{member.name}")
            elif member.size <= limits.max_media_bytes:
                dest = self._media_root / member.name
                if not (dest.exists() and dest.stat().st_size == member.size):
                    copy_bounded(fh, dest, limits.max_media_bytes, f"{self.path}:{member.name}")
                self._extracted.add(member.name)
            else:
                self.warn(f"media {member.name} is over the media size limit; not attached")
        return spooled

    def _profile(self, actor: dict, account: AccountRef) -> Iterator[dict]:
        username = actor.get("preferredUsername")
        handle_local = account.handle.lstrip("@").split("@", 1)[0]
        if username and not same_handle(username, handle_local):
            raise ExportError(f"{self.path}: this archive belongs to @{username}, not to {account.handle}; "
                              "refusing to audit it under the wrong account")
        fields = [a for a in actor.get("attachment") or () if isinstance(a, dict) and a.get("type") == "PropertyValue"]
        bio = html_to_text(actor.get("summary"))
        lines = [f"{f.get('name', '')}: {html_to_text(f.get('value'))}" for f in fields]
        links = html_links(actor.get("summary"))
        for f in fields:
            links += html_links(f.get("value"))
        yield {"type": "profile", "platform": "mastodon", "account": account.handle,
               "id": f"mastodon:{actor.get('id') or 'profile:' + account.handle}",
               "name": actor.get("name") or "", "bio": "\n".join([bio, *lines]).strip(),
               "url": actor.get("url") or actor.get("id") or "", "links": links}

    def _outbox(self, path: Path, account: AccountRef, actor: dict) -> Iterator[dict]:
        with open(path, "rb") as raw:
            fh = BoundedReader(raw, self.options.limits.max_member_bytes, f"{self.path}:outbox.json")
            for key, value in iter_object(fh, f"{self.path}:outbox.json", lambda k: k == "orderedItems"):
                if key != "orderedItems":
                    continue
                for activity in value:
                    item = self._activity(activity, account, actor)
                    if item:
                        yield item

    def _activity(self, act: Any, account: AccountRef, actor: dict) -> dict | None:
        if not isinstance(act, dict):
            return None
        typ = act.get("type")
        if typ == "Announce":
            target = act.get("object")
            target_uri = target if isinstance(target, str) else (target or {}).get("id", "")
            status_uri = str(act.get("id") or target_uri).removesuffix("/activity")
            item = {"type": "post", "platform": "mastodon", "account": account.handle,
                    "id": f"mastodon:{status_uri}", "created_at": from_iso(act.get("published")),
                    "url": target_uri, "kind": "repost", "text": "",
                    "author": {"handle": _handle_from_uri(target_uri), "name": ""},
                    "visibility": _visibility(act, actor)}
            if isinstance(target, dict):  # some servers embed the boosted Note
                item["text"] = html_to_text(target.get("content"))
                item["media"] = self._attachments(target)
            return item
        if typ != "Create":
            return None
        note = act.get("object")
        if not isinstance(note, dict) or note.get("type") not in ("Note", "Question", "Article"):
            return None
        text = html_to_text(note.get("content"))
        if note.get("summary"):  # the content warning is words the account published too
            text = f"{html_to_text(note['summary'])}\n\n{text}".strip()
        for option in note.get("oneOf") or note.get("anyOf") or ():
            if isinstance(option, dict) and option.get("name"):
                text += f"\n- {option['name']}"
        item: dict[str, Any] = {
            "type": "post", "platform": "mastodon", "account": account.handle,
            "id": f"mastodon:{note.get('id') or act.get('id')}",
            "created_at": from_iso(note.get("published") or act.get("published")),
            "url": note.get("url") or note.get("id") or "", "kind": "original", "text": text,
            "visibility": _visibility(note, actor),
        }
        if note.get("inReplyTo"):
            item["kind"] = "reply"
            item["in_reply_to"] = {"id": f"mastodon:{note['inReplyTo']}"}
        quote = note.get("quote") or note.get("quoteUri") or note.get("_misskey_quote")
        if isinstance(quote, str) and quote:
            item["kind"] = "quote"
            item["quoted"] = {"type": "post", "platform": "mastodon", "id": f"mastodon:{quote}", "url": quote,
                              "author": {"handle": _handle_from_uri(quote), "name": ""}}
        media = self._attachments(note)
        if media:
            item["media"] = media
        return item

    def _attachments(self, note: dict) -> list[dict]:
        out = []
        for att in note.get("attachment") or ():
            if not isinstance(att, dict):
                continue
            url = att.get("url") or ""
            if isinstance(url, list):
                url = next((u.get("href") for u in url if isinstance(u, dict)), "") or ""
            mtype = att.get("mediaType") or ""
            kind = "video" if mtype.startswith(("video/", "audio/")) else "image"
            media: dict[str, Any] = {"type": kind, "url": url}
            if att.get("name"):
                media["alt"] = att["name"]
            member = self.source.resolve(url.lstrip("/")) if self.source and url and "://" not in url else None
            if member and member in self._extracted:
                media["path"] = str(self._media_root / member)
            out.append(media)
        return out

    def _likes(self, path: Path, account: AccountRef) -> Iterator[dict]:
        with open(path, "rb") as raw:
            fh = BoundedReader(raw, self.options.limits.max_member_bytes, f"{self.path}:likes.json")
            for key, value in iter_object(fh, f"{self.path}:likes.json", lambda k: k == "orderedItems"):
                if key != "orderedItems":
                    continue
                for uri in value:
                    if isinstance(uri, dict):
                        uri = uri.get("id")
                    if not isinstance(uri, str) or not uri:
                        continue
                    yield {"type": "like", "platform": "mastodon", "account": account.handle,
                           "id": f"mastodon:like:{uri}",
                           "post": {"type": "post", "platform": "mastodon", "id": f"mastodon:{uri}", "url": uri,
                                    "author": {"handle": _handle_from_uri(uri), "name": ""}}}

    def _follows_csv(self, path: Path, account: AccountRef) -> Iterator[dict]:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            for lineno, row in enumerate(reader, 2):
                address = (row.get(CSV_HEADER) or "").strip().lstrip("@")
                if not address:
                    continue
                if "@" not in address:
                    raise ExportError(f"{path}:{lineno}: {address!r} is not an account address (user@server)")
                user, _, server = address.partition("@")
                yield {"type": "follow", "platform": "mastodon", "account": account.handle,
                       "id": f"mastodon:follow:{address.lower()}",
                       "target": {"id": address, "handle": address, "url": f"https://{server}/@{user}"}}

    def close(self) -> None:
        if self._ctx is not None:
            self._ctx.__exit__(None, None, None)
            self._ctx = None


def _check_csv(path: Path) -> None:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(io.StringIO(fh.readline())), [])
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: cannot read as UTF-8 CSV ({exc})") from exc
    if not header or header[0].strip() != CSV_HEADER:
        raise ExportError(f"{path}: header is {','.join(header)!r}; expected a Mastodon following_accounts.csv "
                          f"starting with {CSV_HEADER!r}")


def _load_small(path: Path, limit: int) -> dict:
    import json
    if path.stat().st_size > min(limit, 64 * 1024 * 1024):
        raise ExportError(f"{path.name}: too large for a profile file")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path.name} in the archive: damaged JSON ({exc})") from exc
    return data if isinstance(data, dict) else {}


def _is_media(name: str) -> bool:
    return "media_attachments/" in name and posixpath.splitext(name)[1].lower() in IMAGE_EXT


def _handle_from_uri(uri: str) -> str:
    """`https://host/users/bob/statuses/1` or `https://host/@bob/1` → `bob@host` (best effort)."""
    try:
        u = urlparse(uri)
    except ValueError:
        return ""
    parts = [p for p in u.path.split("/") if p]
    if not u.hostname or not parts:
        return ""
    if parts[0] == "users" and len(parts) > 1:
        return f"{parts[1]}@{u.hostname}"
    if parts[0].startswith("@"):
        return f"{parts[0][1:]}@{u.hostname}"
    return ""


def _visibility(obj: dict, actor: dict) -> str:
    to = obj.get("to") or []
    cc = obj.get("cc") or []
    to = [to] if isinstance(to, str) else to
    cc = [cc] if isinstance(cc, str) else cc
    if PUBLIC in to or "as:Public" in to or "Public" in to:
        return "public"
    if PUBLIC in cc or "as:Public" in cc or "Public" in cc:
        return "unlisted"
    followers = actor.get("followers") or ""
    if any(str(t).endswith("/followers") or (followers and t == followers) for t in to):
        return "followers"
    return "direct"
