"""The on-demand queue: enqueue validation, atomic claims under contention, expired claims taken
over, hand-back on shutdown. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from auditor import queue
from auditor.registry import load_registry_dir
from auditor.store import models as m
from auditor.store.db import Database
from auditor.store.registry_store import import_registry

REGISTRY = Path(__file__).resolve().parents[1] / "data" / "serve" / "registry"
T0 = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def rt(db_url, runtime_factory):
    rt = runtime_factory(db_url)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(REGISTRY), rt.key())
    return rt


def test_enqueue_validates_scope_and_records_who_asked(rt):
    with rt.db.session() as s:
        req = queue.enqueue(s, "principal.nhs@board.example.ca", school_code="NHS", now=T0)
        one = queue.enqueue(s, "it", account_key="x:@northgatehs", now=T0)
    assert (req.status, req.school_code, req.account_key, req.requested_by) == (
        "queued", "NHS", None, "principal.nhs@board.example.ca")
    assert one.account_key == "x:@northgatehs"
    with rt.db.session() as s:
        with pytest.raises(LookupError, match="no school with code ZZZ"):
            queue.enqueue(s, "it", school_code="ZZZ")
        with pytest.raises(LookupError, match="no registered active account"):
            queue.enqueue(s, "it", account_key="x:nobody")
        with pytest.raises(LookupError, match="does not belong to school RPS"):
            queue.enqueue(s, "it", school_code="RPS", account_key="x:NorthgateHS")
        with pytest.raises(ValueError, match="requested_by"):
            queue.enqueue(s, "  ", school_code="NHS")
    assert [r.id for r in queue.pending(rt.db)] == [req.id, one.id]


def test_claims_are_oldest_first_and_never_shared(rt):
    with rt.db.session() as s:
        ids = [queue.enqueue(s, f"user{i}", school_code="NHS", now=T0 + timedelta(seconds=i)).id for i in range(12)]
    got: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        db = Database(rt.db.url, migrate=False)  # its own connections, like another process
        barrier.wait()
        mine = got.setdefault(name, [])
        try:
            while (c := queue.claim_next(db, name, claim_seconds=60)) is not None:
                mine.append(c.id)
        finally:
            db.dispose()

    threads = [threading.Thread(target=worker, args=(f"server{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    claimed = [i for v in got.values() for i in v]
    assert sorted(claimed) == ids  # every request claimed exactly once
    with rt.db.session() as s:
        rows = list(s.scalars(select(m.ScanRequest).order_by(m.ScanRequest.id)))
    assert {r.status for r in rows} == {"running"}
    assert all(r.claimed_by in got and r.id in got[r.claimed_by] for r in rows)


def test_expired_claim_is_taken_over_and_renewal_prevents_it(rt):
    with rt.db.session() as s:
        a = queue.enqueue(s, "it", school_code="NHS", now=T0).id
        b = queue.enqueue(s, "it", school_code="RPS", now=T0 + timedelta(seconds=1)).id
    assert queue.claim_next(rt.db, "dead", claim_seconds=60, now=T0).id == a
    assert queue.claim_next(rt.db, "alive", claim_seconds=60, now=T0).id == b
    # 50 s later "alive" renews; "dead" does not.
    assert queue.renew(rt.db, "alive", claim_seconds=60, now=T0 + timedelta(seconds=50)) == 1
    later = T0 + timedelta(seconds=90)
    c = queue.claim_next(rt.db, "newcomer", claim_seconds=60, now=later)
    assert c is not None and c.id == a  # the dead server's request
    assert queue.claim_next(rt.db, "newcomer", claim_seconds=60, now=later) is None  # b is still renewed
    # The dead server waking up cannot record an outcome for a request it lost.
    assert not queue.finish(rt.db, a, "dead", "done")
    assert queue.finish(rt.db, a, "newcomer", "done", "2/2 accounts ok", now=later)
    with rt.db.session() as s:
        row = s.get(m.ScanRequest, a)
        assert (row.status, row.claimed_by, row.message, row.finished_at) == ("done", "newcomer", "2/2 accounts ok", later)


def test_finish_queued_hands_the_request_back(rt):
    with rt.db.session() as s:
        a = queue.enqueue(s, "it", school_code="NHS", now=T0).id
    queue.claim_next(rt.db, "srv", claim_seconds=60, now=T0)
    assert queue.finish(rt.db, a, "srv", "queued", "interrupted by shutdown")
    again = queue.claim_next(rt.db, "srv2", claim_seconds=60, now=T0)
    assert again is not None and again.id == a
    with pytest.raises(ValueError):
        queue.finish(rt.db, a, "srv2", "exploded")
