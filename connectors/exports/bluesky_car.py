"""Bluesky repository export: the CAR file `com.atproto.sync.getRepo` returns (Settings → Export).

A CAR v1 file is a header naming the root (the signed commit) followed by length-prefixed blocks
(a CID, then DAG-CBOR bytes). The commit's `data` is the root of a Merkle search tree whose keys
are `<collection>/<rkey>` and whose values are the records' CIDs. We index the blocks by CID
(offsets only, so memory follows the number of blocks, not their size), check each block's hash
as we read it, walk the tree in key order and turn posts, reposts, likes, follows and the
profile into items. Images are not inside a repository export; they are named by blob CID.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import libipld

from connectors.base import AccountRef
from connectors.exports.importer import ALL_TYPES, ExportConnector, ImportOptions
from connectors.exports.safe_archive import ExportError, describe, sniff
from connectors.exports.text import from_iso

EXPECTED = "a Bluesky repository export (.car from com.atproto.sync.getRepo)"
MAX_DEPTH = 64
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"
CDN = "https://cdn.bsky.app/img/feed_fullsize/plain"


def read_varint(fh: BinaryIO, where: str, allow_eof: bool = False) -> int | None:
    n = shift = 0
    for i in range(10):
        b = fh.read(1)
        if not b:
            if allow_eof and i == 0:
                return None
            raise ExportError(f"{where}: truncated (ends inside a length prefix)")
        n |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return n
        shift += 7
    raise ExportError(f"{where}: malformed length prefix")


def _varint_at(buf: bytes, i: int, where: str) -> tuple[int, int]:
    n = shift = 0
    while i < len(buf):
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n, i
        shift += 7
    raise ExportError(f"{where}: malformed CID")


def split_cid(buf: bytes, where: str) -> tuple[bytes, int, int, bytes]:
    """(cid bytes, codec, hash code, digest) of the CID at the start of `buf`."""
    if len(buf) >= 34 and buf[0] == 0x12 and buf[1] == 0x20:  # CIDv0: a bare sha2-256 multihash
        return buf[:34], 0x70, 0x12, buf[2:34]
    version, i = _varint_at(buf, 0, where)
    if version != 1:
        raise ExportError(f"{where}: unsupported CID version {version}")
    codec, i = _varint_at(buf, i, where)
    code, i = _varint_at(buf, i, where)
    size, i = _varint_at(buf, i, where)
    if i + size > len(buf):
        raise ExportError(f"{where}: truncated CID")
    return buf[: i + size], codec, code, buf[i: i + size]


def cid_str(cid: Any) -> str:
    if isinstance(cid, bytes):
        try:
            return libipld.encode_cid(cid)
        except ValueError:
            return ""
    if isinstance(cid, str):
        return cid
    return ""


class CarFile:
    """Blocks of a CAR v1 file, read on demand by CID; each block's hash is checked when read."""

    def __init__(self, path: Path, max_block: int = 8 * 1024 * 1024):
        self.path = path
        self.where = str(path)
        self._fh = open(path, "rb")
        self.max_block = max_block
        self.index: dict[bytes, tuple[int, int, int, bytes]] = {}  # cid -> (offset, length, hash code, digest)
        try:
            self.roots = self._read_header()
            self._scan()
        except BaseException:
            self._fh.close()
            raise

    def _read_header(self) -> list[bytes]:
        n = read_varint(self._fh, self.where)
        if not n or n > 1 << 16:
            raise ExportError(f"{self.where}: bad CAR header length; expected {EXPECTED}")
        raw = self._fh.read(n)
        if len(raw) < n:
            raise ExportError(f"{self.where}: truncated CAR header")
        try:
            header = libipld.decode_dag_cbor(raw)
        except ValueError as exc:
            raise ExportError(f"{self.where}: CAR header is not DAG-CBOR ({exc})") from exc
        if not isinstance(header, dict) or header.get("version") != 1 or not header.get("roots"):
            raise ExportError(f"{self.where}: not a CAR v1 file with a root; expected {EXPECTED}")
        return [r for r in header["roots"] if isinstance(r, bytes)]

    def _scan(self) -> None:
        size = self.path.stat().st_size
        while True:
            start = self._fh.tell()
            n = read_varint(self._fh, self.where, allow_eof=True)
            if n is None:
                return
            body_at = self._fh.tell()
            if n == 0 or body_at + n > size:
                raise ExportError(f"{self.where}: truncated (a block at byte {start} runs past the end of the file)")
            if n > self.max_block + 128:
                raise ExportError(f"{self.where}: block at byte {start} is {n:,} bytes, over the block limit")
            head = self._fh.read(min(n, 80))
            cid, codec, code, digest = split_cid(head, f"{self.where} (block at byte {start})")
            self.index[cid] = (body_at + len(cid), n - len(cid), code, digest)
            self._fh.seek(body_at + n)

    def raw(self, cid: bytes) -> bytes:
        entry = self.index.get(cid)
        if entry is None:
            raise ExportError(f"{self.where}: block {cid_str(cid)} is missing; the repository is incomplete")
        offset, length, code, digest = entry
        self._fh.seek(offset)
        data = self._fh.read(length)
        if code == 0x12 and hashlib.sha256(data).digest() != digest:
            raise ExportError(f"{self.where}: block {cid_str(cid)} does not match its hash; the file is damaged")
        return data

    def get(self, cid: bytes) -> Any:
        try:
            return libipld.decode_dag_cbor(self.raw(cid))
        except ValueError as exc:
            raise ExportError(f"{self.where}: block {cid_str(cid)} is not valid DAG-CBOR ({exc})") from exc

    def walk(self, root: bytes) -> Iterator[tuple[str, bytes]]:
        """(key, value CID) of every MST entry, in key order."""
        yield from self._walk(root, 0)

    def _walk(self, cid: bytes, depth: int) -> Iterator[tuple[str, bytes]]:
        if depth > MAX_DEPTH:
            raise ExportError(f"{self.where}: repository tree deeper than {MAX_DEPTH} levels; refusing it")
        node = self.get(cid)
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            raise ExportError(f"{self.where}: block {cid_str(cid)} is not a repository tree node")
        if node.get("l"):
            yield from self._walk(node["l"], depth + 1)
        prev = b""
        for e in node["e"]:
            try:
                key = prev[: int(e["p"])] + e["k"]
                value = e["v"]
            except (KeyError, TypeError, ValueError) as exc:
                raise ExportError(f"{self.where}: malformed tree entry in {cid_str(cid)}") from exc
            prev = key
            yield key.decode("utf-8", "replace"), value
            if e.get("t"):
                yield from self._walk(e["t"], depth + 1)

    def close(self) -> None:
        self._fh.close()


