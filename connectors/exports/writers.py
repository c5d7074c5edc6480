"""Writers of each export format: for the test fixtures, the demo sample and the benchmark.

They write what the platforms write (file names, wrappers, field shapes, encodings, Meta's
mis-encoded text), streaming where an export can be large, so the importers are tested on the
real shapes rather than on whatever the importer happens to expect. Archives are written with
fixed timestamps so that regenerating a fixture does not change its bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_EPOCH = 1704067200


def zinfo(name: str, compress: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    """A zip entry with a fixed time; a bare ZipInfo would be stored uncompressed."""
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.compress_type = compress
    info.external_attr = 0o644 << 16
    return info


# -- photos ----------------------------------------------------------------------------------

def jpeg(lat: float | None = None, lon: float | None = None, size=(96, 64), color=(90, 140, 200)) -> bytes:
    """A small JPEG, with EXIF GPS coordinates when lat/lon are given."""
    from PIL import Image

    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[0x010F] = "Export fixture camera"
    if lat is not None and lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1] = "N" if lat >= 0 else "S"
        gps[2] = _dms(abs(lat))
        gps[3] = "E" if lon >= 0 else "W"
        gps[4] = _dms(abs(lon))
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, quality=80)
    return buf.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    d = int(value)
    m = int((value - d) * 60)
    s = round((value - d - m / 60) * 3600, 2)
    return (float(d), float(m), s)


# -- X -----------------------------------------------------------------------------------------

def x_time(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%a %b %d %H:%M:%S +0000 %Y")


def x_tweet(tid: str | int, text: str, when: datetime, *, reply_to: tuple[str, str] | None = None,
            urls: Iterable[tuple[str, str]] = (), media: Iterable[tuple[str, str]] = (),
            coordinates: tuple[float, float] | None = None, retweeted: dict | None = None) -> dict:
    """A tweet as tweets.js holds it. `media`: (media file name, type); `urls`: (t.co, expanded)."""
    tid = str(tid)
    tw: dict[str, Any] = {
        "edit_info": {"initial": {"editTweetIds": [tid], "editableUntil": "", "editsRemaining": "5",
                                  "isEditEligible": True}},
        "retweeted": False, "source": "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
        "entities": {"hashtags": [], "symbols": [], "user_mentions": [], "urls": []},
        "display_text_range": ["0", str(len(text))], "favorite_count": "0", "id_str": tid, "truncated": False,
        "retweet_count": "0", "id": tid, "created_at": x_time(when), "favorited": False,
        "full_text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), "lang": "en",
    }
    for short, expanded in urls:
        tw["entities"]["urls"].append({"url": short, "expanded_url": expanded,
                                       "display_url": expanded.split("//", 1)[-1][:26], "indices": ["0", "0"]})
    media = list(media)
    if media:
        short = f"https://t.co/m{tid[-6:]}"
        tw["full_text"] += f" {short}"
        entries = []
        for i, (name, kind) in enumerate(media):
            m = {"expanded_url": f"https://x.com/i/status/{tid}/photo/{i + 1}", "indices": ["0", "0"],
                 "url": short, "media_url": f"http://pbs.twimg.com/media/{name}",
                 "media_url_https": f"https://pbs.twimg.com/media/{name}", "id_str": f"{tid}{i}",
                 "id": f"{tid}{i}", "type": kind, "display_url": f"pic.x.com/{tid[-6:]}",
                 "sizes": {"large": {"w": "96", "h": "64", "resize": "fit"}}}
            if kind == "video":
                stem = name.rsplit(".", 1)[0]
                m["media_url_https"] = f"https://pbs.twimg.com/ext_tw_video_thumb/{tid}/pu/img/{stem}.jpg"
                m["video_info"] = {"aspect_ratio": ["16", "9"], "variants": [
                    {"bitrate": "832000", "content_type": "video/mp4",
                     "url": f"https://video.twimg.com/ext_tw_video/{tid}/pu/vid/640x360/{name}?tag=12"}]}
            entries.append(m)
        tw["entities"]["media"] = entries
        tw["extended_entities"] = {"media": entries}
    if reply_to:
        tw["in_reply_to_status_id_str"] = tw["in_reply_to_status_id"] = reply_to[0]
        tw["in_reply_to_screen_name"] = reply_to[1]
        tw["in_reply_to_user_id_str"] = "1"
    if coordinates:
        lat, lon = coordinates
        tw["coordinates"] = {"type": "Point", "coordinates": [str(lon), str(lat)]}
        tw["geo"] = {"type": "Point", "coordinates": [str(lat), str(lon)]}
    if retweeted:
        tw["retweeted_status"] = retweeted
    return tw


def _js_array(fh, name: str, records: Iterable[Any], part: int = 0) -> None:
    fh.write(f"window.YTD.{name}.part{part} = [".encode())
    first = True
    for rec in records:
        fh.write(("\n  " if first else ",\n  ").encode() + json.dumps(rec, ensure_ascii=False, indent=None).encode())
        first = False
    fh.write(b"\n]")


def write_x_archive(path: Path, *, account: dict | None, profile: dict | None, tweets: Iterable[dict],
                    notes: Iterable[dict] = (), likes: Iterable[dict] = (), following: Iterable[str] = (),
                    media: Mapping[str, bytes] | None = None) -> Path:
    """An X archive .zip: data/*.js in the window.YTD wrapper, media in data/tweets_media/.

    `tweets` may be a generator (written streaming); `media` maps "<tweet id>-<file>" to bytes.
    """
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        def member(name: str):
            return zf.open(zinfo(name), "w", force_zip64=True)
        zf.writestr(zinfo("Your archive.html"), "<html><body>Your archive</body></html>")
        if account:
            with member("data/account.js") as fh:
                _js_array(fh, "account", [{"account": account}])
        if profile:
            with member("data/profile.js") as fh:
                _js_array(fh, "profile", [{"profile": profile}])
        with member("data/tweets.js") as fh:
            _js_array(fh, "tweets", ({"tweet": t} for t in tweets))
        with member("data/note-tweet.js") as fh:
            _js_array(fh, "noteTweet", ({"noteTweet": n} for n in notes))
        with member("data/like.js") as fh:
            _js_array(fh, "like", ({"like": like} for like in likes))
        with member("data/following.js") as fh:
            _js_array(fh, "following", ({"following": {"accountId": str(uid),
                                                       "userLink": f"https://twitter.com/intent/user?user_id={uid}"}}
                                        for uid in following))
        for name, data in (media or {}).items():
            zf.writestr(zinfo(f"data/tweets_media/{name}", zipfile.ZIP_STORED), data)
    return path


def x_note(note_id: str, text: str, when: datetime) -> dict:
    iso = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"noteTweetId": note_id, "updatedAt": iso, "lifecycle": {"value": "0", "name": "Created",
            "originalTypeName": "", "enumValueName": ""}, "createdAt": iso,
            "core": {"styletags": [], "urls": [], "text": text, "mentions": [], "cashtags": [], "hashtags": []}}


# -- Mastodon --------------------------------------------------------------------------------

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def mastodon_actor(base: str, username: str, name: str, bio_html: str, fields: Iterable[tuple[str, str]] = ()) -> dict:
    actor = f"{base}/users/{username}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor, "type": "Person", "following": f"{actor}/following", "followers": f"{actor}/followers",
        "inbox": f"{actor}/inbox", "outbox": "outbox.json", "preferredUsername": username, "name": name,
        "summary": bio_html, "url": f"{base}/@{username}", "manuallyApprovesFollowers": False,
        "discoverable": True, "published": "2022-11-05T00:00:00Z",
        "attachment": [{"type": "PropertyValue", "name": k, "value": v} for k, v in fields],
        "icon": {"type": "Image", "mediaType": "image/png", "url": "avatar.png"}, "likes": "likes.json",
    }


def mastodon_note(base: str, username: str, sid: str | int, html: str, when: datetime, *,
                  visibility: str = "public", reply_to: str | None = None, summary: str | None = None,
                  attachments: Iterable[dict] = ()) -> dict:
    actor = f"{base}/users/{username}"
    status = f"{actor}/statuses/{sid}"
    to, cc = {"public": ([PUBLIC], [f"{actor}/followers"]), "unlisted": ([f"{actor}/followers"], [PUBLIC]),
              "followers": ([f"{actor}/followers"], []), "direct": ([], [])}[visibility]
    published = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": f"{status}/activity", "type": "Create", "actor": actor, "published": published, "to": to, "cc": cc,
        "object": {
            "id": status, "type": "Note", "summary": summary, "inReplyTo": reply_to, "published": published,
            "url": f"{base}/@{username}/{sid}", "attributedTo": actor, "to": to, "cc": cc,
            "sensitive": bool(summary), "atomUri": status, "inReplyToAtomUri": reply_to,
            "conversation": f"tag:{base.split('//')[1]},2024:objectId={sid}:objectType=Conversation",
            "content": html, "contentMap": {"en": html}, "attachment": list(attachments), "tag": [],
            "replies": {"id": f"{status}/replies", "type": "Collection"},
        },
    }


def mastodon_attachment(path: str, alt: str | None, media_type: str = "image/jpeg") -> dict:
    return {"type": "Document", "mediaType": media_type, "url": path, "name": alt,
            "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", "width": 96, "height": 64}


def mastodon_boost(base: str, username: str, sid: str | int, target: str, when: datetime) -> dict:
    actor = f"{base}/users/{username}"
    return {"id": f"{actor}/statuses/{sid}/activity", "type": "Announce", "actor": actor,
            "published": when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "to": [PUBLIC], "cc": [f"{actor}/followers"], "object": target}


def write_mastodon_archive(path: Path, *, actor: dict, activities: Iterable[dict], likes: Iterable[str] = (),
                           media: Mapping[str, bytes] | None = None, total: int | None = None) -> Path:
    """A Mastodon archive .tar.gz; the outbox is streamed to a temporary file first (tar needs sizes)."""
    with tempfile.TemporaryDirectory() as tmp:
        outbox = Path(tmp) / "outbox.json"
        count = 0
        with open(outbox, "w", encoding="utf-8") as fh:
            fh.write('{"@context":"https://www.w3.org/ns/activitystreams","id":"outbox.json",'
                     '"type":"OrderedCollection","totalItems":%d,"orderedItems":[' % (total or 0))
            for i, act in enumerate(activities):
                fh.write(("," if i else "") + json.dumps(act, ensure_ascii=False))
                count += 1
            fh.write("]}")
        likes_doc = {"@context": "https://www.w3.org/ns/activitystreams", "id": "likes.json",
                     "type": "OrderedCollection", "orderedItems": list(likes)}
        with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, \
                tarfile.open(fileobj=gz, mode="w") as tar:
            def add_bytes(name: str, data: bytes) -> None:
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode = len(data), FIXED_EPOCH, 0o644
                tar.addfile(info, io.BytesIO(data))
            add_bytes("actor.json", json.dumps(actor, ensure_ascii=False).encode())
            info = tar.gettarinfo(str(outbox), "outbox.json")
            info.mtime, info.uid, info.gid, info.uname, info.gname = FIXED_EPOCH, 0, 0, "", ""
            with open(outbox, "rb") as fh:
                tar.addfile(info, fh)
            add_bytes("likes.json", json.dumps(likes_doc).encode())
            add_bytes("bookmarks.json", b'{"type":"OrderedCollection","orderedItems":[]}')
            for name, data in (media or {}).items():
                add_bytes(name.lstrip("/"), data)
    return path


def write_following_csv(path: Path, addresses: Iterable[str]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Account address,Show boosts,Notify on new posts,Languages\n")
        for a in addresses:
            fh.write(f"{a},true,false,\n")
    return path


# -- Instagram / Facebook ------------------------------------------------------------------------

def meta_mojibake(obj: Any) -> Any:
    """Encode text the way Meta's exports do: each UTF-8 byte written as one (latin-1) character."""
    if isinstance(obj, str):
        return obj.encode("utf-8").decode("latin-1")
    if isinstance(obj, list):
        return [meta_mojibake(v) for v in obj]
    if isinstance(obj, dict):
        return {k: meta_mojibake(v) for k, v in obj.items()}
    return obj


def write_meta_zip(path: Path, files: Mapping[str, Any], media: Mapping[str, bytes] | None = None) -> Path:
    """A "Download your information" JSON export; text mis-encoded and \\u-escaped as Meta does."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, doc in files.items():
            zf.writestr(zinfo(name), json.dumps(meta_mojibake(doc), indent=2, ensure_ascii=True))
        for name, data in (media or {}).items():
            zf.writestr(zinfo(name, zipfile.ZIP_STORED), data)
    return path


def instagram_post(caption: str, ts: int, uris: Iterable[str], *, gps: tuple[float, float] | None = None) -> dict:
    media = []
    for uri in uris:
        m: dict[str, Any] = {"uri": uri, "creation_timestamp": ts, "title": caption if len(media) == 0 else "",
                             "cross_post_source": {"source_app": "FB"}, "backup_uri": ""}
        if gps:
            m["media_metadata"] = {"photo_metadata": {"exif_data": [{"latitude": gps[0], "longitude": gps[1]}]}}
        media.append(m)
    return {"media": media, "title": caption, "creation_timestamp": ts}


def instagram_list(key: str, entries: Iterable[tuple[str, str, int]]) -> dict:
    """following.json / liked_posts.json shapes: (title, href, timestamp) → string_list_data."""
    return {key: [{"title": title, "media_list_data": [],
                   "string_list_data": [{"href": href, "value": title if key == "relationships_following" else "👍",
                                         "timestamp": ts}]}
                  for title, href, ts in entries]}


def instagram_profile(username: str, name: str, bio: str, website: str = "") -> dict:
    def v(value: str) -> dict:
        return {"href": "", "value": value, "timestamp": 0}
    data = {"Username": v(username), "Name": v(name), "Bio": v(bio), "Gender": v(""), "Private Account": v("False")}
    if website:
        data["Website"] = v(website)
    return {"profile_user": [{"media_map_data": {}, "string_map_data": data, "title": ""}]}
