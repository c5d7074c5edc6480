"""Sending the weekly compliance summary, once per week and recipient.

The `summary_sends` table is the ledger: a row is claimed (inserted as `sending`) before a message
leaves and marked `sent` after the server accepted it, so a restart, a second run of the job or
a second process never sends the same week to the same person twice. A message the server keeps
refusing is marked `failed` with the reason and is tried again on the next send of that week.
A row left `sending` by a process killed mid-conversation is reported, not resent: the server may
already have accepted it, and a duplicate is the one outcome the ledger promises never to produce.

Before a message is handed to SMTP it is checked against the roster (full names and handles); a
match stops that message. The summary model cannot hold a name, so this is a tripwire for a
future change, and it reports how many matches, never which names.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from auditor import registry as reg
from auditor.config import Settings
from auditor.store import models as m
from auditor.store.db import Database
from connectors.base import resolve_credential

log = logging.getLogger("auditor.mailer")
STALE_SENDING = timedelta(minutes=30)


class SendError(RuntimeError):
    pass


# -- SMTP -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls, tls, none
    username: str = ""
    password_ref: str = ""
    sender: str = "auditor@localhost"
    timeout: int = 30
    retries: int = 3
    retry_wait: float = 2.0

    @classmethod
    def from_settings(cls, settings: Settings) -> "SmtpSettings":
        e = settings["email"]
        return cls(e["smtp_host"], e["smtp_port"], e["security"], e["username"], e["password_ref"], e["from"],
                   e["timeout_seconds"], max(1, e["retries"]), float(e["retry_wait_seconds"]))


def _transient(exc: BaseException) -> bool:
    """Worth another attempt: connection trouble and 4xx replies; a 5xx refusal will not change."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, ssl.SSLCertVerificationError):
        return False  # an untrusted certificate stays untrusted
    return isinstance(exc, (smtplib.SMTPException, OSError))


class Mailer:
    def __init__(self, cfg: SmtpSettings, env: dict[str, str] | None = None):
        self.cfg = cfg
        self.env = env

    def _send_once(self, msg: EmailMessage) -> None:
        c = self.cfg
        context = ssl.create_default_context()
        if c.security == "tls":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=context)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        with smtp:
            smtp.ehlo()
            if c.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if c.username:
                smtp.login(c.username, resolve_credential(c.password_ref, self.env))
            smtp.send_message(msg)

    def send(self, msg: EmailMessage) -> None:
        """Send with retries and exponential backoff; raises SendError with the last reason."""
        retrying = Retrying(stop=stop_after_attempt(self.cfg.retries),
                            wait=wait_exponential(multiplier=self.cfg.retry_wait, max=300),
                            retry=retry_if_exception(_transient), reraise=True)
        try:
            for attempt in retrying:
                with attempt:
                    self._send_once(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"{type(exc).__name__}: {exc}") from exc


def build_message(*, sender: str, recipient: str, subject: str, text: str, html: str) -> EmailMessage:
    """multipart/alternative: the plain part first, the HTML part last (clients show the last they can)."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, recipient, subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


# -- the roster tripwire ----------------------------------------------------------------------
def roster_pattern(students: Iterable[reg.Student]) -> re.Pattern | None:
    """Full names (given or preferred + last) and handles: what must never appear in an email."""
    forms = set()
    for st in students:
        last = st.last_name.strip()
        for given in {st.first_name.strip(), st.preferred_name.strip()} - {""}:
            if last:
                forms.add(f"{given} {last}")
        for _platform, handle in st.handles:
            h = handle.strip().lstrip("@")
            if len(h) >= 3:
                forms.add(h)
    if not forms:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in f.split()) for f in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


def roster_matches(msg: EmailMessage, pattern: re.Pattern | None) -> int:
    if pattern is None:
        return 0
    texts = [str(msg["Subject"] or "")]
    texts += [part.get_content() for part in msg.walk() if part.get_content_maintype() == "text"]
    return sum(len(pattern.findall(t)) for t in texts)


# -- the ledger -------------------------------------------------------------------------------
def claim(db: Database, week: str, scope: str, recipient: str, now: datetime | None = None) -> bool:
    """Take the right to send this week's summary for `scope` to `recipient`; False if it was sent,
    is being sent, or its outcome is unknown."""
    now = now or datetime.now(timezone.utc)
    key = (m.SummarySend.week == week, m.SummarySend.scope == scope, m.SummarySend.recipient == recipient)
    with db.session() as s:
        row = s.scalar(select(m.SummarySend).where(*key))
        if row is not None:
            if row.status == "failed":
                res = s.execute(update(m.SummarySend).where(m.SummarySend.id == row.id,
                                                            m.SummarySend.status == "failed")
                                .values(status="sending", attempts=row.attempts + 1, updated_at=now))
                return res.rowcount == 1
            if row.status == "sending" and row.updated_at < now - STALE_SENDING:
                log.warning("summary %s for %s to %s was interrupted mid-send; not resent (check the "
                            "mail server's log)", week, scope, recipient)
            return False
    try:
        with db.session() as s:
            s.add(m.SummarySend(week=week, scope=scope, recipient=recipient, status="sending", attempts=1,
                                last_error="", message_id="", created_at=now, updated_at=now))
    except IntegrityError:
        return False  # another process claimed it between our read and our insert
    return True


def record(db: Database, week: str, scope: str, recipient: str, status: str, *, error: str = "",
           message_id: str = "", now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    values = {"status": status, "last_error": error[:2000], "updated_at": now}
    if status == "sent":
        values.update(sent_at=now, message_id=message_id)
    with db.session() as s:
        s.execute(update(m.SummarySend).where(m.SummarySend.week == week, m.SummarySend.scope == scope,
                                              m.SummarySend.recipient == recipient).values(**values))


def sends_for(db: Database, week: str) -> list[m.SummarySend]:
    with db.session() as s:
        return list(s.scalars(select(m.SummarySend).where(m.SummarySend.week == week)
                              .order_by(m.SummarySend.scope, m.SummarySend.recipient)))


# -- the weekly send --------------------------------------------------------------------------
@dataclass
class SendOutcome:
    scope: str
    recipient: str
    status: str  # sent, failed, skipped (already sent or in flight), refused (roster tripwire)
    message: str = ""


def summary_recipients(session, settings: Settings, school: str | None) -> list[tuple[str, str | None]]:
    """(recipient, school code) pairs: each principal their school's summary, each configured
    administrator the board-wide one (not when one school was asked for)."""
    q = select(m.School).order_by(m.School.code)
    if school:
        q = q.where(m.School.code == school)
    rows = list(session.scalars(q))
    if school and not rows:
        raise LookupError(f"no school with code {school}")
    out = [(r.principal_email.strip(), r.code) for r in rows if r.principal_email.strip()]
    if not school:
        out += [(a.strip(), None) for a in settings["email"]["admins"] if a.strip()]
    return out


def weeks_with_failures(db: Database, now: datetime | None = None, within_days: int = 35) -> list[str]:
    """Weeks (recent ones) that still have a failed send: the serving process retries them hourly,
    so a send that failed on Monday morning is not left until the next Monday's run."""
    since = (now or datetime.now(timezone.utc)) - timedelta(days=within_days)
    with db.session() as s:
        return sorted(set(s.scalars(select(m.SummarySend.week).where(m.SummarySend.status == "failed",
                                                                     m.SummarySend.created_at >= since))))


