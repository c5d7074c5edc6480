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
    problem = item_problem(obj)
    if problem is not None:
        raise ItemError(where, problem)
    return obj


def item_problem(obj: Any) -> str | None:
    """What breaks the contract in `obj` (the first broken field), or None for a usable item.

    Runs once per item read (100,000 in a large `auditor check`): plain lookups, no helpers.
    """
    if not isinstance(obj, dict):
        return "expected a JSON object"
    get = obj.get
    typ = get("type")
    if typ not in _ITEM_TYPE_NAMES:  # a tuple: an unhashable value is refused, not a TypeError
        return f"type: expected one of {', '.join(sorted(ITEM_TYPES))}, got {typ!r}"
    for key in REQUIRED[typ]:
        if get(key) in (None, ""):
            return f"{key}: required for a {typ} item"
    platform = obj["platform"]
    if platform not in _PLATFORM_NAMES:
        return f"platform: expected one of {', '.join(sorted(PLATFORMS))}, got {platform!r}"
    if not isinstance(obj["id"], str):
        return "id: expected a string"
    if not isinstance(obj["account"], str):
        return "account: expected a string"
    if typ == "post":
        kind = get("kind", "original")
        if kind not in _POST_KIND_NAMES:
            return f"kind: expected one of {', '.join(sorted(POST_KINDS))}, got {kind!r}"
        text = get("text")
        if text is not None and not isinstance(text, str):
            return "text: expected a string"
        quoted = get("quoted")
        if quoted is not None and not isinstance(quoted, dict):
            return "quoted: expected an object"
        media = get("media")
        if media is not None and (not isinstance(media, list) or not all(isinstance(m, dict) for m in media)):
            return "media: expected a list of objects"
        place = get("place")
        if place is not None and not isinstance(place, dict):
            return "place: expected an object or null"
    elif typ == "like" and not isinstance(obj["post"], dict):
        return "post: expected an object"
    elif typ == "follow" and not isinstance(obj["target"], dict):
        return "target: expected an object"
    return None


# The allowed values as tuples of str: `x in tuple` compares by equality, so a list or an object
# where a name belongs is reported as a wrong value instead of raising TypeError (unhashable).
_ITEM_TYPE_NAMES = tuple(sorted(ITEM_TYPES))
_PLATFORM_NAMES = tuple(sorted(PLATFORMS))
_POST_KIND_NAMES = tuple(sorted(POST_KINDS))


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """Yield validated items from a JSON Lines file; blank lines are skipped.

    A corrupt line raises ItemError as `file:line: reason`, so a teacher can find it.
    """
    path = Path(path)
    try:
        fh = path.open(encoding="utf-8")
    except OSError as exc:
        raise ItemError(str(path), f"cannot read: {exc.strerror or exc}") from exc
    loads = json.loads
    with fh:
        lines = enumerate(fh, 1)
        while True:
            try:
                lineno, line = next(lines)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:  # raised while reading ahead: find the line itself
                raise ItemError(f"{path}:{_first_undecodable_line(path)}", "not valid UTF-8") from exc
            if line.isspace():  # file lines are never empty: they end with a newline or hold text
                continue
            try:
                obj = loads(line)
            except json.JSONDecodeError as exc:
                raise ItemError(f"{path}:{lineno}", f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
            problem = item_problem(obj)
            if problem is not None:
                raise ItemError(f"{path}:{lineno}", problem)
            yield obj


def _first_undecodable_line(path: Path) -> int:
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return lineno
    return 1


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
