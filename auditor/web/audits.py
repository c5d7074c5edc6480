""""Audit now": the console only queues a request; the serving process (`auditor serve`) runs it.

The page that shows an audit's progress reads the request row and the results of the run the
serving process attached to it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor import queue
from auditor.store import models as m

ACTIVE = ("queued", "running")


def request_audit(session: Session, requested_by: str, school_code: str | None) -> m.ScanRequest:
    """Queue an on-demand audit, or return the one already waiting for the same scope."""
    same_scope = (m.ScanRequest.school_code.is_(None) if school_code is None
                  else m.ScanRequest.school_code == school_code)
    waiting = session.scalar(select(m.ScanRequest)
                             .where(m.ScanRequest.status.in_(ACTIVE), same_scope, m.ScanRequest.account_key.is_(None))
                             .order_by(m.ScanRequest.id.desc()))
    if waiting is not None:
        return waiting
    return queue.enqueue(session, requested_by, school_code=school_code)


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
