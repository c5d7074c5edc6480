"""Bluesky CAR import: a real CAR v1 with a real MST, walked back to records and items."""

from __future__ import annotations

import hashlib

import libipld
import pytest

from connectors.base import AccountRef
from connectors.exports import ExportError, open_export
from connectors.exports import car_writer as cw
from connectors.exports.bluesky_car import CarFile, split_cid
from tests.connectors.exports.conftest import DATA, by_id, run

CAR = DATA / "bluesky_repo.car"
DID = "did:plc:w4xbfzo7kqfes5zb7r6qv3rw"
OTHER = "did:plc:ragtjsm2j2vknwkz3zp4oxrd"
POST = f"bluesky:at://{DID}/app.bsky.feed.post/"


@pytest.mark.parametrize("key, layer", [
    ("", 0), ("asdf", 0), ("blue", 1), ("2653ae71", 0), ("88bfafc7", 2), ("2a92d355", 4), ("884976f5", 6),
    ("app.bsky.feed.post/454397e440ec", 4), ("app.bsky.feed.post/9adeb165882c", 8),
])
def test_key_layers_match_the_atproto_interop_vectors(key, layer):
    assert cw.key_layer(key) == layer


def test_tid_is_13_sortable_characters():
    a, b = cw.tid(1_700_000_000_000_000), cw.tid(1_700_000_000_000_001)
    assert len(a) == 13 and a < b


def records(n):
    return [("app.bsky.feed.post", cw.tid(1_700_000_000_000_000 + i), {"$type": "app.bsky.feed.post",
             "text": f"post {i}", "createdAt": "2024-01-01T00:00:00.000Z"}) for i in range(n)]


def test_walk_returns_every_key_in_order_from_a_multi_layer_tree(tmp_path):
    recs = records(300) + [("app.bsky.graph.follow", cw.tid(1_600_000_000_000_000 + i),
                            {"$type": "app.bsky.graph.follow", "subject": OTHER, "createdAt": "2024-01-01T00:00:00Z"})
                           for i in range(40)]
    path = tmp_path / "repo.car"
    root = cw.write_car(path, DID, recs)
    car = CarFile(path)
    assert car.roots == [root]
    commit = car.get(root)
    assert commit["version"] == 3 and commit["did"] == DID and len(commit["sig"]) == 64
    keys = [k for k, _ in car.walk(commit["data"])]
    assert keys == sorted(f"{c}/{r}" for c, r, _ in recs)
    assert max(cw.key_layer(k) for k in keys) >= 2  # the tree really has several layers
    # Values are the records' CIDs: each decodes to the record written.
    for key, cid in list(car.walk(commit["data"]))[:5]:
        assert car.get(cid)["$type"] == key.split("/")[0]


def test_mst_nodes_follow_the_spec_shape(tmp_path):
    path = tmp_path / "repo.car"
    root = cw.write_car(path, DID, records(50))
    car = CarFile(path)
    node = car.get(car.get(root)["data"])
    assert set(node) == {"l", "e"}
    for e in node["e"]:
        assert set(e) == {"p", "k", "v", "t"} and isinstance(e["k"], bytes)
    assert node["e"][0]["p"] == 0  # the first key of a node is written whole
    # CIDs are v1, dag-cbor, sha2-256 of the block's bytes
    cid, codec, code, digest = split_cid(root, "t")
    assert (cid[0], codec, code) == (1, 0x71, 0x12)
    assert hashlib.sha256(car.raw(root)).digest() == digest


def test_car_is_readable_by_libipld_too():
    header, blocks = libipld.decode_car(CAR.read_bytes())
    assert header["version"] == 1 and len(blocks) > 10


