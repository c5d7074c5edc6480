"""The bounded media fetcher: brings an item's images to local files so the checkers can read them.

Post media are untrusted URLs that a scan would otherwise fetch blindly, so every download is
fenced in (DESIGN.md, "the auditor's own duty of care"):

- https only, and only from the platform's own media hosts (plus hosts the board lists in
  `[platforms.<name>] media_hosts`); a redirect is followed only to another allowed https host;
- a connect/read timeout and an overall deadline per image, and a size cap checked against
  Content-Length before reading and against the bytes actually read while reading;
- the response must say it is a raster image (Content-Type image/*, SVG refused), and the bytes
  must decode with Pillow as JPEG, PNG, GIF or WebP, with the decompression-bomb guard on.

A file is stored under the SHA-256 of its URL, so the nightly rescan of an old post reuses the
download; analysis results are cached by content hash in `auditor.images`. The fetcher does not
judge anything: it only sets `media[i]["path"]` (or `media[i]["fetch_error"]`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from auditor.items import content_views

DEFAULT_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_TIMEOUT = 10.0
MAX_REDIRECTS = 3
CHUNK = 64 * 1024
USER_AGENT = "staff-social-auditor/0.1 (+school board compliance audit)"
IMAGE_FORMATS = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}

# Where each platform serves media from (a host matches itself and its subdomains).
MEDIA_HOSTS: dict[str, tuple[str, ...]] = {
    "x": ("pbs.twimg.com", "video.twimg.com", "ton.twimg.com"),
    "bluesky": ("cdn.bsky.app", "video.bsky.app", "bsky.network", "bsky.social"),
    "mastodon": ("cdn.masto.host",),  # plus the account's own instance, see allowed_hosts()
    "instagram": ("cdninstagram.com", "fbcdn.net"),
    "facebook": ("fbcdn.net",),
    "youtube": ("ytimg.com", "ggpht.com"),
    "flickr": ("staticflickr.com",),
    "pinterest": ("pinimg.com",),
    "blog": (),  # the blog's own host, see allowed_hosts()
}


@dataclass(frozen=True)
class MediaResult:
    field: str  # "media[0]", "quoted.media[1]", "post.media[0]"
    url: str
    path: str | None
    error: str | None = None


class MediaRefused(Exception):
    """The download broke one of the fences; the message says which."""


def allowed_hosts(item: dict, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """Media hosts trusted for this item: the platform's, the account's instance for Mastodon,
    the blog's own host for a blog, and whatever the board configured."""
    platform = item.get("platform", "")
    hosts = list(MEDIA_HOSTS.get(platform, ()))
    if platform == "mastodon":
        handle = str(item.get("account", "")).lstrip("@")
        if "@" in handle:
            hosts.append(handle.rsplit("@", 1)[1].lower())
    if platform == "blog":
        url_host = urlsplit(str(item.get("url") or "")).hostname
        if url_host:
            hosts.append(url_host.lower())
    hosts += [h.lower().lstrip(".") for h in extra if h]
    return tuple(dict.fromkeys(hosts))


def host_allowed(host: str | None, hosts: Iterable[str]) -> bool:
    if not host:
        return False
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


