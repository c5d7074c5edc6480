"""Writing a Bluesky repository as `com.atproto.sync.getRepo` would: for fixtures and the demo.

It follows the atproto repository spec rather than imitating one file: records become DAG-CBOR
blocks with CIDv1 (dag-cbor, sha2-256) names, keys `<collection>/<rkey>` are placed in a Merkle
search tree by the leading zero bits of their SHA-256 (counted in 2-bit groups, so a fanout of
about 4), nodes store keys prefix-compressed (`p`, `k`) with value `v` and right subtree `t`,
and a left subtree `l`; a signed v3 commit names the tree, and the CAR v1 file has the commit as
its root. The import reads such a file back with no knowledge of how it was made.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

import libipld

DAG_CBOR = 0x71
RAW = 0x55
_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def cid_for(data: bytes, codec: int = DAG_CBOR) -> bytes:
    """CIDv1 bytes: version 1, codec, sha2-256 multihash (all single-byte varints)."""
    return bytes([0x01, codec, 0x12, 0x20]) + hashlib.sha256(data).digest()


def blob_ref(data: bytes, mime: str) -> dict:
    """The record-side reference to an uploaded image (`$type: blob`)."""
    return {"$type": "blob", "ref": cid_for(data, RAW), "mimeType": mime, "size": len(data)}


def tid(micros: int | None = None, clock_id: int = 0) -> str:
    """A timestamp identifier (record keys, commit revs): 13 sortable base32 characters."""
    if micros is None:
        micros = time.time_ns() // 1000
    n = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3FF)
    return "".join(_B32[(n >> (5 * i)) & 31] for i in reversed(range(13)))


def key_layer(key: str) -> int:
    """Leading zero bits of SHA-256(key), counted in pairs."""
    zeros = 0
    for byte in hashlib.sha256(key.encode()).digest():
        if byte == 0:
            zeros += 8
            continue
        zeros += 8 - byte.bit_length()
        break
    return zeros // 2


class _Blocks:
    def __init__(self) -> None:
        self.blocks: dict[bytes, bytes] = {}

    def put(self, obj) -> bytes:
        data = libipld.encode_dag_cbor(obj)
        cid = cid_for(data)
        self.blocks[cid] = data
        return cid


def _build(entries: list[tuple[str, bytes, int]], layer: int, store: _Blocks) -> bytes | None:
    """The node holding `entries` (sorted; none above `layer`) at `layer`; its CID."""
    if not entries:
        return None
    left: list = []
    node_entries: list[dict] = []
    current: list = left
    mine: list[tuple[str, bytes]] = []
    subtrees: list[list] = []
    for e in entries:
        if e[2] == layer:
            mine.append((e[0], e[1]))
            current = []
            subtrees.append(current)
        else:
            current.append(e)
    l_cid = _build(left, layer - 1, store) if left else None
    prev = b""
    for (key, value), sub in zip(mine, subtrees):
        kb = key.encode()
        p = 0
        while p < min(len(kb), len(prev)) and kb[p] == prev[p]:
            p += 1
        node_entries.append({"p": p, "k": kb[p:], "v": value,
                             "t": _build(sub, layer - 1, store) if sub else None})
        prev = kb
    return store.put({"l": l_cid, "e": node_entries})


def build_repo(did: str, records: Iterable[tuple[str, str, dict]], *, rev: str | None = None,
               signing_key=None) -> tuple[bytes, dict[bytes, bytes]]:
    """(commit CID, blocks) for `records` given as (collection, rkey, record)."""
    store = _Blocks()
    entries = []
    for collection, rkey, record in records:
        key = f"{collection}/{rkey}"
        entries.append((key, store.put(record), key_layer(key)))
    entries.sort(key=lambda e: e[0].encode())
    top = max((e[2] for e in entries), default=0)
    data = _build(entries, top, store) or store.put({"l": None, "e": []})
    unsigned = {"did": did, "version": 3, "data": data, "rev": rev or tid(), "prev": None}
    commit = dict(unsigned, sig=_sign(libipld.encode_dag_cbor(unsigned), signing_key))
    root = store.put(commit)
    return root, store.blocks


def _sign(message: bytes, key) -> bytes:
    """Low-S compact secp256k1 signature over SHA-256 of the unsigned commit, as atproto signs."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    key = key or ec.generate_private_key(ec.SECP256K1())
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    while True:
        r, s = decode_dss_signature(key.sign(message, ec.ECDSA(hashes.SHA256())))
        if s > n // 2:
            s = n - s
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        # libipld writes any byte string that begins like a CID as a link; a signature must stay bytes.
        if libipld.encode_dag_cbor(sig)[:2] == b"\x58\x40":
            return sig


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def write_car(path: Path, did: str, records: Iterable[tuple[str, str, dict]], **kw) -> bytes:
    """Write the repository as a CAR v1 file (commit first, as getRepo does); returns the root CID."""
    root, blocks = build_repo(did, records, **kw)
    header = libipld.encode_dag_cbor({"version": 1, "roots": [root]})
    with open(path, "wb") as out:
        out.write(_varint(len(header)) + header)
        order = [root] + [c for c in blocks if c != root]
        for cid in order:
            data = blocks[cid]
            out.write(_varint(len(cid) + len(data)) + cid + data)
    return root
