"""On-demand audits: asked for from the CLI or the web console, run by the `auditor serve` process.

The database is the queue, so nothing else has to be deployed. A request is claimed with one
conditional UPDATE (`... WHERE status = 'queued'`), which only one process can win, so two serving
processes never run the same request. A claim carries an expiry that the running process renews;
a claim whose process died expires and the request is queued again for whoever polls next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from auditor.store import models as m
from auditor.store.db import Database

STATUSES = ("queued", "running", "done", "failed")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Claimed:
    """A request this process now runs (a plain copy, safe to use outside a session)."""

    id: int
    requested_by: str
    school_code: str | None
    account_key: str | None


def enqueue(session: Session, requested_by: str, *, school_code: str | None = None,
            account_key: str | None = None, now: datetime | None = None) -> m.ScanRequest:
    """Queue an audit of a school, one account (PLATFORM:HANDLE), or everything, in the caller's
    session (the caller commits). The serving process picks it up within `queue_poll_seconds`.

    Unknown schools and accounts are refused here, at the door, rather than failing later in the
    serving process where nobody reads the message.
    """
    if not requested_by or not requested_by.strip():
        raise ValueError("requested_by is required: who asked is recorded")
    if school_code and not session.scalar(select(m.School.id).where(m.School.code == school_code)):
        raise LookupError(f"no school with code {school_code}")
    if account_key:
        platform, _, handle = account_key.partition(":")
        row = session.scalar(select(m.Account).where(m.Account.platform == platform,
                                                     m.Account.handle_key == handle.lstrip("@").lower(),
                                                     m.Account.active.is_(True)))
        if row is None:
            raise LookupError(f"no registered active account {account_key}")
        if school_code and row.school.code != school_code:
            raise LookupError(f"account {account_key} does not belong to school {school_code}")
    req = m.ScanRequest(requested_by=requested_by.strip(), school_code=school_code or None,
                        account_key=account_key or None, status="queued", requested_at=now or utcnow(),
                        message="")
    session.add(req)
    session.flush()
    return req


def claim_next(db: Database, owner: str, *, claim_seconds: int, now: datetime | None = None) -> Claimed | None:
    """Claim the oldest queued request (or one whose claim expired); None when there is none."""
    now = now or utcnow()
    claimable = or_(m.ScanRequest.status == "queued",
                    and_(m.ScanRequest.status == "running", m.ScanRequest.claim_expires_at < now))
    while True:
        with db.session() as s:
            row = s.execute(select(m.ScanRequest.id, m.ScanRequest.status, m.ScanRequest.claim_expires_at)
                            .where(claimable).order_by(m.ScanRequest.requested_at, m.ScanRequest.id)
                            .limit(1)).first()
            if row is None:
                return None
            req_id, status, expires = row
            # The WHERE repeats what was read: if another process got there first, no row changes.
            cond = [m.ScanRequest.id == req_id, m.ScanRequest.status == status]
            cond.append(m.ScanRequest.claim_expires_at.is_(None) if expires is None
                        else m.ScanRequest.claim_expires_at == expires)
            res = s.execute(update(m.ScanRequest).where(*cond).values(
                status="running", claimed_by=owner, started_at=now,
                claim_expires_at=now + timedelta(seconds=claim_seconds)))
            if res.rowcount != 1:
                continue  # lost the race; look again
            req = s.get(m.ScanRequest, req_id)
            return Claimed(req.id, req.requested_by, req.school_code, req.account_key)


def renew(db: Database, owner: str, *, claim_seconds: int, now: datetime | None = None) -> int:
    """Push back the expiry of every request this process runs; returns how many."""
    now = now or utcnow()
    with db.session() as s:
        res = s.execute(update(m.ScanRequest).where(m.ScanRequest.status == "running",
                                                    m.ScanRequest.claimed_by == owner)
                        .values(claim_expires_at=now + timedelta(seconds=claim_seconds)))
        return res.rowcount


def attach_run(db: Database, request_id: int, run_id: int) -> None:
    with db.session() as s:
        s.execute(update(m.ScanRequest).where(m.ScanRequest.id == request_id).values(run_id=run_id))


def finish(db: Database, request_id: int, owner: str, status: str, message: str = "",
           now: datetime | None = None) -> bool:
    """Record the end of a request this process claimed. `queued` hands it back (shutdown)."""
    if status not in ("done", "failed", "queued"):
        raise ValueError(f"bad final status {status!r}")
    values = {"status": status, "message": message, "claim_expires_at": None}
    if status == "queued":
        values.update(claimed_by=None, started_at=None)
    else:
        values["finished_at"] = now or utcnow()
    with db.session() as s:
        res = s.execute(update(m.ScanRequest).where(m.ScanRequest.id == request_id,
                                                    m.ScanRequest.claimed_by == owner).values(**values))
        return res.rowcount == 1


def pending(db: Database) -> list[m.ScanRequest]:
    """Requests not finished yet, oldest first (for status displays)."""
    with db.session() as s:
        return list(s.scalars(select(m.ScanRequest).where(m.ScanRequest.status.in_(("queued", "running")))
                              .order_by(m.ScanRequest.requested_at, m.ScanRequest.id)))
