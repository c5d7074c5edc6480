"""The CAR importer on a repository exported by a real PDS (npm @atproto/dev-env), not only on
CARs written by our own writer: `com.atproto.sync.getRepo` → file → open_export → items.

Reuses the real-PDS fixture of the Bluesky connector's test (same seeded accounts and records).
"""

from __future__ import annotations

import pytest
import requests

from connectors.base import AccountRef
from connectors.exports import open_export
from connectors.exports.bluesky_car import CarFile
from tests.connectors.test_bluesky_pds import pds  # noqa: F401  (the module-scoped fixture)

pytestmark = pytest.mark.slow


def test_repository_exported_by_a_real_pds_imports(pds, tmp_path):  # noqa: F811
    teacher = pds["accounts"]["teacher"]
    resp = requests.get(f"{pds['pds']}/xrpc/com.atproto.sync.getRepo", params={"did": teacher["did"]}, timeout=30)
    assert resp.status_code == 200, resp.text[:300]
    path = tmp_path / "repo.car"
    path.write_bytes(resp.content)

    car = CarFile(path)
    commit = car.get(car.roots[0])
    assert commit["did"] == teacher["did"] and commit["version"] == 3
    car.close()

    conn = open_export("bluesky", path, settings={"imports": {"cache_dir": str(tmp_path / "cache")}})
    pages = list(conn.fetch(AccountRef("bluesky", teacher["handle"], platform_user_id=teacher["did"]), None))
    items = {i["id"]: i for p in pages for i in p.items}

    def post(key):
        return items[f"bluesky:{pds['posts'][key]}"]

    assert post("plain")["text"] == "Welcome back to school, everyone!"
    image = post("image")
    assert image["media"][0]["alt"] == "Students at the science fair table"
    assert image["media"][0]["cid"] == pds["blob_cid"]
    assert post("reply")["kind"] == "reply"
    assert post("reply")["in_reply_to"]["id"] == f"bluesky:{pds['posts']['colleague']}"
    quote = post("quote")
    assert quote["kind"] == "quote" and quote["quoted"]["id"] == f"bluesky:{pds['posts']['colleague']}"
    repost = items[f"bluesky:{pds['repost']}"]
    assert repost["kind"] == "repost" and pds["posts"]["colleague"].split("/")[-1] in repost["url"]
    like = items[f"bluesky:{pds['like']}"]
    assert like["post"]["id"] == f"bluesky:{pds['posts']['colleague']}"
    follows = {i["target"]["id"] for i in items.values() if i["type"] == "follow"}
    assert follows == {pds["accounts"]["student"]["did"], pds["accounts"]["colleague"]["did"]}
    profile = next(i for i in items.values() if i["type"] == "profile")
    assert (profile["name"], profile["bio"]) == ("Ms. Teacher", "Grade 5 at Oakville Public School")
    assert pages[-1].coverage.complete_types == {"post", "like", "follow", "profile"}