def test_posts_kinds_and_embeds(cache):
    items = by_id(run("bluesky", CAR, "lakeviewart.bsky.social", cache)[1])
    first = items[POST + "3kabc0000001a"]
    assert first["text"] == "Vernissage ce soir! 🎨" and first["kind"] == "original"
    assert first["url"] == f"https://bsky.app/profile/{DID}/post/3kabc0000001a"
    img = items[POST + "3kabc0000002a"]["media"][0]
    assert img["alt"] == "Paintings on the hallway wall"
    assert img["cid"].startswith("bafkrei")  # a raw-codec blob CID
    assert img["url"] == f"https://cdn.bsky.app/img/feed_fullsize/plain/{DID}/{img['cid']}@jpeg"
    assert items[POST + "3kabc0000003a"]["kind"] == "reply"
    quote_own = items[POST + "3kabc0000004a"]
    assert quote_own["kind"] == "quote" and quote_own["quoted"]["text"] == "Vernissage ce soir! 🎨"
    quote_media = items[POST + "3kabc0000005a"]
    assert quote_media["kind"] == "quote"
    assert quote_media["quoted"]["id"] == f"bluesky:at://{OTHER}/app.bsky.feed.post/3yyy"
    assert len(quote_media["media"]) == 1


def test_reposts_likes_follows_profile(cache):
    _, pages = run("bluesky", CAR, "lakeviewart.bsky.social", cache)
    items = by_id(pages)
    own = items[f"bluesky:at://{DID}/app.bsky.feed.repost/3kabc0000006a"]
    assert own["kind"] == "repost" and own["text"] == "Vernissage ce soir! 🎨"
    other = items[f"bluesky:at://{DID}/app.bsky.feed.repost/3kabc0000007a"]
    assert other["kind"] == "repost" and other["url"] == f"https://bsky.app/profile/{OTHER}/post/3xxx"
    like = items[f"bluesky:at://{DID}/app.bsky.feed.like/3kabc0000008a"]
    assert like["post"]["id"] == f"bluesky:at://{OTHER}/app.bsky.feed.post/3www"
    follow = items[f"bluesky:at://{DID}/app.bsky.graph.follow/3kabc0000009a"]
    assert follow["target"]["id"] == OTHER
    assert items[f"bluesky:at://{DID}/app.bsky.actor.profile/self"]["bio"] == "Art room news — Été 2024"
    assert not any("graph.block" in i for i in items)
    assert len(items) == 70
    assert pages[-1].coverage.complete_types == {"post", "like", "follow", "profile"}


def test_a_tampered_block_is_refused(cache, tmp_path):
    data = bytearray(CAR.read_bytes())
    at = data.find("Daily sketch #7".encode())
    data[at] = ord("X")
    path = tmp_path / "tampered.car"
    path.write_bytes(bytes(data))
    conn = open_export("bluesky", path)
    with pytest.raises(ExportError, match="does not match its hash"):
        list(conn.fetch(AccountRef("bluesky", "lakeviewart.bsky.social"), None))


def test_repository_of_another_did_is_refused(cache):
    conn = open_export("bluesky", CAR)
    with pytest.raises(ExportError, match=f"belongs to {DID}"):
        list(conn.fetch(AccountRef("bluesky", "x.bsky.social", platform_user_id=OTHER), None))


def test_missing_block_is_reported(tmp_path):
    path = tmp_path / "repo.car"
    root = cw.write_car(path, DID, records(5))
    raw = path.read_bytes()
    # Rebuild the file with the commit only: the tree it names is missing.
    car = CarFile(path)
    body = car.raw(root)
    header = libipld.encode_dag_cbor({"version": 1, "roots": [root]})
    path2 = tmp_path / "commit-only.car"
    path2.write_bytes(cw._varint(len(header)) + header + cw._varint(len(root) + len(body)) + root + body)
    assert len(raw) > path2.stat().st_size
    conn = open_export("bluesky", path2)
    with pytest.raises(ExportError, match="is missing; the repository is incomplete"):
        list(conn.fetch(AccountRef("bluesky", "a.bsky.social"), None))


def test_reimport_yields_nothing(cache):
    cursor = run("bluesky", CAR, "lakeviewart.bsky.social", cache)[1][-1].cursor
    assert cursor["export_digest"].startswith("car:bafyrei")
    assert run("bluesky", CAR, "lakeviewart.bsky.social", cache, cursor=cursor)[1] == []
