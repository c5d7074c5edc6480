"""Items already in the contract format, from a JSON Lines file or a folder of them.

Used by the demo and by boards that collect activity with another tool. A file is a complete
listing of the account's activity, so every item type counts as fully covered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from auditor.items import ITEM_TYPES, read_jsonl
from connectors.base import AccountRef, Connector, Coverage, NotFound, Page

PAGE_SIZE = 500


class JsonlConnector(Connector):
    platform = "jsonl"
    fetches_media = False  # items arrive as they are; local `path`s, if any, are used directly

    def __init__(self, options: dict | str | Path, **_):
        source = options.get("path") if isinstance(options, dict) else options
        if not source:
            raise NotFound("the jsonl connector needs a 'path' in its [platforms.<name>] settings")
        self.source = Path(source)

    def files(self) -> list[Path]:
        if self.source.is_dir():
            return sorted(self.source.glob("*.jsonl"))
        if self.source.exists():
            return [self.source]
        raise NotFound(f"{self.source} does not exist")

    def fetch(self, account: AccountRef, cursor: dict | None) -> Iterator[Page]:
        """Yield the account's items; the cursor is a digest of the files, so nothing new → no work."""
        files = self.files()
        digest = hashlib.sha256()
        for f in files:
            digest.update(f.read_bytes())
        signature = digest.hexdigest()
        if cursor and cursor.get("signature") == signature:
            return
        handle = account.handle.lower().lstrip("@")
        coverage = Coverage(complete_types=set(ITEM_TYPES))
        batch: list[dict] = []
        for f in files:
            for item in read_jsonl(f):
                if item["platform"] == account.platform and item["account"].lower().lstrip("@") == handle:
                    batch.append(item)
                    coverage.item_ids.add(item["id"])
        # One page: the listing is complete only when all of it was read, so it is committed whole.
        yield Page(batch, {"signature": signature}, coverage)
