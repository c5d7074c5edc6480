"""Moving the board's registry between its CSV form and the store.

An import is all or nothing: the whole set is validated first (auditor.registry), then written
in one transaction. Re-importing updates in place: accounts are matched on platform + handle and
keep their cursor, history and findings; an account dropped from accounts.csv is deactivated, not
deleted; a student dropped from roster.csv is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor import registry as reg
from auditor.roster_crypto import RosterKey
from auditor.store import models as m


@dataclass
class ImportSummary:
    schools: int
    accounts_added: int
    accounts_updated: int
    accounts_deactivated: int
    students: int
    students_removed: int
    removed_students: list[reg.Student]


def handle_key(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def import_registry(session: Session, registry: reg.Registry, key: RosterKey,
                    now: datetime | None = None) -> ImportSummary:
    now = now or datetime.now(timezone.utc)
    schools = {s.code: s for s in session.scalars(select(m.School))}
    for s in registry.schools:
        row = schools.get(s.code)
        if row is None:
            row = schools[s.code] = m.School(code=s.code, name=s.name, principal_email=s.principal_email,
                                             aliases=s.aliases)
            session.add(row)
        else:
            row.name, row.principal_email, row.aliases = s.name, s.principal_email, list(s.aliases)
    session.flush()

    existing = {(a.platform, a.handle_key): a for a in session.scalars(select(m.Account))}
    added = updated = 0
    seen = set()
    for a in registry.accounts:
        k = (a.platform, handle_key(a.handle))
        seen.add(k)
        row = existing.get(k)
        if row is None:
            row = m.Account(platform=a.platform, handle=a.handle, handle_key=k[1], registered_at=now, status="new")
            session.add(row)
            added += 1
        else:
            updated += 1
        row.handle, row.kind, row.school_id = a.handle, a.kind, schools[a.school].id
        row.owner_name, row.owner_email, row.approved_by = a.owner_name, a.owner_email, a.approved_by
        row.credential, row.active = a.credential, True
    deactivated = 0
    for k, row in existing.items():
        if k not in seen and row.active:
            row.active = False
            deactivated += 1

    students = {s.ref: s for s in session.scalars(select(m.Student))}
    keep = set()
    for st in registry.students:
        ref = key.ref(st.student_id)
        keep.add(ref)
        row = students.get(ref)
        if row is None:
            session.add(m.Student(ref=ref, school_code=st.school, sealed=key.seal(st), updated_at=now))
        else:
            row.school_code, row.sealed, row.updated_at = st.school, key.seal(st), now
    removed = []
    for ref, row in students.items():
        if ref not in keep:
            removed.append(key.unseal(row.sealed))
            session.delete(row)
    session.flush()
    return ImportSummary(len(registry.schools), added, updated, deactivated, len(registry.students),
                         len(removed), removed)


def to_registry_account(row: m.Account) -> reg.Account:
    return reg.Account(platform=row.platform, handle=row.handle, kind=row.kind, school=row.school.code,
                       owner_name=row.owner_name, owner_email=row.owner_email, approved_by=row.approved_by,
                       credential=row.credential, platform_user_id=row.platform_user_id, status=row.status,
                       status_message=row.status_message, last_success_at=row.last_success_at,
                       registered_at=row.registered_at)


def load_registry_from_store(session: Session, key: RosterKey | None) -> reg.Registry:
    """The registry the checkers see: active accounts, every school, the decrypted roster.

    Without a key (e.g. a report), students are left out rather than guessed.
    """
    schools = [reg.School(s.code, s.name, s.principal_email, list(s.aliases or []))
               for s in session.scalars(select(m.School).order_by(m.School.code))]
    accounts = [to_registry_account(a) for a in
                session.scalars(select(m.Account).where(m.Account.active.is_(True)).order_by(m.Account.id))]
    students = [key.unseal(s.sealed) for s in session.scalars(select(m.Student).order_by(m.Student.id))] if key else []
    return reg.Registry(schools, accounts, students)
