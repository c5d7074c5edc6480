"""The demo's sample exports: real formats, for accounts of the sample board, and the findings they
are meant to raise (config/sample/exports/expected.csv) are exactly the findings they do raise."""

from __future__ import annotations

import csv
from pathlib import Path


from auditor.checkrun import build_engine
from auditor.config import load_settings
from auditor.registry import load_registry_dir
from connectors.base import AccountRef
from connectors.exports import open_export

SAMPLE = Path(__file__).resolve().parents[3] / "config" / "sample"
EXPORTS = SAMPLE / "exports"


def manifest() -> list[dict]:
    with (EXPORTS / "manifest.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_export_is_for_a_registered_account():
    registry = load_registry_dir(SAMPLE)
    registered = {(a.platform, a.handle.lower()) for a in registry.accounts}
    for row in manifest():
        platform, handle = row["account"].split(":", 1)
        assert (platform, handle.lower()) in registered, row
        assert (EXPORTS / row["file"]).is_file()
    assert {r["account"].split(":")[0] for r in manifest()} == {"x", "mastodon", "bluesky", "instagram"}


def test_sample_exports_raise_exactly_the_planted_findings(tmp_path):
    engine = build_engine(load_settings(), load_registry_dir(SAMPLE))
    found: dict[str, set[str]] = {}
    seen_ids = set()
    for row in manifest():
        platform, handle = row["account"].split(":", 1)
        conn = open_export(platform, EXPORTS / row["file"], settings={"imports": {"cache_dir": str(tmp_path)}})
        for page in conn.fetch(AccountRef(platform, handle), None):
            for item in page.items:
                seen_ids.add(item["id"])
                for f in engine.check_item(item):
                    found.setdefault(item["id"], set()).add(f.category)
    with (EXPORTS / "expected.csv").open(encoding="utf-8", newline="") as fh:
        expected = {r["item_id"]: set(filter(None, r["categories"].split(";"))) for r in csv.DictReader(fh)}
    assert set(expected) <= seen_ids
    assert found == {k: v for k, v in expected.items() if v}
    assert sorted(set().union(*expected.values())) == ["contact-info", "explicit", "location", "student-name"]
