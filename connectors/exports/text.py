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

from bs4 import BeautifulSoup

_BLOCK = ("p", "br", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "pre")


def html_to_text(markup: str | None) -> str:
    """Plain text of post HTML: paragraphs and line breaks become newlines, links their text."""
    if not markup:
        return ""
    if "<" not in markup and "&" not in markup:
        return markup
    soup = BeautifulSoup(markup, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for el in soup.find_all(_BLOCK):
        el.insert_after("\n")
    # Mastodon hides the scheme and the middle of long links in "invisible"/"ellipsis" spans;
    # the link's text then reads as the whole URL, which is what a reader sees.
    text = soup.get_text()
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_links(markup: str | None) -> list[str]:
    if not markup or "<a" not in markup:
        return []
    soup = BeautifulSoup(markup, "html.parser")
    return [a["href"] for a in soup.find_all("a", href=True)]


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


def from_x(value: str | None) -> str | None:
    """X archive time: `Sat Feb 18 12:33:11 +0000 2023`."""
    if not value:
        return None
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
