"""The scanner hands post images to the image checks: fetched over https from the platform's media
host (HTTP intercepted by `responses`), cached, and judged; a refused download is recorded on the item."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import responses
from sqlalchemy import select

from auditor.registry import load_registry_dir
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from connectors.base import Connector, Coverage, Page

GOOD = Path(__file__).resolve().parents[1] / "data" / "registry" / "good"


def jpeg(image) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=90)
    return buf.getvalue()


class OnePost(Connector):
    platform = "x"

    def __init__(self, url):
        self.url = url

    def fetch(self, account, cursor):
        if account.handle != "NorthgateHS":
            return
        item = {"type": "post", "platform": "x", "account": "NorthgateHS", "id": "x:77", "kind": "original",
                "text": "Team photo day!", "media": [{"type": "image", "url": self.url, "alt": "the team"}]}
        yield Page([item], None, Coverage({"x:77"}))


@pytest.fixture
def rt(runtime_factory, tmp_path):
    rt = runtime_factory(f"sqlite:///{tmp_path / 'm.db'}", f'[media]\ncache_dir = "{tmp_path / "cache"}"\n')
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(GOOD), rt.key())
    return rt


@responses.activate
def test_fetched_photo_with_a_face_is_checked(rt):
    from skimage import data
    url = "https://pbs.twimg.com/media/team.jpg"
    responses.get(url, body=jpeg(data.astronaut()), content_type="image/jpeg")
    report = Scanner(rt, connector_factory=lambda p: OnePost(url)).run(account="x:NorthgateHS")
    assert [o.outcome for o in report.outcomes] == ["ok"]
    with rt.db.session() as s:
        cats = {f.category for f in s.scalars(select(m.Finding))}
        stored = s.scalar(select(m.StoredItem).where(m.StoredItem.item_id == "x:77"))
    assert "student-image" in cats
    assert Path(stored.data["media"][0]["path"]).is_file()


@responses.activate
def test_media_from_a_foreign_host_is_never_fetched(rt):
    url = "https://evil.example.net/team.jpg"
    Scanner(rt, connector_factory=lambda p: OnePost(url)).run(account="x:NorthgateHS")
    assert len(responses.calls) == 0
    with rt.db.session() as s:
        stored = s.scalar(select(m.StoredItem).where(m.StoredItem.item_id == "x:77"))
    assert "fetch_error" in stored.data["media"][0] and "path" not in stored.data["media"][0]
