""""Audit now": the console only queues a request; the serving process (`auditor serve`) runs it.

`run_request` does what the serving process does for one request, for tests and for an operator
who runs the console without `auditor serve`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.runtime import Runtime
from auditor.store import models as m

ACTIVE = ("queued", "running")


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _insert_request(session: Session, requested_by: str, school_code: str | None = None,
                    account_key: str | None = None) -> m.ScanRequest:
    req = m.ScanRequest(requested_by=requested_by, school_code=school_code, account_key=account_key,
                        status="queued", requested_at=_utcnow())
    session.add(req)
    session.flush()
    return req


def request_audit(session: Session, requested_by: str, school_code: str | None) -> m.ScanRequest:
    """Queue an on-demand audit, or return the one already waiting for the same scope."""
    same_scope = (m.ScanRequest.school_code.is_(None) if school_code is None
                  else m.ScanRequest.school_code == school_code)
    waiting = session.scalar(select(m.ScanRequest)
                             .where(m.ScanRequest.status.in_(ACTIVE), same_scope, m.ScanRequest.account_key.is_(None))
                             .order_by(m.ScanRequest.id.desc()))
    if waiting is not None:
        return waiting
    try:
        from auditor.queue import enqueue
    except ImportError:  # the serving engineer's queue module has not landed
        enqueue = _insert_request
    return enqueue(session, requested_by, school_code=school_code, account_key=None)


def visible_request(session: Session, request_id: int, school: str | None) -> m.ScanRequest | None:
    """A request the user may watch: their school's, or any for an admin (school None)."""
    q = select(m.ScanRequest).where(m.ScanRequest.id == request_id)
    if school is not None:
        q = q.where(m.ScanRequest.school_code == school)
    return session.scalar(q)


def recent_requests(session: Session, school: str | None, limit: int = 5) -> list[m.ScanRequest]:
    q = select(m.ScanRequest).order_by(m.ScanRequest.id.desc()).limit(limit)
    if school is not None:
        q = q.where(m.ScanRequest.school_code == school)
    return list(session.scalars(q))


def run_results(session: Session, run_id: int | None) -> list[m.ScanAccountResult]:
    if run_id is None:
        return []
    return list(session.scalars(select(m.ScanAccountResult).where(m.ScanAccountResult.run_id == run_id)
                                .order_by(m.ScanAccountResult.id)))


def run_request(runtime: Runtime, request_id: int) -> m.ScanRequest:
    """Run one queued request to the end and record its run and outcome on the request row."""
    from auditor.scan import Scanner

    db = runtime.db
    with db.session() as s:
        req = s.get(m.ScanRequest, request_id)
        if req is None or req.status != "queued":
            raise LookupError(f"no queued scan request {request_id}")
        req.status, req.started_at = "running", _utcnow()
        school, account, by = req.school_code, req.account_key, req.requested_by

    def attach(run_id: int) -> None:
        with db.session() as s2:
            s2.get(m.ScanRequest, request_id).run_id = run_id

    try:
        report = Scanner(runtime).run(trigger="on-demand", requested_by=by, school=school, account=account,
                                      run_hook=attach)
        status, message = "done", ""
        run_id = report.run_id
    except Exception as exc:  # noqa: BLE001 - the request records why it failed
        status, message, run_id = "failed", str(exc)[:500], None
    with db.session() as s:
        req = s.get(m.ScanRequest, request_id)
        req.status, req.finished_at, req.message = status, _utcnow(), message
        if run_id is not None:
            req.run_id = run_id
        s.flush()
        s.expunge(req)
    return req
