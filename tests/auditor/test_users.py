"""Users of the console: roles bound to schools, argon2 hashes, sign-in failure counting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from auditor import users
from auditor.registry import load_registry_dir
from auditor.store.registry_store import import_registry
from tests.auditor.web.board import fast_hasher
from tests.conftest import REPO

SAMPLE = REPO / "config" / "sample"


@pytest.fixture
def rt(db_url, runtime_factory, monkeypatch):
    monkeypatch.setattr(users, "HASHER", fast_hasher())
    monkeypatch.setattr(users, "_DUMMY_HASH", None)
    rt = runtime_factory(db_url)
    with rt.db.session() as s:
        import_registry(s, load_registry_dir(SAMPLE), rt.key())
    return rt


def test_roles_and_school_binding(rt):
    with rt.db.session() as s:
        p = users.add_user(s, " R.Okafor@CVDSB.example.ca ", "principal", "long enough password", "MCSS")
        assert p.email == "r.okafor@cvdsb.example.ca" and p.school.code == "MCSS"
        assert p.password_hash.startswith("$argon2id$") and "long enough" not in p.password_hash
        a = users.add_user(s, "it@cvdsb.example.ca", "admin", "long enough password")
        assert a.school_id is None
    bad = [("v@x.ca", "viewer", "long enough password", None, "bound to one school"),
           ("v@x.ca", "viewer", "long enough password", "NOPE", "no school with code"),
           ("a2@x.ca", "admin", "long enough password", "MCSS", "admin sees every school"),
           ("x@x.ca", "superuser", "long enough password", None, "role: expected"),
           ("x@x.ca", "viewer", "short", "MCSS", "at least 12"),
           ("not-an-email", "viewer", "long enough password", "MCSS", "email: expected"),
           ("r.okafor@cvdsb.example.ca", "viewer", "long enough password", "MCSS", "already exists")]
    for email, role, pw, school, message in bad:
        with rt.db.session() as s, pytest.raises(users.UserError, match=message):
            users.add_user(s, email, role, pw, school)


def test_authenticate(rt):
    with rt.db.session() as s:
        users.add_user(s, "p@x.ca", "principal", "long enough password", "FHPS")
    with rt.db.session() as s:
        assert users.authenticate(s, "P@X.CA", "long enough password").last_login_at is not None
        assert users.authenticate(s, "p@x.ca", "wrong password!!") is None
        assert users.authenticate(s, "nobody@x.ca", "long enough password") is None
        users.set_active(s, "p@x.ca", False)
    with rt.db.session() as s:
        assert users.authenticate(s, "p@x.ca", "long enough password") is None
        assert users.get_user(s, "p@x.ca").session_version == 1


def test_weak_stored_hash_is_upgraded_at_sign_in(rt, monkeypatch):
    with rt.db.session() as s:
        users.add_user(s, "p@x.ca", "principal", "long enough password", "FHPS")
        old = users.get_user(s, "p@x.ca").password_hash
    monkeypatch.setattr(users, "HASHER", users.PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    with rt.db.session() as s:
        assert users.authenticate(s, "p@x.ca", "long enough password") is not None
    with rt.db.session() as s:
        new = users.get_user(s, "p@x.ca").password_hash
        assert new != old and "t=2" in new


def test_failures_are_counted_per_email_and_ip_within_the_window(rt):
    now = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    with rt.db.session() as s:
        for i in range(3):
            users.record_attempt(s, "p@x.ca", "10.0.0.1", False, keep_seconds=1800, now=now + timedelta(seconds=i))
        users.record_attempt(s, "q@x.ca", "10.0.0.1", False, keep_seconds=1800, now=now)
        users.record_attempt(s, "p@x.ca", "10.0.0.2", False, keep_seconds=1800, now=now - timedelta(seconds=1000))
    with rt.db.session() as s:
        later = now + timedelta(seconds=10)
        assert users.recent_failures(s, email="P@x.ca", window_seconds=900, now=later) == 3
        assert users.recent_failures(s, ip="10.0.0.1", window_seconds=900, now=later) == 4
        # a success resets the count that follows it
        users.record_attempt(s, "p@x.ca", "10.0.0.1", True, keep_seconds=1800, now=later)
        users.record_attempt(s, "p@x.ca", "10.0.0.1", False, keep_seconds=1800, now=later + timedelta(seconds=1))
        assert users.recent_failures(s, email="p@x.ca", window_seconds=900, now=later + timedelta(seconds=2)) == 1
        # old rows are purged as new ones arrive
        users.record_attempt(s, "z@x.ca", "10.0.0.9", False, keep_seconds=60, now=now + timedelta(seconds=3600))
        from sqlalchemy import func, select
        from auditor.store import models as m
        assert s.scalar(select(func.count()).select_from(m.LoginAttempt)) == 1
