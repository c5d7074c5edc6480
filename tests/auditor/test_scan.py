"""The scanner: per-page commits, resumable cursors, failing accounts, fingerprints and review
states that survive rescans, gone/removed presence, leases. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from auditor.registry import load_registry_dir
from auditor.review import review_finding
from auditor.scan import Scanner
from auditor.store import models as m
from auditor.store.registry_store import import_registry
from connectors.base import AuthError, Connector, Coverage, Page
from tests.auditor.wordcheck import ForbiddenWord

GOOD = Path(__file__).resolve().parents[1] / "data" / "registry" / "good"


def post(n: int, text: str, account: str = "NorthgateHS") -> dict:
    return {"type": "post", "platform": "x", "account": account, "id": f"x:{n}",
            "created_at": f"2026-10-{n % 28 + 1:02d}T10:00:00Z", "kind": "original", "text": text}


class ListConnector(Connector):
    """Pages from a dict of handle -> list of pages; can fail after a given page, like a network drop."""

    platform = "x"

    def __init__(self, pages_by_handle, fail_after=None, error=None):
        self.pages_by_handle = pages_by_handle
        self.fail_after = fail_after
        self.error = error or RuntimeError("connection reset mid-paging")
        self.calls = []

    def fetch(self, account, cursor):
        self.calls.append((account.handle, cursor))
        pages = self.pages_by_handle.get(account.handle, [])
        start = (cursor or {}).get("page", 0)
        for i, items in enumerate(pages[start:], start):
            if self.fail_after is not None and i >= self.fail_after:
                raise self.error
            yield Page(list(items), {"page": i + 1}, Coverage({it["id"] for it in items}))


@pytest.fixture
def rt(db_url, runtime_factory):
    rt = runtime_factory(db_url)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(GOOD), rt.key())
    return rt


def scanner(rt, connector, **kw):
    return Scanner(rt, connector_factory=lambda platform: connector, checkers=[ForbiddenWord], **kw)


def counts(rt):
    with rt.db.session() as s:
        return (s.scalar(select(func.count(m.StoredItem.id))), s.scalar(select(func.count(m.Finding.id))))


def test_crash_mid_paging_then_rerun_stores_every_item_once(rt):
    pages = {"NorthgateHS": [[post(1, "a forbidden word"), post(2, "fine")], [post(3, "fine")],
                             [post(4, "forbidden again")]]}
    crashing = ListConnector(pages, fail_after=2)
    report = scanner(rt, crashing).run(account="x:NorthgateHS")
    assert [o.outcome for o in report.outcomes] == ["error"]
    assert "connection reset" in report.outcomes[0].message
    assert counts(rt) == (3, 1)  # pages 1 and 2 committed with their cursor
    with rt.db.session() as s:
        acc = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS"))
        assert acc.cursor == {"page": 2} and acc.status == "error" and acc.lease_owner is None
    healthy = ListConnector(pages)
    report = scanner(rt, healthy).run(account="x:NorthgateHS")
    assert healthy.calls == [("NorthgateHS", {"page": 2})]
    assert [o.outcome for o in report.outcomes] == ["ok"] and report.outcomes[0].items_new == 1
    assert counts(rt) == (4, 2)


def test_failing_account_does_not_stop_the_others(rt):
    class Mixed(Connector):
        platform = "x"

        def fetch(self, account, cursor):
            if account.handle == "NorthgateHS":
                raise AuthError("401 Unauthorized: token revoked")
            yield Page([post(20, "forbidden", account.handle)], None, Coverage({"x:20"}))

    report = scanner(rt, Mixed()).run()
    by = {o.account: o for o in report.outcomes}
    assert by["x:NorthgateHS"].outcome == "needs-reauth"
    assert by["x:MsRiverGr4"].outcome == "ok" and by["x:MsRiverGr4"].findings_new == 1
    assert by["bluesky:northgate-band.bsky.social"].outcome == "ok"
    with rt.db.session() as s:
        acc = s.scalar(select(m.Account).where(m.Account.handle == "NorthgateHS"))
        assert acc.status == "needs-reauth" and "revoked" in acc.status_message
        run = s.get(m.ScanRun, report.run_id)
        assert run.status == "done" and len(run.results) == 3


def test_review_survives_rescans_and_gone_and_removed(rt):
    items = [post(1, "forbidden one"), post(2, "forbidden two"), post(3, "forbidden three")]

    class Snapshot(Connector):
        """A complete listing, like an export: what is missing was deleted."""
        platform = "x"

        def __init__(self, its):
            self.its = its

        def fetch(self, account, cursor):
            its = [i for i in self.its if i["account"] == account.handle]
            yield Page(its, None, Coverage({i["id"] for i in its}, {"post"}))

    scanner(rt, Snapshot(items)).run(account="x:NorthgateHS")
    with rt.db.session() as s:
        fids = {f.item_id: f.id for f in s.scalars(select(m.Finding))}
        review_finding(s, fids["x:1"], "false-positive", note="quoting a book title", reviewer="principal@nhs")
    # Rescan: x:2 edited so it no longer breaks the rule (gone), x:3 deleted (removed).
    edited = [items[0], post(2, "all fine now")]
    scanner(rt, Snapshot(edited)).run(account="x:NorthgateHS")
    scanner(rt, Snapshot(edited)).run(account="x:NorthgateHS")
    with rt.db.session() as s:
        rows = {f.item_id: f for f in s.scalars(select(m.Finding))}
        assert rows["x:1"].status == "false-positive" and rows["x:1"].presence == "present"
        assert rows["x:2"].presence == "gone" and rows["x:3"].presence == "removed"
        assert len(rows) == 3
        log = list(s.scalars(select(m.ReviewEntry)))
        assert [(r.from_status, r.to_status, r.reviewer) for r in log] == [("open", "false-positive", "principal@nhs")]
        assert rows["x:1"].last_seen > rows["x:1"].first_seen


def test_lease_blocks_a_second_scanner_until_it_expires(rt):
    clock = [datetime(2026, 11, 1, tzinfo=timezone.utc)]
    conn = ListConnector({"NorthgateHS": [[post(1, "fine")]]})
    other = scanner(rt, conn, lease_owner="other-process", now=lambda: clock[0])
    mine = scanner(rt, conn, lease_owner="this-process", now=lambda: clock[0])
    with rt.db.session() as s:
        acc_id = s.scalar(select(m.Account.id).where(m.Account.handle == "NorthgateHS"))
    assert other.acquire_lease(acc_id)
    report = mine.run(account="x:NorthgateHS")
    assert [o.outcome for o in report.outcomes] == ["busy"] and conn.calls == []
    clock[0] += timedelta(seconds=rt.settings["scan"]["lease_seconds"] + 1)  # the other process died
    report = mine.run(account="x:NorthgateHS")
    assert [o.outcome for o in report.outcomes] == ["ok"]


def test_recheck_applies_rules_to_stored_items_without_connectors(rt):
    conn = ListConnector({"NorthgateHS": [[post(1, "forbidden"), post(2, "fine")]]})
    scanner(rt, conn).run(account="x:NorthgateHS")

    def no_platform(platform):
        raise AssertionError("recheck must not build a connector")

    report = Scanner(rt, connector_factory=no_platform, checkers=[]).run(account="x:NorthgateHS", recheck=True)
    assert [o.outcome for o in report.outcomes] == ["ok"]
    with rt.db.session() as s:
        assert [f.presence for f in s.scalars(select(m.Finding))] == ["gone"]
