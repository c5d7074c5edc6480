"""The stored state of an audit. Every table is here so a newcomer sees the whole picture at once.

Student rows never hold a name in plain text: `ref` is a keyed hash of the student id and
`sealed` the Fernet-encrypted record (auditor/roster_crypto.py); the key lives outside the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite drops tzinfo otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime stored; use datetime.now(timezone.utc)")
        return value

    def process_result_value(self, value, dialect):
        from datetime import timezone
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class School(Base):
    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    principal_email: Mapped[str] = mapped_column(String(254))
    aliases: Mapped[list[Any]] = mapped_column(default=list)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "handle_key", name="uq_account_platform_handle"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(200))
    handle_key: Mapped[str] = mapped_column(String(200))  # lower-case, no leading @
    kind: Mapped[str] = mapped_column(String(32))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    owner_name: Mapped[str] = mapped_column(String(200))
    owner_email: Mapped[str] = mapped_column(String(254))
    approved_by: Mapped[str] = mapped_column(String(254), default="")
    credential: Mapped[str] = mapped_column(String(500), default="")  # a reference, never a token
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # false once removed from accounts.csv
    platform_user_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32), default="new")  # new, ok, needs-reauth, error, deferred, not-found
    status_message: Mapped[str] = mapped_column(Text, default="")
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    registered_at: Mapped[datetime]
    last_scan_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_expires_at: Mapped[datetime | None]
    school: Mapped[School] = relationship()

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.handle}"


class Student(Base):
    __tablename__ = "students"
    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)  # HMAC-SHA256 of student_id
    school_code: Mapped[str] = mapped_column(String(32), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of the student record
    updated_at: Mapped[datetime]


class ScanRun(Base):
    __tablename__ = "scan_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(32))  # cli, nightly, on-demand, import, demo, recheck
    requested_by: Mapped[str] = mapped_column(String(254), default="")
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), default="running")  # running, done, interrupted, failed
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    results: Mapped[list["ScanAccountResult"]] = relationship(back_populates="run", order_by="ScanAccountResult.id")


class ScanAccountResult(Base):
    __tablename__ = "scan_account_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("scan_runs.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(32))  # ok, needs-reauth, error, deferred, not-found, busy
    message: Mapped[str] = mapped_column(Text, default="")
    items_read: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    findings_new: Mapped[int] = mapped_column(Integer, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    run: Mapped[ScanRun] = relationship(back_populates="results")
    account: Mapped[Account] = relationship()


class StoredItem(Base):
    """A raw item as a connector gave it, kept for re-checking until retention purges it."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("account_id", "item_id", name="uq_item_account_item"),
                      Index("ix_items_fetched_at", "fetched_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(500))
    type: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    removed_at: Mapped[datetime | None]  # no longer on the platform


class Finding(Base):
    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    item_id: Mapped[str] = mapped_column(String(500), index=True)
    item_url: Mapped[str] = mapped_column(Text, default="")
    item_created_at: Mapped[datetime | None]
    rule: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[str] = mapped_column(String(16))
    via: Mapped[str | None] = mapped_column(String(16))
    clause: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    spans: Mapped[list[Any]] = mapped_column(JSON, default=list)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the texts the spans point into
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(32), default="open", index=True)  # review state
    presence: Mapped[str] = mapped_column(String(16), default="present")  # present, gone, removed
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    first_run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id"))
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id"))
    status_changed_at: Mapped[datetime | None]
    account: Mapped[Account] = relationship()
    reviews: Mapped[list["ReviewEntry"]] = relationship(order_by="ReviewEntry.id", back_populates="finding")


class ReviewEntry(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "review_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime]
    finding: Mapped[Finding] = relationship(back_populates="reviews")


class ScanRequest(Base):
    """An on-demand audit asked for while `auditor serve` runs; the serving process picks it up."""

    __tablename__ = "scan_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by: Mapped[str] = mapped_column(String(254))
    school_code: Mapped[str | None] = mapped_column(String(32))
    account_key: Mapped[str | None] = mapped_column(String(250))
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued, running, done, failed
    requested_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("scan_runs.id"))
    message: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(String(200))  # the serving process running it
    claim_expires_at: Mapped[datetime | None]  # renewed while it runs; past = its process died


class SummarySend(Base):
    """One weekly summary to one recipient: the ledger that makes a restart never send a week twice.

    A row is inserted (status `sending`) before the message leaves, so the unique key is the claim;
    a failure leaves `failed` with the error and is retried on the next send of that week.
    """

    __tablename__ = "summary_sends"
    __table_args__ = (UniqueConstraint("week", "scope", "recipient", name="uq_summary_send_week_scope_recipient"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(10), index=True)  # ISO week, e.g. 2026-W48
    scope: Mapped[str] = mapped_column(String(40))  # "school:<code>" or "board"
    recipient: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), default="sending")  # sending, sent, failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class User(Base):
    """A person who signs in to the web console. Admins see every school; a principal or a viewer is
    bound to one school. `session_version` is bumped when the user is disabled or the password
    changes, so a signed session cookie issued before that stops working."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, never the password
    role: Mapped[str] = mapped_column(String(16))  # admin, principal, viewer
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    school: Mapped[School | None] = relationship()


class LoginAttempt(Base):
    """Sign-in attempts, kept for a short window to rate-limit password guessing across processes."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(index=True)