class BlueskyCar(ExportConnector):
    platform = "bluesky"
    format_name = "Bluesky repository export"

    def __init__(self, path: Path, options: ImportOptions | None = None):
        super().__init__(path, options)
        kind = sniff(self.path)
        if kind != "car":
            raise ExportError(f"{self.path}: is {describe(kind)}; expected {EXPECTED}")
        if self.path.stat().st_size > self.options.limits.max_total_bytes:
            raise ExportError(f"{self.path}: larger than the {self.options.limits.max_total_bytes:,}-byte limit")
        self.car = CarFile(self.path)
        commit = self.car.get(self.car.roots[0])
        if not isinstance(commit, dict) or not isinstance(commit.get("data"), bytes) or not commit.get("did"):
            self.car.close()
            raise ExportError(f"{self.path}: root block is not a repository commit; expected {EXPECTED}")
        self.did: str = commit["did"]
        self.commit = commit

    def digest(self) -> str:
        # The commit CID names the repository's whole content (every record is under it).
        return "car:" + cid_str(self.car.roots[0])

    def complete_types(self) -> set[str]:
        return set(ALL_TYPES)

    def items(self, account: AccountRef) -> Iterator[dict]:
        for ref in (account.platform_user_id, account.handle):
            if ref and ref.startswith("did:") and ref != self.did:
                raise ExportError(f"{self.path}: this repository belongs to {self.did}, not to {ref}; "
                                  "refusing to audit it under the wrong account")
        entries = list(self.car.walk(self.commit["data"]))
        own_posts = {k: v for k, v in entries if k.startswith(POST + "/")}
        for key, cid in entries:
            collection, _, rkey = key.partition("/")
            if collection not in (POST, REPOST, LIKE, FOLLOW, PROFILE):
                continue
            record = self.car.get(cid)
            if not isinstance(record, dict):
                continue
            item = self._item(collection, rkey, record, account, own_posts)
            if item:
                yield item

    def _uri(self, collection: str, rkey: str) -> str:
        return f"at://{self.did}/{collection}/{rkey}"

    def _item(self, collection: str, rkey: str, rec: dict, account: AccountRef,
              own_posts: dict[str, bytes]) -> dict | None:
        uri = self._uri(collection, rkey)
        base = {"platform": "bluesky", "account": account.handle, "id": f"bluesky:{uri}"}
        created = from_iso(rec.get("createdAt"))
        if collection == PROFILE:
            return {**base, "type": "profile", "name": rec.get("displayName") or "",
                    "bio": rec.get("description") or "", "url": f"https://bsky.app/profile/{self.did}", "links": []}
        if collection == POST:
            return {**base, **self._post(rec, self.did, rkey, own_posts, depth=0), "created_at": created}
        subject = rec.get("subject")
        if collection == FOLLOW:
            did = subject if isinstance(subject, str) else ""
            if not did:
                return None
            return {**base, "type": "follow", "created_at": created,
                    "target": {"id": did, "url": f"https://bsky.app/profile/{did}"}}
        target_uri = (subject or {}).get("uri", "") if isinstance(subject, dict) else ""
        if not target_uri:
            return None
        target = self._target(target_uri, own_posts)
        if collection == LIKE:
            return {**base, "type": "like", "created_at": created, "post": target}
        # A repost: the item carries the reposted post's text, media and author.
        item = {**base, "type": "post", "kind": "repost", "created_at": created,
                "url": target.get("url", ""), "text": target.get("text", ""),
                "author": target.get("author", {"handle": "", "name": ""}), "visibility": "public"}
        if target.get("media"):
            item["media"] = target["media"]
        return item

    def _target(self, uri: str, own_posts: dict[str, bytes]) -> dict:
        """The post an at:// URI names: full when it is in this repository, else id and URL only."""
        did, collection, rkey = _split_at_uri(uri)
        if did == self.did and collection == POST and f"{POST}/{rkey}" in own_posts:
            rec = self.car.get(own_posts[f"{POST}/{rkey}"])
            if isinstance(rec, dict):
                post = self._post(rec, did, rkey, own_posts, depth=1)
                post.update(id=f"bluesky:{uri}", platform="bluesky", created_at=from_iso(rec.get("createdAt")))
                return post
        return {"type": "post", "platform": "bluesky", "id": f"bluesky:{uri}", "url": _web_url(uri),
                "author": {"handle": did, "name": ""}}

    def _post(self, rec: dict, did: str, rkey: str, own_posts: dict[str, bytes], depth: int) -> dict:
        post: dict[str, Any] = {"type": "post", "url": f"https://bsky.app/profile/{did}/post/{rkey}",
                                "kind": "original", "text": rec.get("text") or "", "visibility": "public",
                                "author": {"handle": did, "name": ""}}
        embed = rec.get("embed") if isinstance(rec.get("embed"), dict) else {}
        etype = embed.get("$type", "")
        media_embed = embed.get("media") if etype == "app.bsky.embed.recordWithMedia" else embed
        media = _media(media_embed or {}, did)
        if media:
            post["media"] = media
        quoted_ref = None
        if etype == "app.bsky.embed.record":
            quoted_ref = (embed.get("record") or {}).get("uri")
        elif etype == "app.bsky.embed.recordWithMedia":
            quoted_ref = ((embed.get("record") or {}).get("record") or {}).get("uri")
        if etype == "app.bsky.embed.external":
            ext = embed.get("external") or {}
            post["links"] = [ext.get("uri")] if ext.get("uri") else []
        if rec.get("reply"):
            post["kind"] = "reply"
            parent = (rec["reply"].get("parent") or {}).get("uri", "")
            post["in_reply_to"] = {"id": f"bluesky:{parent}"}
        if quoted_ref and isinstance(quoted_ref, str):
            if depth == 0:
                post["quoted"] = self._target(quoted_ref, own_posts)
            if post["kind"] == "original":
                post["kind"] = "quote"
        langs = rec.get("langs")
        if langs:
            post["langs"] = list(langs)
        return post

    def close(self) -> None:
        self.car.close()


