"""Read-side queries shared by the CLI, the reports and the web console, always scoped by school
on the server side so a principal never sees another school's data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from auditor.findings import severity_rank
from auditor.store import models as m


def findings_query(school: str | None = None, statuses: list[str] | None = None,
                   presence: list[str] | None = ("present",), severity: str | None = None,
                   category: str | None = None, account_id: int | None = None):
    q = (select(m.Finding).join(m.Account).join(m.School)
         .options(joinedload(m.Finding.account).joinedload(m.Account.school)))
    if school:
        q = q.where(m.School.code == school)
    if statuses:
        q = q.where(m.Finding.status.in_(statuses))
    if presence:
        q = q.where(m.Finding.presence.in_(list(presence)))
    if severity:
        q = q.where(m.Finding.severity == severity)
    if category:
        q = q.where(m.Finding.category == category)
    if account_id:
        q = q.where(m.Finding.account_id == account_id)
    return q


def list_findings(session: Session, **filters) -> list[m.Finding]:
    rows = list(session.scalars(findings_query(**filters)).unique())
    rows.sort(key=lambda f: (severity_rank(f.severity), f.account.school.code, f.account.platform,
                             f.account.handle_key, f.item_id, f.rule))
    return rows


def get_finding(session: Session, finding_id: int, school: str | None = None) -> m.Finding | None:
    q = findings_query(school=school, presence=None).where(m.Finding.id == finding_id)
    return session.scalars(q).unique().first()


def accounts_in(session: Session, school: str | None = None, active_only: bool = True) -> list[m.Account]:
    q = select(m.Account).join(m.School).options(joinedload(m.Account.school))
    if school:
        q = q.where(m.School.code == school)
    if active_only:
        q = q.where(m.Account.active.is_(True))
    return list(session.scalars(q.order_by(m.School.code, m.Account.platform, m.Account.handle_key)))


def last_results(session: Session, account_ids: list[int]) -> dict[int, m.ScanAccountResult]:
    """The most recent scan outcome per account."""
    if not account_ids:
        return {}
    # Only the newest row per account is read: results pile up with every nightly scan.
    newest = (select(func.max(m.ScanAccountResult.id)).where(m.ScanAccountResult.account_id.in_(account_ids))
              .group_by(m.ScanAccountResult.account_id))
    rows = session.scalars(select(m.ScanAccountResult).where(m.ScanAccountResult.id.in_(newest)))
    return {r.account_id: r for r in rows}
