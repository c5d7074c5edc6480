"""Normalized items: the contract between connectors and checkers (DESIGN.md).

Items stay plain dicts so that JSON Lines, connectors and importers all speak the same thing
without a conversion layer; this module only validates them and offers the few views checkers
share (the text an item carries, and which content an endorsement points at).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

PLATFORMS = frozenset(
    {"x", "bluesky", "mastodon", "instagram", "facebook", "youtube", "blog", "flickr", "pinterest"}
)
ITEM_TYPES = frozenset({"post", "like", "follow", "profile"})
POST_KINDS = frozenset({"original", "reply", "repost", "quote"})
# Keys every item of a type must carry; everything else is optional ("unknown").
REQUIRED = {
    "post": ("type", "platform", "account", "id"),
    "like": ("type", "platform", "account", "id", "post"),
    "follow": ("type", "platform", "account", "id", "target"),
    "profile": ("type", "platform", "account", "id"),
}


class ItemError(ValueError):
    """An item that cannot be used; the message names where it came from and what was expected."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.detail = message


def validate_item(obj: Any, where: str) -> dict:
    """Return the item if it honours the contract, else raise ItemError naming the field."""
    if not isinstance(obj, dict):
        raise ItemError(where, "expected a JSON object")
    typ = obj.get("type")
    if typ not in ITEM_TYPES:
        raise ItemError(where, f"type: expected one of {', '.join(sorted(ITEM_TYPES))}, got {typ!r}")
    for key in REQUIRED[typ]:
        if obj.get(key) in (None, ""):
            raise ItemError(where, f"{key}: required for a {typ} item")
    if obj["platform"] not in PLATFORMS:
        raise ItemError(where, f"platform: expected one of {', '.join(sorted(PLATFORMS))}, got {obj['platform']!r}")
    for key in ("id", "account"):
        if not isinstance(obj[key], str):
            raise ItemError(where, f"{key}: expected a string")
    if typ == "post":
        kind = obj.get("kind", "original")
        if kind not in POST_KINDS:
            raise ItemError(where, f"kind: expected one of {', '.join(sorted(POST_KINDS))}, got {kind!r}")
        if obj.get("text") is not None and not isinstance(obj["text"], str):
            raise ItemError(where, "text: expected a string")
        if obj.get("quoted") is not None and not isinstance(obj["quoted"], dict):
            raise ItemError(where, "quoted: expected an object")
        _check_media(obj, where)
        place = obj.get("place")
        if place is not None and not isinstance(place, dict):
            raise ItemError(where, "place: expected an object or null")
    elif typ == "like" and not isinstance(obj["post"], dict):
        raise ItemError(where, "post: expected an object")
    elif typ == "follow" and not isinstance(obj["target"], dict):
        raise ItemError(where, "target: expected an object")
    return obj


def _check_media(obj: dict, where: str) -> None:
    media = obj.get("media")
    if media is None:
        return
    if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
        raise ItemError(where, "media: expected a list of objects")


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Yield validated items from a JSON Lines file; blank lines are skipped.

    A corrupt line raises ItemError as `file:line: reason`, so a teacher can find it.
    """
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise ItemError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ItemError(where, f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
            except UnicodeDecodeError as exc:
                raise ItemError(where, "not valid UTF-8") from exc
            yield validate_item(obj, where)


@dataclass(frozen=True)
class ContentView:
    """One piece of post content an item puts forward, and how the account endorsed it.

    `via` is None for the account's own words, else "repost", "quote" or "like" (DESIGN.md: an
    endorsement of content that breaks a rule is a finding of that rule, marked with `via`).
    `path` says where in the item the content sits, for evidence ("text", "quoted.text", ...).
    """

    post: dict
    via: str | None
    path: str


def content_views(item: dict) -> Iterator[ContentView]:
    """The post content an item carries: its own, and what it endorses."""
    typ = item.get("type")
    if typ == "post":
        kind = item.get("kind") or "original"
        yield ContentView(item, "repost" if kind == "repost" else None, "")
        quoted = item.get("quoted")
        if isinstance(quoted, dict):
            yield ContentView(quoted, "quote", "quoted")
    elif typ == "like":
        post = item.get("post")
        if isinstance(post, dict):
            yield ContentView(post, "like", "post")


def text_fields(post: dict, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every human-written text of a post: body and media alt text."""
    dot = f"{prefix}." if prefix else ""
    text = post.get("text")
    if isinstance(text, str) and text:
        yield f"{dot}text", text
    for i, media in enumerate(post.get("media") or ()):
        if isinstance(media, dict):
            alt = media.get("alt")
            if isinstance(alt, str) and alt:
                yield f"{dot}media[{i}].alt", alt


def item_texts(item: dict) -> Iterator[tuple[str, str, str | None]]:
    """(field path, text, via) for every text in an item, endorsed content included."""
    for view in content_views(item):
        for path, text in text_fields(view.post, view.path):
            yield path, text, view.via


def get_field(item: dict, path: str) -> Any:
    """Resolve a field path produced by text_fields (e.g. `quoted.media[0].alt`)."""
    cur: Any = item
    for part in path.split("."):
        if "[" in part:
            name, idx = part[:-1].split("[")
            cur = cur.get(name)[int(idx)]
        else:
            cur = cur.get(part)
    return cur


def iter_items(sources: Iterable[str | Path]) -> Iterator[dict]:
    for src in sources:
        yield from read_jsonl(src)