def _media(embed: dict, did: str) -> list[dict]:
    etype = embed.get("$type", "")
    out = []
    if etype == "app.bsky.embed.images":
        for img in embed.get("images") or ():
            blob = _blob_cid(img.get("image"))
            m = {"type": "image", "url": f"{CDN}/{did}/{blob}@jpeg" if blob else "", "alt": img.get("alt") or ""}
            if blob:
                m["cid"] = blob
            out.append(m)
    elif etype == "app.bsky.embed.video":
        blob = _blob_cid(embed.get("video"))
        out.append({"type": "video", "url": f"https://video.bsky.app/watch/{did}/{blob}/playlist.m3u8" if blob else "",
                    "alt": embed.get("alt") or "", **({"cid": blob} if blob else {})})
    return out


def _blob_cid(blob: Any) -> str:
    if not isinstance(blob, dict):
        return ""
    if "ref" in blob:
        return cid_str(blob["ref"])
    return blob.get("cid") or ""  # the legacy blob shape


def _split_at_uri(uri: str) -> tuple[str, str, str]:
    rest = uri.removeprefix("at://")
    parts = rest.split("/")
    return (parts + ["", "", ""])[0], (parts + ["", ""])[1], (parts + ["", "", ""])[2]


def _web_url(uri: str) -> str:
    did, collection, rkey = _split_at_uri(uri)
    if collection == POST:
        return f"https://bsky.app/profile/{did}/post/{rkey}"
    return uri