def send_weekly(rt, *, week=None, school: str | None = None, now: datetime | None = None,
                mailer: Mailer | None = None, only_failed: bool = False) -> list[SendOutcome]:
    """Build and send the week's summaries that have not been sent yet; failures are recorded.
    `only_failed` retries the recipients whose send failed, and nobody else."""
    from reports.summary import Week, build_summary, render_summary_html, render_summary_text, subject
    from zoneinfo import ZoneInfo

    from auditor.store.registry_store import load_registry_from_store

    settings = rt.settings
    now = now or datetime.now(timezone.utc)
    tz_name = settings["schedule"]["timezone"]
    week = week or Week.last_complete(now, ZoneInfo(tz_name))
    mailer = mailer or Mailer(SmtpSettings.from_settings(settings))
    sender = settings["email"]["from"]
    outcomes: list[SendOutcome] = []
    with rt.db.session() as s:
        recipients = summary_recipients(s, settings, school)
        if only_failed:
            failed = set(s.execute(select(m.SummarySend.scope, m.SummarySend.recipient).where(
                m.SummarySend.week == week.label, m.SummarySend.status == "failed")).all())
            recipients = [(r, c) for r, c in recipients if (f"school:{c}" if c else "board", r) in failed]
        pattern = roster_pattern(load_registry_from_store(s, rt.key()).students)
    built: dict[str | None, tuple[str, str, str]] = {}
    for recipient, code in recipients:
        scope = f"school:{code}" if code else "board"
        if not claim(rt.db, week.label, scope, recipient, now):
            outcomes.append(SendOutcome(scope, recipient, "skipped", "already sent or being sent"))
            continue
        try:
            if code not in built:
                with rt.db.session() as s:
                    summ = build_summary(s, board=settings["board"]["name"], week=week, tz_name=tz_name,
                                         school=code, now=now, trend_weeks=settings["summary"]["trend_weeks"],
                                         stale_days=settings["checks"]["stale_scan_days"],
                                         base_url=settings["report"]["base_url"])
                built[code] = (subject(summ), render_summary_text(summ), render_summary_html(summ))
            subj, text, html = built[code]
            msg = build_message(sender=sender, recipient=recipient, subject=subj, text=text, html=html)
            leaks = roster_matches(msg, pattern)
            if leaks:
                record(rt.db, week.label, scope, recipient, "failed",
                       error=f"refused: {leaks} roster name or handle match(es) in the message")
                outcomes.append(SendOutcome(scope, recipient, "refused", f"{leaks} roster match(es)"))
                log.error("summary %s for %s not sent: it matched the roster %d time(s)", week.label, scope, leaks)
                continue
            mailer.send(msg)
        except Exception as exc:  # recorded and retried next time, never lost
            reason = str(exc) if isinstance(exc, SendError) else f"{type(exc).__name__}: {exc}"
            record(rt.db, week.label, scope, recipient, "failed", error=reason)
            outcomes.append(SendOutcome(scope, recipient, "failed", reason))
            log.error("summary %s for %s to %s failed: %s", week.label, scope, recipient, reason)
            continue
        record(rt.db, week.label, scope, recipient, "sent", message_id=str(msg["Message-ID"]))
        outcomes.append(SendOutcome(scope, recipient, "sent"))
        log.info("summary %s for %s sent to %s", week.label, scope, recipient)
    return outcomes
