"""People who sign in to the web console, and how their passwords and sign-in attempts are kept.

Passwords are hashed with argon2id (argon2-cffi); the hash carries its own parameters, so stronger
defaults later still verify old hashes and rehash them at the next sign-in. An unknown e-mail is
checked against a dummy hash so the response time does not reveal which addresses exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload

from auditor.store import models as m

ROLES = ("admin", "principal", "viewer")
SCHOOL_ROLES = ("principal", "viewer")  # bound to exactly one school
MIN_PASSWORD = 12

HASHER = PasswordHasher()
_DUMMY_HASH: str | None = None


class UserError(ValueError):
    pass


def normalize_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@") or len(email) > 254 or " " in email:
        raise UserError(f"email: expected an address such as name@board.example, got {email!r}")
    return email


def hash_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"password: expected at least {MIN_PASSWORD} characters")
    return HASHER.hash(password)


def _school(session: Session, role: str, school_code: str | None) -> m.School | None:
    if role not in ROLES:
        raise UserError(f"role: expected one of {', '.join(ROLES)}, got {role!r}")
    if role in SCHOOL_ROLES:
        if not school_code:
            raise UserError(f"school: a {role} is bound to one school; give --school CODE")
        school = session.scalar(select(m.School).where(m.School.code == school_code))
        if school is None:
            raise UserError(f"school: no school with code {school_code!r}")
        return school
    if school_code:
        raise UserError("school: an admin sees every school; leave --school out")
    return None


def add_user(session: Session, email: str, role: str, password: str, school_code: str | None = None,
             now: datetime | None = None) -> m.User:
    email = normalize_email(email)
    school = _school(session, role, school_code)
    if session.scalar(select(m.User).where(m.User.email == email)) is not None:
        raise UserError(f"email: a user {email} already exists")
    user = m.User(email=email, password_hash=hash_password(password), role=role,
                  school_id=school.id if school else None, active=True, session_version=0,
                  created_at=now or datetime.now(timezone.utc))
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> m.User | None:
    return session.scalar(select(m.User).options(joinedload(m.User.school))
                          .where(m.User.email == (email or "").strip().lower()))


def user_by_id(session: Session, user_id: int) -> m.User | None:
    return session.scalar(select(m.User).options(joinedload(m.User.school)).where(m.User.id == user_id))


def list_users(session: Session) -> list[m.User]:
    return list(session.scalars(select(m.User).options(joinedload(m.User.school)).order_by(m.User.email)))


def set_active(session: Session, email: str, active: bool) -> m.User:
    user = get_user(session, email)
    if user is None:
        raise UserError(f"no user {email}")
    if user.active != active:
        user.active = active
        user.session_version += 1  # a disabled user's open sessions end now
    return user


def set_password(session: Session, email: str, password: str) -> m.User:
    user = get_user(session, email)
    if user is None:
        raise UserError(f"no user {email}")
    user.password_hash = hash_password(password)
    user.session_version += 1
    return user


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = HASHER.hash("not a real password, only for timing")
    return _DUMMY_HASH


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> m.User | None:
    """The active user with this e-mail and password, or None; never says which part was wrong."""
    user = get_user(session, email)
    stored = user.password_hash if user is not None else _dummy_hash()
    try:
        HASHER.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if HASHER.check_needs_rehash(stored):
        user.password_hash = HASHER.hash(password)
    user.last_login_at = now or datetime.now(timezone.utc)
    return user


def recent_failures(session: Session, *, email: str | None = None, ip: str | None = None,
                    window_seconds: int, now: datetime | None = None) -> int:
    """Failed sign-ins in the window for this e-mail (or IP) since its last success."""
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(seconds=window_seconds)
    col, value = (m.LoginAttempt.email, (email or "").strip().lower()) if email is not None else (m.LoginAttempt.ip, ip)
    last_ok = session.scalar(select(func.max(m.LoginAttempt.at)).where(col == value, m.LoginAttempt.ok.is_(True),
                                                                        m.LoginAttempt.at >= since))
    q = select(func.count()).select_from(m.LoginAttempt).where(col == value, m.LoginAttempt.ok.is_(False),
                                                              m.LoginAttempt.at >= (last_ok or since))
    return int(session.scalar(q) or 0)


def record_attempt(session: Session, email: str, ip: str, ok: bool, *, keep_seconds: int,
                   now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    session.execute(delete(m.LoginAttempt).where(m.LoginAttempt.at < now - timedelta(seconds=keep_seconds)))
    session.add(m.LoginAttempt(email=(email or "").strip().lower()[:254], ip=(ip or "")[:64], ok=ok, at=now))
