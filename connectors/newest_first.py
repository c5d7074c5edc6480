"""Resumable reading of listings that come newest first (YouTube uploads, Instagram media,
Facebook Page posts).

Such a listing can only be read from the top, so a cursor cannot say "continue after page k" in
a way that survives new posts arriving or old ones being deleted between runs. Instead the cursor
holds two things:

- `mark`: the time of the newest item stored by the last *complete* pass, with the ids that
  share that time. A pass stops at the first item older than the mark; items at the mark's time
  whose ids it lists are skipped, so nothing at the boundary is read twice or missed.
- `partial`: while a pass is under way, the ids it has already handed over (each page's cursor
  carries them). If the pass dies, the rerun walks from the top again but skips those ids, so a
  failure mid-way neither loses nor duplicates an item; only the page requests are repeated.

The mark advances only on the pass's last page, once every newer item has been stored.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def iso_utc(value: Any) -> str | None:
    """Any ISO-8601 time (Graph's `+0000`, Google's `Z`, fractions) or epoch seconds as
    `YYYY-MM-DDTHH:MM:SSZ`, which sorts and compares as text."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        dt = datetime.fromtimestamp(value, tz=timezone.utc)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():  # +0000 → +00:00
            text = text[:-2] + ":" + text[-2:]
        try:
            dt = datetime.fromisoformat(text)
        except ValueError:
            return None
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class NewestFirstPass:
    """One pass over a newest-first listing, started from a stored cursor."""

    def __init__(self, cursor: dict[str, Any] | None):
        cursor = cursor or {}
        self.base = {k: v for k, v in cursor.items() if k not in ("mark", "partial")}
        self.mark: dict[str, Any] | None = cursor.get("mark")
        partial = cursor.get("partial") or {}
        self.done: set[str] = set(partial.get("done") or [])
        self.top: dict[str, Any] | None = partial.get("top")
        self.finished = False

    @property
    def mark_time(self) -> str | None:
        return (self.mark or {}).get("time")

    def is_older_than_mark(self, time: str | None) -> bool:
        """True once the listing has gone past what the last complete pass stored: stop here."""
        return bool(time and self.mark_time and time < self.mark_time)

    def wanted(self, item_id: str, time: str | None) -> bool:
        """Whether to hand this item over (and note it as a candidate for the next mark)."""
        self._see(item_id, time)
        if item_id in self.done:
            return False
        if self.mark and time == self.mark_time and item_id in set(self.mark.get("ids") or []):
            return False
        return True

    def _see(self, item_id: str, time: str | None) -> None:
        if not time:
            return
        if self.top is None or time > self.top["time"]:
            self.top = {"time": time, "ids": [item_id]}
        elif time == self.top["time"] and item_id not in self.top["ids"]:
            self.top["ids"].append(item_id)

    def page_cursor(self, stored_ids: list[str], **extra: Any) -> dict[str, Any]:
        """The cursor to store with a page that is not the pass's last."""
        self.done.update(stored_ids)
        cursor = {**self.base, **extra}
        if self.mark:
            cursor["mark"] = self.mark
        cursor["partial"] = {"top": self.top, "done": sorted(self.done)}
        return cursor

    def final_cursor(self, **extra: Any) -> dict[str, Any]:
        """The cursor for the pass's last page: the mark moves to the newest item seen."""
        cursor = {**self.base, **extra}
        mark = self.mark
        if self.top and (not mark or self.top["time"] > mark["time"]):
            mark = self.top
        elif self.top and mark and self.top["time"] == mark["time"]:
            mark = {"time": mark["time"], "ids": sorted(set(mark["ids"]) | set(self.top["ids"]))}
        if mark:
            cursor["mark"] = mark
        self.finished = True
        return cursor
