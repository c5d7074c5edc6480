"""A person's judgement on a finding. The review log is append-only and a rescan never resets it:
a false positive stays suppressed for as long as its fingerprint is the same."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.findings import REVIEW_STATUSES
from auditor.store import models as m

REVIEWABLE = tuple(s for s in REVIEW_STATUSES)


class ReviewError(ValueError):
    pass


def review_finding(session: Session, finding_id: int, status: str, *, note: str, reviewer: str,
                   school: str | None = None, now: datetime | None = None) -> m.Finding:
    """Set a finding's review state and log it. `school` scopes the lookup (a principal's view)."""
    if status not in REVIEWABLE:
        raise ReviewError(f"status: expected one of {', '.join(REVIEWABLE)}, got {status!r}")
    if not reviewer.strip():
        raise ReviewError("reviewer: expected who is reviewing (--by)")
    q = select(m.Finding).where(m.Finding.id == finding_id)
    if school:
        q = q.join(m.Account).join(m.School).where(m.School.code == school)
    finding = session.scalar(q)
    if finding is None:
        raise ReviewError(f"no finding {finding_id}" + (f" in school {school}" if school else ""))
    now = now or datetime.now(timezone.utc)
    session.add(m.ReviewEntry(finding_id=finding.id, from_status=finding.status, to_status=status,
                              note=note, reviewer=reviewer.strip(), at=now))
    finding.status, finding.status_changed_at = status, now
    return finding
