"""Shared helpers for the export importer tests: fixture paths and a run that collects pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.items import validate_item
from connectors.base import AccountRef
from connectors.exports import open_export

DATA = Path(__file__).resolve().parents[2] / "data" / "exports"
BAD = DATA / "malformed"


def run(platform: str, path: Path, handle: str, cache: Path, cursor=None, **imports):
    """(connector, pages) of one import; every item is checked against the contract."""
    conn = open_export(platform, path, settings={"imports": {"cache_dir": str(cache), **imports}})
    pages = list(conn.fetch(AccountRef(platform, handle), cursor))
    for page in pages:
        for item in page.items:
            validate_item(item, "test")
    return conn, pages


def items_of(pages) -> list[dict]:
    return [i for p in pages for i in p.items]


def by_id(pages) -> dict[str, dict]:
    return {i["id"]: i for i in items_of(pages)}


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "cache"