def _check_url(url: str, hosts: Iterable[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise MediaRefused(f"not https ({parts.scheme or 'no scheme'})")
    if parts.username or parts.password:
        raise MediaRefused("credentials in the URL")
    if not host_allowed(parts.hostname, hosts):
        raise MediaRefused(f"host {parts.hostname} is not one of the platform's media hosts")


def fetch_image(url: str, dest_dir: Path, hosts: Iterable[str], *, session: requests.Session,
                max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Download one image inside the fences and return its local path; raise MediaRefused."""
    from auditor.images import ImageError, open_image

    hosts = tuple(hosts)
    _check_url(url, hosts)  # before the cache: a stored file is no excuse for a forbidden host
    dest_dir.mkdir(parents=True, exist_ok=True)
    stem = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
    for ext in IMAGE_FORMATS.values():
        cached = dest_dir / f"{stem}{ext}"
        if cached.exists():
            return cached
    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        _check_url(current, hosts)
        try:
            resp = session.get(current, stream=True, timeout=(timeout, timeout), allow_redirects=False,
                               headers={"User-Agent": USER_AGENT, "Accept": "image/*"})
        except requests.RequestException as exc:
            raise MediaRefused(f"download failed: {type(exc).__name__}") from exc
        if resp.is_redirect:
            location = resp.headers.get("Location", "")
            resp.close()
            current = urljoin(current, location)
            continue
        break
    else:
        raise MediaRefused(f"more than {MAX_REDIRECTS} redirects")
    with resp:
        if resp.status_code != 200:
            raise MediaRefused(f"HTTP {resp.status_code}")
        ctype = resp.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if not ctype.startswith("image/") or ctype == "image/svg+xml":
            raise MediaRefused(f"content type {ctype or 'missing'} is not a raster image")
        length = resp.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise MediaRefused(f"{length} bytes is more than the {max_bytes}-byte cap")
        fd, tmp_name = tempfile.mkstemp(dir=dest_dir, suffix=".part")
        tmp = Path(tmp_name)
        try:
            size = 0
            with os.fdopen(fd, "wb") as out:
                try:
                    for chunk in resp.iter_content(CHUNK):
                        size += len(chunk)
                        if size > max_bytes:
                            raise MediaRefused(f"more than the {max_bytes}-byte cap")
                        if time.monotonic() > deadline:
                            raise MediaRefused(f"took longer than {timeout:g} s")
                        out.write(chunk)
                except requests.RequestException as exc:
                    raise MediaRefused(f"download failed: {type(exc).__name__}") from exc
            try:
                img = open_image(tmp)
                with img:
                    fmt = img.format
                    img.load()  # a full decode: truncated or disguised files fail here
            except (ImageError, OSError, ValueError, SyntaxError) as exc:
                raise MediaRefused(f"not a decodable image: {exc}") from exc
            if fmt not in IMAGE_FORMATS:
                raise MediaRefused(f"image format {fmt} is not accepted")
            final = dest_dir / f"{stem}{IMAGE_FORMATS[fmt]}"
            os.replace(tmp, final)
            return final
        finally:
            if tmp.exists():
                tmp.unlink()


def attach_media(item: dict, cache_dir: str | Path, *, extra_hosts: Iterable[str] = (),
                 session: requests.Session | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 timeout: float = DEFAULT_TIMEOUT) -> list[MediaResult]:
    """Fetch the item's images (its own, quoted, reposted or liked) and set `path` on each.

    Media that already have a readable `path` (exports, earlier runs) are left alone; a refused
    download sets `fetch_error` so that a report can say which image could not be checked.
    """
    cache = Path(cache_dir)
    hosts = allowed_hosts(item, extra_hosts)
    own_session = session is None
    session = session or requests.Session()
    results = []
    try:
        for view in content_views(item):
            for i, media in enumerate(view.post.get("media") or ()):
                if not isinstance(media, dict) or media.get("type", "image") not in ("image", "gif"):
                    continue
                field = f"{view.path}.media[{i}]" if view.path else f"media[{i}]"
                existing = media.get("path")
                if existing and Path(existing).is_file():
                    results.append(MediaResult(field, str(media.get("url", "")), existing))
                    continue
                url = media.get("url")
                if not isinstance(url, str) or not url:
                    continue
                try:
                    path = fetch_image(url, cache, hosts, session=session, max_bytes=max_bytes, timeout=timeout)
                except MediaRefused as exc:
                    media.pop("path", None)
                    media["fetch_error"] = str(exc)
                    results.append(MediaResult(field, url, None, str(exc)))
                    continue
                media["path"] = str(path)
                media.pop("fetch_error", None)
                results.append(MediaResult(field, url, str(path)))
    finally:
        if own_session:
            session.close()
    return results


def media_options(settings, platform: str) -> dict:
    """attach_media keyword arguments from the settings ([media] and [platforms.<name>] media_hosts)."""
    media = settings["media"]
    table = settings.platforms.get(platform, {})
    return {"extra_hosts": tuple(table.get("media_hosts") or ()), "max_bytes": media["max_bytes"],
            "timeout": float(media["timeout_seconds"])}


def media_cache_dir(settings) -> Path:
    value = settings["media"]["cache_dir"]
    return settings.resolve_path(value) if value else Path(tempfile.gettempdir()) / "auditor-media"
