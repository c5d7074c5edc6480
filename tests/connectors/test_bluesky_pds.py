"""The Bluesky connector against a real PDS and PLC (npm @atproto/dev-env, TestNetworkNoAppView).

The package is installed on first use, from tests/pds/package-lock.json, under a cache directory
outside the repository (AUDITOR_TEST_CACHE, default ~/.cache/auditor-tests). Without Node or npm the test is skipped on a
workstation but fails under CI (CI=true), where it must run.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
import requests

from connectors.base import AccountRef
from connectors.bluesky import BlueskyConnector
from connectors.http import Pacer
from tests.connectors.connector_harness import Store

DEV_ENV = "@atproto/dev-env@0.3.215"
PDS_DIR = Path(__file__).resolve().parent.parent / "pds"
SCRIPT = PDS_DIR / "start_pds.js"
CACHE = Path(os.environ.get("AUDITOR_TEST_CACHE", Path.home() / ".cache" / "auditor-tests")) / "pds"
IN_CI = os.environ.get("CI", "").lower() == "true"

pytestmark = pytest.mark.slow


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"the real-PDS test must run under CI: {reason}")
    pytest.skip(reason)


def _install() -> Path:
    """`npm ci` of tests/pds/package-lock.json into the cache, redone when the lock changes, so
    every machine runs the same versions (known to work on Node 20)."""
    modules = CACHE / "node_modules"
    lock = (PDS_DIR / "package-lock.json").read_text(encoding="utf-8")
    stamp = CACHE / "installed-lock.json"
    if (modules / "@atproto" / "dev-env" / "package.json").exists() and stamp.exists() \
            and stamp.read_text(encoding="utf-8") == lock:
        return modules
    if not shutil.which("node") or not shutil.which("npm"):
        _unavailable("node/npm not found")
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(PDS_DIR / name, CACHE / name)
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=CACHE,
                          capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        _unavailable(f"npm ci of {DEV_ENV} failed: {proc.stderr[-2000:]}")
    stamp.write_text(lock, encoding="utf-8")
    return modules


def _read_line(proc: subprocess.Popen, timeout: float) -> dict:
    box: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: box.put(proc.stdout.readline()), daemon=True).start()
    try:
        line = box.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"the PDS script said nothing within {timeout} s") from None
    if not line:
        raise AssertionError(f"the PDS script exited: {proc.stderr.read()[-2000:]}")
    return json.loads(line)


@pytest.fixture(scope="module")
def pds():
    modules = _install()
    env = dict(os.environ, NODE_PATH=str(modules), NODE_ENV="test")
    proc = subprocess.Popen(["node", str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        info = _read_line(proc, 120)
        info["proc"] = proc
        yield info
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def command(info, cmd: dict) -> dict:
    info["proc"].stdin.write(json.dumps(cmd) + "\n")
    info["proc"].stdin.flush()
    return _read_line(info["proc"], 30)


def make_connector(info) -> BlueskyConnector:
    return BlueskyConnector({"base_url": info["pds"], "plc_url": info["plc"]}, pacer=Pacer(max_wait=30))


def test_connector_reads_everything_from_a_real_pds(pds):
    account = AccountRef("bluesky", "teacher.test")
    store = Store()
    connector = make_connector(pds)
    assert store.run(connector, account) is None
    items = store.items
    teacher, student, colleague = (pds["accounts"][k]["did"] for k in ("teacher", "student", "colleague"))

    def post(key):
        return items[f"bluesky:{pds['posts'][key]}"]

    assert post("plain")["text"] == "Welcome back to school, everyone!"
    assert post("plain")["kind"] == "original"
    image = post("image")
    assert image["media"][0]["alt"] == "Students at the science fair table"
    assert pds["blob_cid"] in image["media"][0]["url"]
    blob = requests.get(image["media"][0]["url"], timeout=10)
    assert blob.status_code == 200 and blob.content.startswith(b"\x89PNG")
    assert post("reply")["kind"] == "reply"
    assert post("reply")["in_reply_to"] == f"bluesky:{pds['posts']['colleague']}"
    quote = post("quote")
    assert quote["kind"] == "quote"
    assert quote["quoted"]["text"] == "Staff meeting moved to Thursday"
    assert quote["quoted"]["author"] == {"handle": "colleague.test", "name": None, "id": colleague}
    repost = items[f"bluesky:{pds['repost']}"]
    assert (repost["kind"], repost["text"], repost["author"]["handle"]) == \
        ("repost", "Staff meeting moved to Thursday", "colleague.test")
    like = items[f"bluesky:{pds['like']}"]
    assert like["type"] == "like" and like["post"]["id"] == f"bluesky:{pds['posts']['colleague']}"
    follows = {i["target"]["id"]: i for i in items.values() if i["type"] == "follow"}
    assert set(follows) == {student, colleague}
    assert follows[student]["target"]["handle"] == "student.test"
    assert follows[student]["record"] == pds["follows"]["student"]
    profile = items[f"bluesky:profile:{teacher}"]
    assert (profile["name"], profile["bio"]) == ("Ms. Teacher", "Grade 5 at Oakville Public School")
    # Every item is one of those: the colleague's own post is not the teacher's.
    assert f"bluesky:{pds['posts']['colleague']}" not in items
    assert len(items) == 4 + 1 + 1 + 2 + 1
    assert all(i["account"] == "teacher.test" and i["platform"] == "bluesky" for i in items.values())

    # Nothing new: one call.
    quiet = make_connector(pds)
    pages_before = store.pages
    assert store.run(quiet, account) is None
    assert store.pages == pages_before
    assert quiet.calls() == 1

    # A new post: the next run reads it and nothing it already had.
    new_uri = command(pds, {"post": "Field trip forms due Friday"})["posted"]
    writes = dict(store.writes)
    assert store.run(make_connector(pds), account) is None
    assert items[f"bluesky:{new_uri}"]["text"] == "Field trip forms due Friday"
    changed = {i for i, n in store.writes.items() if n != writes.get(i) and items[i]["type"] in ("post", "like")}
    assert changed == {f"bluesky:{new_uri}"}
    assert not store.duplicates()

    # An unfollow: the follows are handed over in full without the student, marked complete, so
    # the scanner can mark the stored follow removed.
    command(pds, {"unfollow": "student"})
    pages = list(make_connector(pds).fetch(account, store.cursor))
    final = pages[-1]
    assert "follow" in final.coverage.complete_types
    assert {i["target"]["id"] for i in final.items if i["type"] == "follow"} == {colleague}
    assert not any(i["type"] == "post" for p in pages for i in p.items)
