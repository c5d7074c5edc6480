"""Helpers for connector tests: a fake clock, fixture loading, and a scanner stand-in that
stores pages. (A uniquely named module, so it never shadows another folder's conftest.)"""

from __future__ import annotations

import json
from pathlib import Path

from connectors.base import AccountRef, ConnectorError

DATA = Path(__file__).resolve().parent.parent / "data" / "connectors"


def load(name: str):
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class FakeClock:
    """Time that only moves when someone sleeps, so pacing is exact and instant."""

    def __init__(self, start: float = 1_800_000_000.0):
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Store:
    """What the scanner keeps per account: items by id (counting duplicates), the cursor, and the
    connector state, each committed only with a whole page."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.writes: dict[str, int] = {}
        self.cursor = None
        self.pages = 0

    def run(self, connector, account: AccountRef):
        """Drive one fetch; return the error it ended with (or None)."""
        try:
            for page in connector.fetch(account, self.cursor):
                for item in page.items:
                    self.items[item["id"]] = item
                    self.writes[item["id"]] = self.writes.get(item["id"], 0) + 1
                self.cursor = page.cursor
                self.pages += 1
        except ConnectorError as exc:
            return exc
        return None

    def duplicates(self, types=("post", "like")) -> list[str]:
        """Items written twice. Follows and profiles are re-listed in full by design."""
        return [i for i, n in self.writes.items() if n > 1 and self.items[i]["type"] in types]
