"""Text and time as exports write them, turned into what the item contract promises.

Exports carry HTML (Mastodon), entity-escaped text (X), UTF-8 read back as latin-1 (Meta), and
four different ways to write a time; checkers need plain text and ISO-8601 UTC.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from html.parser import HTMLParser

_BLOCK = frozenset({"p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr"})
_SKIP = frozenset({"script", "style"})


class _TextParser(HTMLParser):
    """Collects the text a reader sees; blocks and <br> become line breaks, links keep their text.

    Mastodon splits long link texts into "invisible" and "ellipsis" spans; joined, they read as
    the whole URL, which is the most useful text for the checks.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")
        elif tag in _SKIP:
            self._skip += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)

    def handle_endtag(self, tag):
        if tag in _BLOCK:
            self.parts.append("\n")
        elif tag in _SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _parse(markup: str) -> _TextParser:
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser


def html_to_text(markup: str | None) -> str:
    """Plain text of post HTML: paragraphs and line breaks become newlines, links their text."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return markup
    text = "".join(_parse(markup).parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_links(markup: str | None) -> list[str]:
    if not markup or "<a" not in markup:
        return []
    return _parse(markup).links


def unescape(text: str | None) -> str:
    return html.unescape(text or "")


def repair_mojibake(text: str) -> str:
    """Meta exports write UTF-8 bytes as if each were a latin-1 character ("Ã©" for "é")."""
    if not text or not any("\x80" <= c <= "\xff" for c in text):
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text  # already proper text (or mixed): leave it alone


def repair_tree(obj: Any) -> Any:
    """repair_mojibake applied to every string (keys too) of a decoded JSON value."""
    if isinstance(obj, str):
        return repair_mojibake(obj)
    if isinstance(obj, list):
        return [repair_tree(v) for v in obj]
    if isinstance(obj, dict):
        return {repair_mojibake(k): repair_tree(v) for k, v in obj.items()}
    return obj


def iso_utc(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_epoch(value: Any) -> str | None:
    try:
        return iso_utc(datetime.fromtimestamp(int(value), tz=timezone.utc))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                         "Nov", "Dec"), 1)}


def from_x(value: str | None) -> str | None:
    """X archive time: `Sat Feb 18 12:33:11 +0000 2023` (parsed by hand: strptime is slow at 100k)."""
    if not value:
        return None
    parts = value.split()
    if len(parts) == 6 and parts[1] in _MONTHS and parts[4] == "+0000":
        try:
            h, mi, sec = (int(x) for x in parts[3].split(":"))
            return f"{int(parts[5]):04d}-{_MONTHS[parts[1]]:02d}-{int(parts[2]):02d}T{h:02d}:{mi:02d}:{sec:02d}Z"
        except ValueError:
            pass
    try:
        return iso_utc(datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y"))
    except ValueError:
        try:
            return iso_utc(parsedate_to_datetime(value))
        except (TypeError, ValueError):
            return from_iso(value)


def from_iso(value: str | None) -> str | None:
    """ISO-8601 in any of its common spellings (`Z`, offsets, fractions) → UTC `...Z`."""
    if not value or not isinstance(value, str):
        return None
    v = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python 3.11 accepts up to 6 fractional digits; atproto allows more.
    v = re.sub(r"(\.\d{6})\d+", r"\1", v)
    try:
        return iso_utc(datetime.fromisoformat(v))
    except ValueError:
        return None
